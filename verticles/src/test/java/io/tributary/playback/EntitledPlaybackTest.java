package io.tributary.playback;

import io.tributary.Node;
import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Entitled streams as viewers on different plans meet them, on a node with accounts on: only a
 * viewer whose plan is entitled (or an editor's API key, as a CMS holds) gets a playback token, and
 * only that token plays; other plans, guests and anonymous callers are refused, naming the plans.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EntitledPlaybackTest {

    private Node node;
    private TestPublication premium;
    private String admin;

    @BeforeAll
    void start() {
        node = TestNode.secured(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_RTMP_STREAM_KEYS", "premium-a,members-b",
                "TRIBUTARY_PLAYBACK_ACCESS_RULES", "premium-*=entitled,members-*=entitled",
                "TRIBUTARY_PLAYBACK_ENTITLEMENTS", "premium-*=gold|platinum"));
        admin = TestNode.adminToken(node);
        for (String[] u : new String[][] {{"ann", "viewer", "gold"}, {"bob", "viewer", "free"}, {"gus", "guest", "free"}}) {
            HttpResponse<String> r = TestNode.send(node, "POST", "/api/v1/users", new JsonObject().put("name", u[0])
                    .put("password", "password-" + u[0]).put("role", u[1]).put("plan", u[2]).encode(), admin);
            assertEquals(201, r.statusCode(), r.body());
        }
        premium = LiveNode.publish(node, "premium-a", LiveNode.smallSource()).send(4.5).sendPacedInBackground(30);
    }

    @AfterAll
    void stop() {
        if (premium != null) {
            premium.close();
        }
        TestNode.stop(node);
    }

    private String accessToken(String name) {
        return TestNode.login(node, name, "password-" + name).getString("accessToken");
    }

    private HttpResponse<String> tokenFor(String stream, String bearer) {
        return TestNode.send(node, "POST", "/api/v1/playback-tokens", new JsonObject().put("stream", stream).encode(), bearer);
    }

    @Test
    void aViewerOnAnEntitledPlanGetsATokenThatPlays() {
        HttpResponse<String> issued = tokenFor("premium-a", accessToken("ann"));
        assertEquals(201, issued.statusCode(), issued.body());
        String hls = new JsonObject(issued.body()).getString("hls");
        TestNode.await("the entitled stream to play with the token", Duration.ofSeconds(30),
                () -> TestNode.get(node, hls).statusCode() == 200);
        assertTrue(TestNode.get(node, hls).body().contains("token="), "the URIs it renders carry the token on");
        HttpResponse<String> without = TestNode.get(node, "/live/premium-a/index.m3u8");
        assertEquals(403, without.statusCode(), without.body());
    }

    @Test
    void anotherPlanAGuestAndNobodyAreRefusedNamingThePlans() {
        HttpResponse<String> free = tokenFor("premium-a", accessToken("bob"));
        assertEquals(403, free.statusCode(), free.body());
        assertTrue(free.body().contains("gold") && free.body().contains("platinum") && free.body().contains("yours is free"), free.body());
        assertEquals(403, tokenFor("premium-a", accessToken("gus")).statusCode(), "guests get free content only");
        assertEquals(401, tokenFor("premium-a", null).statusCode(), "anonymous callers sign in first");
    }

    @Test
    void editorsAndContentNoRuleNamesAreOpenToTheirCallers() {
        HttpResponse<String> key = TestNode.send(node, "POST", "/api/v1/api-keys",
                new JsonObject().put("name", "cms").put("role", "editor").encode(), admin);
        assertEquals(201, key.statusCode(), key.body());
        assertEquals(201, tokenFor("premium-a", new JsonObject(key.body()).getString("key")).statusCode(), "a CMS's editor key");
        // entitled, but no entitlement rule names it: any signed-in viewer
        assertEquals(201, tokenFor("members-b", accessToken("bob")).statusCode());
        // a public stream's token is anybody signed-in's
        assertEquals(201, tokenFor("open-c", accessToken("bob")).statusCode());
    }

    @Test
    void badEntitlementRulesStopStartUpNamingTheKey() {
        for (String bad : new String[] {"premium-*", "premium-*=", "premium-*=Gold", "*=gold||", "pre/mium=gold"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> TributaryConfig.load(null, Map.of("TRIBUTARY_PLAYBACK_ENTITLEMENTS", bad)), bad);
            assertTrue(e.getMessage().contains("playback.entitlements"), e.getMessage());
        }
        assertEquals(java.util.List.of("gold", "platinum"), TributaryConfig.load(null,
                Map.of("TRIBUTARY_PLAYBACK_ENTITLEMENTS", "premium-*=gold|platinum")).playback().plansFor("premium-x"));
    }
}
