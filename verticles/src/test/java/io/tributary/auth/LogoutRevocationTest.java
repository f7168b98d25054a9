package io.tributary.auth;

import io.tributary.Node;
import io.tributary.testing.PgServers;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logout revokes the access token it is sent with, on every node of the cluster (one that joins
 * later too), until the token would have expired; other sign-ins stay valid.
 */
@Timeout(240)
class LogoutRevocationTest {

    static TestCluster cluster;
    static String pgUrl;
    static Node a;
    static Node b;

    static Map<String, String> env() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", Files.createTempDirectory("tributary-logout-").toString());
        env.put("TRIBUTARY_PG_URL", pgUrl);
        env.put("TRIBUTARY_AUTH_ENABLED", "true");
        env.put("TRIBUTARY_AUTH_JWT_SECRET", "logout-test-jwt-secret-of-32-characters-or-more");
        env.put("TRIBUTARY_AUTH_ADMIN_PASSWORD", TestNode.ADMIN_PASSWORD);
        env.put("TRIBUTARY_AUTH_PASSWORD_ITERATIONS", "10000");
        return env;
    }

    @BeforeAll
    static void start() throws Exception {
        pgUrl = PgServers.externalUrl(); // skips without the PostgreSQL at 127.0.0.1:5432
        cluster = new TestCluster(3);
        a = cluster.start(0, env());
        b = cluster.start(1, env());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        PgServers.drop(pgUrl);
    }

    static HttpResponse<String> me(Node n, String access) {
        return TestNode.send(n, "GET", "/api/v1/auth/me", null, access);
    }

    @Test
    void logoutRevokesItsAccessTokenClusterWide() throws Exception {
        JsonObject signIn = TestNode.login(a, TestNode.ADMIN, TestNode.ADMIN_PASSWORD);
        JsonObject other = TestNode.login(a, TestNode.ADMIN, TestNode.ADMIN_PASSWORD);
        String access = signIn.getString("accessToken");
        assertEquals(200, me(a, access).statusCode());
        assertEquals(200, me(b, access).statusCode(), "one key, so node b takes node a's tokens");

        HttpResponse<String> out = TestNode.send(a, "POST", "/api/v1/auth/logout",
                new JsonObject().put("refreshToken", signIn.getString("refreshToken")).encode(), access);
        assertEquals(204, out.statusCode(), out.body());

        HttpResponse<String> here = me(a, access);
        assertEquals(401, here.statusCode(), "refused at once where it signed out");
        assertTrue(here.body().contains("revoked"), here.body());
        TestNode.await("node b refuses the signed-out token", Duration.ofSeconds(10), () -> me(b, access).statusCode() == 401);
        HttpResponse<String> refreshed = TestNode.send(a, "POST", "/api/v1/auth/refresh",
                new JsonObject().put("refreshToken", signIn.getString("refreshToken")).encode(), null);
        assertEquals(401, refreshed.statusCode(), "the sign-in's refresh token too");

        // another sign-in of the same account is untouched
        assertEquals(200, me(a, other.getString("accessToken")).statusCode());
        assertEquals(200, me(b, other.getString("accessToken")).statusCode());

        // a node that joins later learns the revocations the cluster holds
        Node late = cluster.start(2, env());
        assertEquals(401, me(late, access).statusCode());
        assertEquals(200, me(late, other.getString("accessToken")).statusCode());
    }

    @Test
    void aLogoutWithNothingToRevokeIsABadRequest() {
        HttpResponse<String> r = TestNode.send(a, "POST", "/api/v1/auth/logout", "{}", null);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("refreshToken"), r.body());
    }
}
