package io.tributary.auth;

import java.util.Locale;

/** What an account or API key may do; each role may do all that the ones below it may. */
public enum Role {
    GUEST, VIEWER, EDITOR, ADMIN;

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code name} (admin, editor, viewer, guest), or null. */
    public static Role parse(String name) {
        if (name == null) {
            return null;
        }
        for (Role r : values()) {
            if (r.wire().equals(name)) {
                return r;
            }
        }
        return null;
    }
}
