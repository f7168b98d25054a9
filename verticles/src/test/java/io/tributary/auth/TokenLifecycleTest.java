package io.tributary.auth;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sign-in as a client lives it: refresh rotation, a stolen refresh token's reuse, logout, access-token expiry. */
@Timeout(180)
class TokenLifecycleTest {

    private static Node node;

    @BeforeAll
    static void start() {
        // a short access lifetime: the expiry is seen within the test
        node = TestNode.secured(Map.of("TRIBUTARY_AUTH_ACCESS_TTL", "2s"));
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    private static HttpResponse<String> refresh(String token) {
        return TestNode.send(node, "POST", "/api/v1/auth/refresh", new JsonObject().put("refreshToken", token).encode(), null);
    }

    private static int me(String access) {
        return TestNode.send(node, "GET", "/api/v1/auth/me", null, access).statusCode();
    }

    @Test
    void anAccessTokenExpiresAfterItsLifetimeAndARefreshGivesANewOne() throws Exception {
        JsonObject login = TestNode.login(node, TestNode.ADMIN, TestNode.ADMIN_PASSWORD);
        assertEquals(2, login.getInteger("expiresIn"));
        assertEquals(200, me(login.getString("accessToken")));
        Thread.sleep(3100);
        HttpResponse<String> expired = TestNode.send(node, "GET", "/api/v1/auth/me", null, login.getString("accessToken"));
        assertEquals(401, expired.statusCode());
        assertTrue(expired.body().contains("expired"), expired.body());
        HttpResponse<String> renewed = refresh(login.getString("refreshToken"));
        assertEquals(200, renewed.statusCode(), renewed.body());
        JsonObject next = new JsonObject(renewed.body());
        assertEquals(200, me(next.getString("accessToken")));
        assertNotEquals(login.getString("refreshToken"), next.getString("refreshToken"), "rotated on use");
    }

    @Test
    void aReusedRefreshTokenRevokesItsWholeLoginButNotOthers() {
        JsonObject victim = TestNode.login(node, TestNode.ADMIN, TestNode.ADMIN_PASSWORD);
        JsonObject other = TestNode.login(node, TestNode.ADMIN, TestNode.ADMIN_PASSWORD);
        String stolen = victim.getString("refreshToken");
        // the rightful client refreshes twice: each token works once
        JsonObject first = new JsonObject(refresh(stolen).body());
        JsonObject second = new JsonObject(refresh(first.getString("refreshToken")).body());
        // the thief replays the old token: refused, and the family with it
        HttpResponse<String> replay = refresh(stolen);
        assertEquals(401, replay.statusCode());
        assertTrue(replay.body().contains("used before"), replay.body());
        HttpResponse<String> after = refresh(second.getString("refreshToken"));
        assertEquals(401, after.statusCode(), "the newest token of the family is revoked too: " + after.body());
        // another login of the same account is untouched
        assertEquals(200, refresh(other.getString("refreshToken")).statusCode());
        assertEquals(401, refresh("not-a-token").statusCode());
    }

    @Test
    void logoutRevokesTheRefreshToken() {
        JsonObject login = TestNode.login(node, TestNode.ADMIN, TestNode.ADMIN_PASSWORD);
        JsonObject rotated = new JsonObject(refresh(login.getString("refreshToken")).body());
        HttpResponse<String> out = TestNode.send(node, "POST", "/api/v1/auth/logout",
                new JsonObject().put("refreshToken", rotated.getString("refreshToken")).encode(), null);
        assertEquals(204, out.statusCode());
        assertEquals(401, refresh(rotated.getString("refreshToken")).statusCode());
        assertEquals(401, refresh(login.getString("refreshToken")).statusCode());
    }

    @Test
    void theMetricsCountSignInsWithoutNamingAnybody() {
        TestNode.send(node, "POST", "/api/v1/auth/login", new JsonObject().put("name", "admin").put("password", "nope-nope").encode(), null);
        String metrics = TestNode.get(node, "/metrics").body();
        assertTrue(metrics.contains("tributary_auth_logins_total{outcome=\"refused\"}"), metrics.lines()
                .filter(l -> l.contains("auth")).toList().toString());
        assertTrue(!metrics.contains("name=\"admin\""));
        Duration.ofSeconds(1);
    }
}
