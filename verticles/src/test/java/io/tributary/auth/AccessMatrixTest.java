package io.tributary.auth;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every guarded route against every kind of caller, on a node as shipped (accounts on): exactly
 * the expected 401 (no or bad credentials), 403 (a role too low) or the route's own answer.
 */
@Timeout(240)
class AccessMatrixTest {

    private static Node node;
    /** Credential name -> Authorization value (null: none). */
    private static final Map<String, String> CALLERS = new LinkedHashMap<>();
    private static final Map<String, Role> ROLE_OF = new LinkedHashMap<>();
    private static int streams;

    /** A route, the role it needs (null: open to anybody), and what a caller it lets through gets. */
    private record Route(String method, String path, String body, Role needs, int allowed) {
    }

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.secured(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        String admin = TestNode.adminToken(node);
        for (Role r : List.of(Role.GUEST, Role.VIEWER, Role.EDITOR)) {
            HttpResponse<String> created = TestNode.send(node, "POST", "/api/v1/users", new JsonObject().put("name", r.wire() + "1")
                    .put("password", "password-" + r.wire()).put("role", r.wire()).encode(), admin);
            assertEquals(201, created.statusCode(), created.body());
            CALLERS.put(r.wire(), "Bearer " + TestNode.login(node, r.wire() + "1", "password-" + r.wire()).getString("accessToken"));
            ROLE_OF.put(r.wire(), r);
        }
        CALLERS.put("admin", "Bearer " + admin);
        ROLE_OF.put("admin", Role.ADMIN);
        HttpResponse<String> key = TestNode.send(node, "POST", "/api/v1/api-keys",
                new JsonObject().put("name", "ci").put("role", "editor").encode(), admin);
        assertEquals(201, key.statusCode(), key.body());
        CALLERS.put("editor-api-key", "Bearer " + new JsonObject(key.body()).getString("key"));
        ROLE_OF.put("editor-api-key", Role.EDITOR);

        byte[] nodeKey = JwtForge.nodeKey(node.config().dataDir());
        String kid = JwtForge.kid(nodeKey);
        long now = Instant.now().getEpochSecond();
        String viewer = CALLERS.get("viewer").substring(7);
        CALLERS.put("none", null);
        CALLERS.put("expired", "Bearer " + JwtForge.sign(JwtForge.header(kid), JwtForge.claims("admin", now - 1), nodeKey));
        CALLERS.put("wrong-key", "Bearer " + JwtForge.sign(JwtForge.header(kid), JwtForge.claims("admin", now + 600), new byte[32]));
        CALLERS.put("alg-none", "Bearer " + JwtForge.algNone(kid, JwtForge.claims("admin", now + 600)));
        CALLERS.put("tampered", "Bearer " + JwtForge.tampered(viewer, "admin"));
        CALLERS.put("not-bearer", "Basic YWRtaW46dGVzdA==");
        CALLERS.put("revoked-style-key", "Bearer trk_000000000000_nothing");
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    private static List<Route> routes() {
        String json = "application/json";
        List<Route> r = new ArrayList<>();
        // operator: admin
        r.add(new Route("POST", "/api/v1/node/undrain", "{}", Role.ADMIN, 200));
        r.add(new Route("POST", "/api/v1/verticles/ingest/scale", "{\"instances\": 1}", Role.ADMIN, 200));
        r.add(new Route("GET", "/api/v1/verticles", null, Role.ADMIN, 200));
        r.add(new Route("GET", "/api/v1/cluster", null, Role.ADMIN, 200));
        r.add(new Route("POST", "/api/v1/nodes/no-such-node/drain", "{}", Role.ADMIN, 404));
        r.add(new Route("GET", "/api/v1/nodes/no-such-node/verticles", null, Role.ADMIN, 404));
        r.add(new Route("GET", "/api/v1/sessions", null, Role.ADMIN, 200));
        r.add(new Route("GET", "/api/v1/hotness", null, Role.ADMIN, 200));
        r.add(new Route("DELETE", "/api/v1/recordings?stream=cam", null, Role.ADMIN, 404)); // no DVR on this node
        r.add(new Route("GET", "/api/v1/users", null, Role.ADMIN, 200));
        r.add(new Route("GET", "/api/v1/api-keys", null, Role.ADMIN, 200));
        r.add(new Route("GET", "/api/v1/audit", null, Role.ADMIN, 200));
        r.add(new Route("POST", "/api/v1/some-future-write", "{}", Role.ADMIN, 404)); // unlisted writes are closed
        // editor
        r.add(new Route("POST", "/api/v1/streams", "NAME", Role.EDITOR, 201));
        r.add(new Route("POST", "/api/v1/streams/nobody/secret", "{}", Role.EDITOR, 404));
        r.add(new Route("POST", "/api/v1/streams/nobody/cues", "{\"type\":\"out\",\"duration\":30}", Role.EDITOR, 404));
        r.add(new Route("GET", "/api/v1/jobs", null, Role.EDITOR, 404)); // no VOD on this node
        r.add(new Route("PATCH", "/api/v1/assets/a1", "{\"title\":\"x\"}", Role.EDITOR, 404));
        // any signed-in caller
        r.add(new Route("GET", "/api/v1/auth/me", null, Role.GUEST, 200));
        // open: the public catalog
        r.add(new Route("GET", "/api/v1/streams", null, null, 200));
        r.add(new Route("GET", "/api/v1/version", null, null, 200));
        assertTrue(json.length() > 0);
        return r;
    }

    private static int expected(Route route, String caller) {
        String auth = CALLERS.get(caller);
        Role role = ROLE_OF.get(caller);
        if (auth != null && role == null) {
            return 401; // forged, expired or malformed credentials fail wherever they are sent
        }
        if (route.needs() == null) {
            return route.allowed();
        }
        if (role == null) {
            return 401;
        }
        return role.atLeast(route.needs()) ? route.allowed() : 403;
    }

    @Test
    void everyRouteAnswersEachCallerAsItsRoleAllows() {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Route route : routes()) {
            for (String caller : CALLERS.keySet()) {
                String body = route.body() != null && route.body().equals("NAME")
                        ? new JsonObject().put("name", "s" + (++streams)).encode() : route.body();
                HttpResponse<String> r = send(route.method(), route.path(), body, CALLERS.get(caller));
                int want = expected(route, caller);
                checked++;
                if (r.statusCode() != want) {
                    wrong.add(route.method() + " " + route.path() + " as " + caller + ": " + r.statusCode() + " (want " + want + ") "
                            + r.body());
                } else if (want == 401 || want == 403) {
                    String type = r.headers().firstValue("Content-Type").orElse("");
                    if (!type.startsWith("application/problem+json")) {
                        wrong.add(route.method() + " " + route.path() + " as " + caller + ": " + want + " not a problem: " + type);
                    }
                    if (want == 401 && r.headers().firstValue("WWW-Authenticate").isEmpty()) {
                        wrong.add(route.method() + " " + route.path() + " as " + caller + ": 401 without WWW-Authenticate");
                    }
                }
            }
        }
        assertEquals(List.of(), wrong, "of " + checked + " requests");
        assertTrue(checked >= 200, "a real matrix: " + checked);
    }

