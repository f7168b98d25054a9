package io.tributary.auth;

/**
 * Who calls through a door other than an HTTP route (the gRPC control plane): the same subject,
 * kind, role and name an HTTP request's {@link Identity} carries. {@link #OPEN} on a node without
 * accounts, where every guard passes.
 */
public record Caller(String sub, String kind, Role role, String name) {

    /** A node with {@code auth.enabled: false}: everything is allowed, as on its HTTP routes. */
    public static final Caller OPEN = new Caller("open", "open", Role.ADMIN, "auth disabled");

    /** {@code kind:sub (name)}: how the audit log names the caller, as for HTTP requests. */
    public String actor() {
        return kind + ":" + sub + " (" + name + ")";
    }

    /** Throws 403 naming the role {@code action} needs unless this caller has it. */
    public void require(Role needed, String action) {
        if (!role.atLeast(needed)) {
            throw AuthException.forbidden(action + " needs the " + needed.wire() + " role; this " + kind + " has " + role.wire());
        }
    }
}
