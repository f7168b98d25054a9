package io.tributary.ssai;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.EmbeddedKafka;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ad events reach a real Kafka broker (in-process KRaft, Kafka's own test kit) on the playback topic:
 * a break posted on a live stream (keyed by the stream) and a session's decision for it (keyed by the
 * session, as its playback events are). The decision service is the test's own event-bus consumer.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdEventsKafkaTest {

    @Test
    void aBreakAndASessionsDecisionArriveOnThePlaybackTopic() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("playback.events", 2);
            String bootstrap = kafka.bootstrap();
            try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_KAFKA_BOOTSTRAP", bootstrap, "TRIBUTARY_TRANSCODE_LADDER", "none",
                    "TRIBUTARY_SSAI_ENABLED", "true", "TRIBUTARY_SSAI_DECISION_INSTANCES", "0"))) {
                Node node = live.node();
                // the stand-in decision service: an empty pod (the break plays as content), a decision all the same
                node.vertx().eventBus().<JsonObject>consumer(AdDecisionRequest.ADDRESS, m -> {
                    AdDecisionRequest r = AdDecisionRequest.fromJson(m.body());
                    m.reply(new AdPod(r.breakId(), r.durationMs(), List.of()).toJson());
                });
                SyntheticAvSource source = new SyntheticAvSource(640, 360, 25, 25, 0, true);
                AtomicBoolean publishing = new AtomicBoolean(true);
                try (RtmpTestPublisher publisher = RtmpTestPublisher.publish(node.rtmpPort(), "adk")) {
                    publisher.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
                    publisher.send(source.next(2.0), 0);
                    publisher.sendLive(source, 60, publishing, "ad-events-publisher");
                    TestNode.await("a playable live stream", Duration.ofSeconds(20), () -> TestNode.get(node, "/live/adk/index.m3u8").statusCode() == 200);
                    String variant = new Playlist(TestNode.get(node, "/live/adk/index.m3u8").body()).lines.stream()
                            .filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
                    String rendition = variant.substring(0, variant.indexOf('/'));
                    String sid = "s-kafka-1";
                    assertEquals(200, TestNode.get(node, "/live/adk/" + rendition + "/index.m3u8?sid=" + sid).statusCode());
                    HttpResponse<String> posted = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/streams/adk/breaks")))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"duration\":6}")).header("Content-Type", "application/json").build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(202, posted.statusCode(), posted.body());

                    List<ConsumerRecord<String, String>> breaks = new ArrayList<>();
                    List<ConsumerRecord<String, String>> decisions = new ArrayList<>();
                    try (KafkaConsumer<String, String> consumer = kafka.consumer("ad-events-test")) {
                        consumer.subscribe(List.of("playback.events"));
                        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                        while ((breaks.isEmpty() || decisions.isEmpty()) && System.nanoTime() < deadline) {
                            // the session reloads: once the break is in its playlist, it asks for its pod
                            TestNode.get(node, "/live/adk/" + rendition + "/index.m3u8?sid=" + sid);
                            consumer.poll(Duration.ofMillis(500)).forEach(rec -> {
                                String type = new JsonObject(rec.value()).getString("type");
                                if ("ad_break".equals(type)) {
                                    breaks.add(rec);
                                } else if ("ad_decision".equals(type)) {
                                    decisions.add(rec);
                                }
                            });
                        }
                    } finally {
                        publishing.set(false);
                    }
                    assertEquals(1, breaks.size(), "one break: " + breaks);
                    JsonObject b = new JsonObject(breaks.get(0).value());
                    assertEquals("adk", breaks.get(0).key(), "a break belongs to no session: keyed by its stream");
                    assertEquals("adk", b.getString("stream"));
                    assertEquals(6.0, b.getDouble("duration"));
                    assertTrue(b.getLong("time") > 0);
                    assertTrue(!decisions.isEmpty(), "the session's decision");
                    ConsumerRecord<String, String> d = decisions.get(0);
                    JsonObject e = new JsonObject(d.value());
                    assertEquals(sid, d.key(), "keyed by session, as its playback events are");
                    assertEquals(sid, e.getString("sid"));
                    assertEquals("adk", e.getString("stream"));
                    assertEquals("empty", e.getString("result"));
                    assertTrue(!e.getString("break", "").isEmpty(), "the decision names its break: " + e);
                }
            }
        }
    }
}