    @Test
    void theApiKeyWorksInItsOwnHeaderAndARevokedOneStops() {
        String admin = CALLERS.get("admin").substring(7);
        JsonObject created = new JsonObject(TestNode.send(node, "POST", "/api/v1/api-keys",
                new JsonObject().put("name", "ops-bot").put("role", "admin").encode(), admin).body());
        String key = created.getString("key");
        HttpResponse<String> asKey = TestNode.get(node, "/api/v1/verticles", Map.of("X-Api-Key", key));
        assertEquals(200, asKey.statusCode(), asKey.body());
        JsonObject me = new JsonObject(TestNode.get(node, "/api/v1/auth/me", Map.of("X-Api-Key", key)).body());
        assertEquals("apikey", me.getString("kind"));
        assertEquals(created.getString("id"), me.getString("sub"));
        assertEquals("admin", me.getString("role"));
        // the list never shows a key's secret
        String listed = TestNode.send(node, "GET", "/api/v1/api-keys", null, admin).body();
        assertTrue(listed.contains(created.getString("id")) && !listed.contains(key.substring(key.lastIndexOf('_') + 1)), listed);
        assertEquals(204, TestNode.send(node, "DELETE", "/api/v1/api-keys/" + created.getString("id"), null, admin).statusCode());
        assertEquals(401, TestNode.get(node, "/api/v1/verticles", Map.of("X-Api-Key", key)).statusCode());
    }

