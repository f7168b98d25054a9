package io.tributary.session;

import io.tributary.Node;
import io.tributary.testing.EmbeddedKafka;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Playback events reach a real Kafka broker (in-process KRaft, Kafka's own test kit) keyed by session id. */
class PlaybackEventsKafkaTest {

    @Test
    void sessionStartRebufferSwitchAndErrorArriveOnPlaybackEvents() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("playback.events", 2);
            String bootstrap = kafka.bootstrap();
            try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_KAFKA_BOOTSTRAP", bootstrap, "TRIBUTARY_TRANSCODE_LADDER", "none"))) {
                Node node = live.node();
                live.publish("live1").send(3.2);
                live.awaitOk("/live/live1/index.m3u8", Duration.ofSeconds(10));

                String body = TestNode.get(node, "/live/live1/index.m3u8").body();
                Matcher m = Pattern.compile("\\?sid=([0-9a-f-]{36})").matcher(body);
                assertTrue(m.find(), body);
                String sid = m.group(1);
                String beacon = new JsonObject().put("sid", sid).put("stream", "live1").put("events", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("type", "rebuffer_start"))
                        .add(new JsonObject().put("type", "switch").put("from", "video").put("to", "video").put("bitrate", 500000))
                        .add(new JsonObject().put("type", "error").put("kind", "media").put("fatal", true))).encode();
                HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/qoe")))
                        .POST(HttpRequest.BodyPublishers.ofString(beacon)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(202, r.statusCode(), r.body());

                List<ConsumerRecord<String, String>> got = new ArrayList<>();
                try (KafkaConsumer<String, String> consumer = kafka.consumer("playback-test")) {
                    consumer.subscribe(List.of("playback.events"));
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    // the await above started a session of its own: only this player's events count
                    while (got.size() < 4 && System.nanoTime() < deadline) {
                        consumer.poll(Duration.ofMillis(500)).forEach(rec -> {
                            if (sid.equals(new JsonObject(rec.value()).getString("sid"))) {
                                got.add(rec);
                            }
                        });
                    }
                }
                Set<String> types = new java.util.HashSet<>();
                for (ConsumerRecord<String, String> rec : got) {
                    JsonObject e = new JsonObject(rec.value());
                    assertEquals(sid, rec.key(), rec.value());
                    assertEquals(sid, e.getString("sid"));
                    assertEquals("live1", e.getString("stream"));
                    assertTrue(e.getLong("time") > 0);
                    types.add(e.getString("type"));
                }
                assertEquals(Set.of("session_start", "rebuffer", "switch", "error"), types, got.toString());
            }
        }
    }
}
