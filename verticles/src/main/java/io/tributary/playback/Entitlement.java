package io.tributary.playback;

import io.tributary.StatusException;
import io.tributary.auth.Role;

import java.util.List;

/**
 * Who may get a playback token for {@code entitled} content: editors and admins (they run the
 * catalog, and a CMS's API key is one), and viewers whose plan a {@code playback.entitlements}
 * rule lists for the content (any viewer when no rule names it). Guests and anonymous callers never.
 * The plan is the one the caller's access token carries, so a changed plan counts from its next refresh.
 */
final class Entitlement {

    private Entitlement() {
    }

    /** Throws a 403 naming why {@code role} on {@code plan} may not play {@code what}; returns when it may. */
    static void require(Role role, String plan, List<String> plans, String what) {
        if (role == null) {
            throw new StatusException(403, what + " is for entitled viewers: sign in (accounts are off on this node)");
        }
        if (role.atLeast(Role.EDITOR)) {
            return;
        }
        if (!role.atLeast(Role.VIEWER)) {
            throw new StatusException(403, what + " is for entitled viewers, not guests");
        }
        if (plans != null && !plans.contains(plan)) {
            throw new StatusException(403, what + " needs one of the plans " + String.join(", ", plans)
                    + (plan.isEmpty() ? "" : "; yours is " + plan));
        }
    }
}
