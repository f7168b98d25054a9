package io.tributary.cluster.registry;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import io.tributary.cluster.ClusterMember;
import io.tributary.cluster.ClusterSettings;
import io.tributary.cluster.SharedMaps;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The claim's decision on an entry, then the registry's claim on a real (one-member) map. */
class StreamClaimTest {

    private static final String A = "http://127.0.0.1:8001";
    private static final String B = "http://127.0.0.1:8002";

    private static Map.Entry<String, HazelcastJsonValue> entry(String member, String origin, long since) {
        return new AbstractMap.SimpleEntry<>("k", new HazelcastJsonValue(new JsonObject().put("origin", origin)
                .put("member", member).put("since", since).encode()));
    }

    private static JsonObject value(Map.Entry<String, HazelcastJsonValue> e) {
        return new JsonObject(e.getValue().getValue());
    }

    @Test
    void anAbsentKeyIsTaken() {
        Map.Entry<String, HazelcastJsonValue> e = new AbstractMap.SimpleEntry<>("k", null);
        assertNull(new HazelcastStreamRegistry.ClaimUnlessHeld("b", B, Set.of("a", "b"), 7).process(e));
        assertEquals(new JsonObject().put("origin", B).put("member", "b").put("since", 7L), value(e));
    }

    @Test
    void aKeyAnotherLiveMemberHoldsIsRefusedAndLeftAlone() {
        Map.Entry<String, HazelcastJsonValue> e = entry("a", A, 1);
        HazelcastJsonValue before = e.getValue();
        assertEquals(A, new HazelcastStreamRegistry.ClaimUnlessHeld("b", B, Set.of("a", "b"), 7).process(e));
        assertSame(before, e.getValue());
    }

    @Test
    void aKeyOfADepartedMemberIsTakenOver() {
        Map.Entry<String, HazelcastJsonValue> e = entry("a", A, 1);
        assertNull(new HazelcastStreamRegistry.ClaimUnlessHeld("b", B, Set.of("b"), 7).process(e));
        assertEquals("b", value(e).getString("member"));
        assertEquals(B, value(e).getString("origin"));
    }

    @Test
    void anEndedStreamsKeyIsTakenByAnotherMemberAndByItsOwn() {
        Map.Entry<String, HazelcastJsonValue> e = entry("a", A, 1);
        assertEquals(true, new HazelcastStreamRegistry.MarkEnded("a").process(e));
        assertEquals(false, new HazelcastStreamRegistry.MarkEnded("b").process(e), "only the holder marks it");
        assertEquals(true, value(e).getBoolean("ended"));
        assertNull(new HazelcastStreamRegistry.ClaimUnlessHeld("b", B, Set.of("a", "b"), 7).process(e));
        assertEquals(new JsonObject().put("origin", B).put("member", "b").put("since", 7L), value(e));

        Map.Entry<String, HazelcastJsonValue> own = entry("a", A, 1);
        new HazelcastStreamRegistry.MarkEnded("a").process(own);
        assertNull(new HazelcastStreamRegistry.ClaimUnlessHeld("a", A, Set.of("a", "b"), 9).process(own));
        assertEquals(new JsonObject().put("origin", A).put("member", "a").put("since", 9L), value(own), "live again");
    }

    @Test
    void ourOwnKeyStaysOursWithItsSince() {
        Map.Entry<String, HazelcastJsonValue> e = entry("b", B, 1);
        HazelcastJsonValue before = e.getValue();
        assertNull(new HazelcastStreamRegistry.ClaimUnlessHeld("b", B, Set.of("a", "b"), 7).process(e));
        assertSame(before, e.getValue());
    }

    @Test
    void theRegistryRefusesAHeldKeyAndTakesOneWhoseHolderIsGone() throws Exception {
        HazelcastInstance hz = ClusterMember.start(ClusterSettings.embedded());
        Vertx vertx = Vertx.vertx();
        try {
            String self = hz.getCluster().getLocalMember().getUuid().toString();
            HazelcastStreamRegistry registry = new HazelcastStreamRegistry(vertx, hz);
            IMap<String, HazelcastJsonValue> map = hz.getMap(SharedMaps.STREAMS);
            // "ghost" is no member: its key is free
            map.put("gone", entry("ghost", A, 1).getValue());
            registry.claim("gone", B).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(self, new JsonObject(map.get("gone").getValue()).getString("member"));
            assertEquals(B, registry.originBaseUrl("gone").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
            // a member's key is refused to another claimant, on the map as in the unit cases
            assertEquals(B, map.executeOnKey("gone", new HazelcastStreamRegistry.ClaimUnlessHeld("other", A, Set.of(self, "other"), 9)));
            assertEquals(self, new JsonObject(map.get("gone").getValue()).getString("member"));

            // ours now: claiming it again succeeds and keeps the entry
            HazelcastJsonValue ours = map.get("gone");
            registry.claim("gone", B).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ours, map.get("gone"));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            hz.shutdown();
        }
    }
}
