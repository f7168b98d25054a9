package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.EmbeddedKafka;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VOD with Kafka (an in-process KRaft broker from Kafka's own test kit): jobs reach the two
 * transcode workers through their consumer group (the PostgreSQL poll is set to a minute, so
 * a job done sooner came through Kafka), each is done once, and every asset's content events
 * arrive on content.events in their order, keyed by the asset.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class VodKafkaTest {

    @TempDir
    Path dir;

    @Test
    void jobsAreDispatchedThroughTheConsumerGroupAndContentEventsArriveInOrderPerAsset() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("group.initial.rebalance.delay.ms", "0"))) {
            String bootstrap = kafka.bootstrap();
            Map<String, String> env = new HashMap<>();
            env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
            env.put("TRIBUTARY_VOD_ENABLED", "true");
            env.put("TRIBUTARY_VOD_WORKERS", "2");
            env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
            env.put("TRIBUTARY_VOD_POLL_INTERVAL", "1m"); // the catalog's poll stays out of it
            env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
            env.put("TRIBUTARY_KAFKA_BOOTSTRAP", bootstrap);
            Node node = TestNode.start(env);
            try {
                long started = System.nanoTime();
                List<String> assets = new ArrayList<>();
                List<Long> jobs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Path src = VodTestMedia.write(dir.resolve("k" + i + ".mp4"), 160, 90, 2.0, 25);
                    HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=k" + i)))
                            .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofFile(src))
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(201, r.statusCode(), r.body());
                    JsonObject created = new JsonObject(r.body());
                    assets.add(created.getString("id"));
                    jobs.add(created.getLong("job"));
                }
                for (long job : jobs) {
                    JsonObject j = awaitDone(node, job, started);
                    assertEquals(1, j.getInteger("attempts"), "done once: " + j.encode());
                }
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertTrue(elapsed < 55_000, "done in " + elapsed + " ms, before the catalog's first poll: dispatched through Kafka");

                Set<String> workers = new HashSet<>();
                Map<String, List<String>> byAsset = contentEvents(kafka, assets, workers);
                for (String asset : assets) {
                    List<String> types = byAsset.get(asset);
                    List<String> lifecycle = types.stream().filter(t -> !t.equals("job.progress")).toList();
                    assertEquals(List.of("uploaded", "job.queued", "job.started", "job.done", "published"), lifecycle,
                            asset + ": " + types);
                }
                System.out.println("4 jobs over Kafka done in " + elapsed + " ms by " + workers.size() + " worker(s): " + workers);
            } finally {
                TestNode.stop(node);
            }
        }
    }

    private static JsonObject awaitDone(Node node, long job, long since) throws Exception {
        while (System.nanoTime() - since < TimeUnit.SECONDS.toNanos(120)) {
            HttpResponse<String> r = TestNode.get(node, "/api/v1/jobs/" + job);
            JsonObject j = new JsonObject(r.body());
            if ("done".equals(j.getString("state"))) {
                return j;
            }
            assertTrue(!"failed".equals(j.getString("state")), j.encode());
            Thread.sleep(100);
        }
        throw new AssertionError("job " + job + " not done: " + TestNode.get(node, "/api/v1/jobs/" + job).body());
    }

    /** Event types per asset, in the order content.events gave them, until each asset's "published" arrived. */
    private static Map<String, List<String>> contentEvents(EmbeddedKafka kafka, List<String> assets, Set<String> workers) {
        Map<String, List<String>> byAsset = new LinkedHashMap<>();
        assets.forEach(a -> byAsset.put(a, new ArrayList<>()));
        try (KafkaConsumer<String, String> consumer = kafka.consumer("content-test")) {
            consumer.subscribe(List.of("content.events"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !byAsset.values().stream().allMatch(t -> t.contains("published"))) {
                for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) {
                    JsonObject e = new JsonObject(rec.value());
                    assertEquals(e.getString("asset"), rec.key(), "keyed by asset");
                    List<String> types = byAsset.get(rec.key());
                    if (types != null) {
                        types.add(e.getString("type"));
                    }
                    if ("job.started".equals(e.getString("type"))) {
                        workers.add(e.getString("worker"));
                    }
                }
            }
        }
        return byAsset;
    }
}
