package io.tributary.vod;

import io.tributary.db.PgSettings;
import io.tributary.db.Postgres;
import io.tributary.testing.PgServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job queue against a real PostgreSQL, with no workers of a node in the way: the embedded
 * server here, the external one in {@link VodQueueExternalTest}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class VodQueueTest {

    @TempDir
    static Path dir;
    static Vertx vertx;
    static Postgres postgres;
    static VodCatalog catalog;

    static PgSettings pg;

    @BeforeAll
    static void start() {
        startOn(new PgSettings("", 4));
    }

    static void startOn(PgSettings settings) {
        pg = settings;
        vertx = Vertx.vertx();
        postgres = get(Postgres.start(vertx, settings, dir));
        catalog = new VodCatalog(postgres.pool());
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            get(postgres.close());
            postgres = null;
        }
        get(vertx.close());
        PgServers.drop(pg.url());
    }

    /**
     * The queue against the real database: two workers claiming at once never get one job, and a
     * job whose lease lapsed goes to another worker until max-attempts, then fails with the reason.
     */
    @Test
    void twoWorkersNeverTakeTheSameJobAndALapsedLeaseIsRetriedThenFailed() throws Exception {
        drain();
        List<Long> jobs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            jobs.add(get(catalog.create(VodFiles.newId(), titled("queue " + i), "uploads/none", 0)));
        }
        Map<Long, String> owner = new ConcurrentHashMap<>();
        List<String> duplicates = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (String worker : List.of("w1", "w2")) {
            Thread t = new Thread(() -> {
                for (int n = 0; n < 20; n++) {
                    Optional<VodCatalog.Claim> c = get(catalog.claim(worker, 60_000, 3));
                    if (c.isEmpty()) {
                        break;
                    }
                    if (owner.putIfAbsent(c.get().job(), worker) != null) {
                        duplicates.add(c.get().job() + " by " + worker + " and " + owner.get(c.get().job()));
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertTrue(duplicates.isEmpty(), duplicates.toString());
        assertTrue(owner.keySet().containsAll(jobs), "every job claimed once: " + owner);
        assertTrue(owner.containsValue("w1") && owner.containsValue("w2"), "both workers got jobs: " + owner);

        // a job whose worker died: its 200 ms lease lapses, another worker gets it, and after the last attempt it fails
        long lone = get(catalog.create(VodFiles.newId(), titled("lone"), "uploads/none", 0));
        assertEquals(lone, get(catalog.claim("dead-1", 200, 2)).orElseThrow().job());
        assertTrue(get(catalog.claim("w3", 200, 2)).isEmpty(), "not claimable while leased");
        Thread.sleep(300);
        VodCatalog.Claim again = get(catalog.claim("dead-2", 200, 2)).orElseThrow();
        assertEquals(lone, again.job());
        assertEquals(2, again.attempts());
        assertFalse(get(catalog.renew(lone, "dead-1", 200, 0, 0, 0, null)), "the first worker lost it");
        Thread.sleep(300);
        assertTrue(get(catalog.claim("w3", 200, 2)).isEmpty(), "no attempts left");
        List<VodCatalog.Ended> failed = get(catalog.expire(2));
        assertEquals(List.of(lone), failed.stream().map(VodCatalog.Ended::job).toList());
        JsonObject j = get(catalog.job(lone)).orElseThrow();
        assertEquals("failed", j.getString("state"));
        assertTrue(j.getString("error").contains("lease lapsed") && j.getString("error").contains("2 attempts"), j.encode());
    }

    /** A worker undeployed mid-job gives the job back (that attempt not counted); another worker takes it and completes it. */
    @Test
    void aWorkerStoppedMidJobGivesItBackAndAnotherCompletesIt() throws Exception {
        VodSettings settings = new VodSettings(true, 1L << 30, null, 1, Duration.ofSeconds(3), 3, Duration.ofSeconds(1),
                Duration.ofMillis(100));
        VodFiles files = new VodFiles(dir.resolve("data"));
        String asset = VodFiles.newId();
        Files.createDirectories(files.uploads());
        VodTestMedia.write(files.uploads().resolve(asset), 640, 360, 12, 25);
        drain();
        long job = get(catalog.create(asset, titled("stopped mid-job"), VodFiles.sourceName(asset), 1));
        List<JsonObject> seen = new CopyOnWriteArrayList<>();
        vertx.eventBus().<JsonObject>consumer(ContentEvents.ADDRESS, m -> {
            if (asset.equals(m.body().getString("asset"))) {
                seen.add(m.body());
            }
        });
        ContentEvents events = new ContentEvents(vertx, null);
        VodMetrics metrics = new VodMetrics(new SimpleMeterRegistry());
        WorkerExecutor executor = vertx.createSharedWorkerExecutor("vod-test", 4, 10, TimeUnit.MINUTES);
        try {
            String first = get(vertx.deployVerticle(new TranscodeWorker(settings, catalog, files, events, metrics, executor, "n1", null)));
            // stopped as soon as it starts: the 12 s source takes seconds to transcode, the stop a picture
            waitFor(() -> seen.stream().anyMatch(e -> e.getString("type").equals("job.started")), "the first worker's start");
            get(vertx.undeploy(first));
            JsonObject released = get(catalog.job(job)).orElseThrow();
            assertEquals("queued", released.getString("state"), released.encode());
            assertEquals(0, released.getInteger("attempts"), "the given-back attempt is not counted");
            try (var work = Files.list(files.root().resolve("work"))) {
                assertEquals(0, work.count(), "the stopped attempt's work is removed");
            }

            get(vertx.deployVerticle(new TranscodeWorker(settings, catalog, files, events, metrics, executor, "n2", null)));
            waitFor(() -> "done".equals(get(catalog.job(job)).orElseThrow().getString("state")), "the second worker's completion");
            assertEquals(1, get(catalog.job(job)).orElseThrow().getInteger("attempts"));
            assertTrue(Files.isRegularFile(files.published(asset).resolve("index.m3u8")));
            List<String> starters = seen.stream().filter(e -> e.getString("type").equals("job.started"))
                    .map(e -> e.getString("worker")).toList();
            assertEquals(2, starters.size(), starters.toString());
            assertTrue(starters.get(0).startsWith("n1/") && starters.get(1).startsWith("n2/"), starters.toString());
        } finally {
            executor.close();
        }
    }

    /** A claim's release puts the job back without using an attempt. */
    @Test
    void aReleasedJobIsClaimableAgainWithItsAttempts() {
        drain();
        long job = get(catalog.create(VodFiles.newId(), titled("released"), "uploads/none", 0));
        VodCatalog.Claim c = get(catalog.claim("x", 60_000, 3)).orElseThrow();
        assertEquals(job, c.job());
        get(catalog.release(job, "x"));
        VodCatalog.Claim again = get(catalog.claim("y", 60_000, 3)).orElseThrow();
        assertEquals(job, again.job());
        assertEquals(1, again.attempts());
        get(catalog.fail(job, "y", again.asset(), "test over"));
    }

    /** Fails every claimable job another test left, so a test sees only its own. */
    private static AssetMetadata titled(String title) {
        return AssetMetadata.create(new JsonObject().put("title", title), title);
    }

    private static void drain() {
        get(postgres.pool().query("UPDATE vod_job SET state = 'failed' WHERE state IN ('queued', 'running')").execute());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("no " + what + " within 60 s");
            }
            Thread.sleep(50);
        }
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