    @Test
    void aCrossSiteTextPlainPostDrainsNothingAndOperatorRoutesSendNoCors() {
        String admin = CALLERS.get("admin");
        // what a page on another site can send without a preflight: a text/plain POST (with or without a stolen token)
        for (String auth : new String[]{null, admin}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/node/drain")))
                    .timeout(Duration.ofSeconds(10)).header("Origin", "https://evil.example")
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}"));
            if (auth != null) {
                b.header("Authorization", auth);
            }
            HttpResponse<String> r = send(b.build());
            assertTrue(r.statusCode() == 401 || r.statusCode() == 415, r.statusCode() + " " + r.body());
            assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "no CORS on an operator route");
        }
        assertEquals(415, send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/node/drain"))).header("Authorization", admin)
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode());
        assertEquals(200, TestNode.get(node, "/health").statusCode(), "the node is not draining");
        // a preflight for the operator route gets no CORS answer either
        HttpResponse<String> preflight = send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/node/drain")))
                .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "preflight: " + preflight.statusCode());

        // the admin's own JSON request drains, and is audited
        assertEquals(200, send("POST", "/api/v1/node/drain", "{}", admin).statusCode());
        assertEquals(503, TestNode.get(node, "/health").statusCode());
        assertEquals(200, send("POST", "/api/v1/node/undrain", "{}", admin).statusCode());
        TestNode.await("the audit rows", Duration.ofSeconds(10), () -> {
            JsonArray entries = new JsonObject(send("GET", "/api/v1/audit", null, admin).body()).getJsonArray("entries");
            boolean drained = false;
            boolean refused = false;
            for (int i = 0; i < entries.size(); i++) {
                JsonObject e = entries.getJsonObject(i);
                drained |= e.getString("action").equals("POST /api/v1/node/drain") && e.getInteger("outcome") == 200
                        && e.getString("actor").startsWith("user:");
                refused |= e.getString("action").equals("POST /api/v1/node/drain") && e.getInteger("outcome") == 401
                        && e.getString("actor").equals("anonymous");
            }
            return drained && refused;
        });
    }

    @Test
    void badSignInsAreRefusedAlike() {
        HttpResponse<String> unknown = TestNode.send(node, "POST", "/api/v1/auth/login",
                new JsonObject().put("name", "nobody").put("password", "whatever-1").encode(), null);
        HttpResponse<String> wrong = TestNode.send(node, "POST", "/api/v1/auth/login",
                new JsonObject().put("name", TestNode.ADMIN).put("password", "whatever-1").encode(), null);
        assertEquals(401, unknown.statusCode());
        assertEquals(401, wrong.statusCode());
        assertEquals(new JsonObject(unknown.body()).getString("detail"), new JsonObject(wrong.body()).getString("detail"));
        assertEquals(400, TestNode.send(node, "POST", "/api/v1/auth/login", "[1]", null).statusCode());
        assertEquals(415, send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/auth/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=admin&password=x")).build()).statusCode());
        // the bootstrap is closed once an admin exists
        HttpResponse<String> boot = TestNode.send(node, "POST", "/api/v1/auth/bootstrap",
                new JsonObject().put("token", "guess").put("name", "eve").put("password", "password-eve").encode(), null);
        assertEquals(403, boot.statusCode());
        assertNull(null);
    }

    private static HttpResponse<String> send(String method, String path, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(b.build());
    }

    private static HttpResponse<String> send(HttpRequest req) {
        try {
            return TestNode.HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
