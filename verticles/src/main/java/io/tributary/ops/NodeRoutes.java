package io.tributary.ops;

import io.vertx.ext.web.Router;

/**
 * What a node adds to every delivery verticle: its operator routes, and how long a stopping one may finish requests.
 * These routes are same-origin: the router they mount on ({@link io.tributary.http.Routers}) gives them no CORS,
 * and their errors are problem details like every {@code /api/} route's.
 */
public interface NodeRoutes {

    NodeRoutes NONE = new NodeRoutes() {
        @Override
        public void mount(Router router) {
        }

        @Override
        public long stopGraceMillis() {
            return 1000;
        }
    };

    void mount(Router router);

    /** Before every API route of a router: who the caller is and what the caller may call ({@link io.tributary.auth.AuthModule#guard}). */
    default void guard(Router router) {
    }

    /** Long while the node runs (a set scaled away finishes its held requests), short once it closes. */
    long stopGraceMillis();

    /**
     * How long a retiring HTTP verticle goes on serving before its server shuts down, telling
     * each HTTP/1 client {@code Connection: close}: a server shutting down closes the kept-alive
     * connections it finds idle, and a request a client sends on one at that moment is lost.
     * 0 when the node closes.
     */
    default long drainMillis() {
        return 0;
    }
}
