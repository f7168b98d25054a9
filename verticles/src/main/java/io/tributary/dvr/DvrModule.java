package io.tributary.dvr;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.db.PgSettings;
import io.tributary.db.Postgres;
import io.tributary.live.LiveStreams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * The node's DVR: PostgreSQL (embedded or external) with the index, the recordings under
 * {@code data-dir/dvr} reconciled with it, the retention job and the recordings API; once the
 * node's URL is known, the recorder ({@link #record}). Playback reads {@link #index()}.
 */
public final class DvrModule {

    private static final Logger LOG = Logger.getLogger(DvrModule.class.getName());
    /** Parallel file writes and deletes (a disk does a few at once well; the pool bounds the threads). */
    static final int WORKERS = 4;

    private final Vertx vertx;
    private final DvrSettings settings;
    private final Postgres postgres;
    private final PgDvrIndex index;
    private final DvrFiles files;
    private final DvrMetrics metrics;
    private final WorkerExecutor workers;
    private final DvrRetention retention;
    private final RecordingsApi api;
    private final DvrDeletions deletions;
    private final DvrPeers peers;
    private DvrRecorder recorder;
    /** Told whenever any node deleted recorded segments (a DELETE, retention). */
    private final List<Deleted> deletedListeners = new CopyOnWriteArrayList<>();
    private final MessageConsumer<JsonObject> deletedConsumer;

    private DvrModule(Vertx vertx, DvrSettings settings, Postgres postgres, PgDvrIndex index, DvrFiles files,
                      DvrMetrics metrics, WorkerExecutor workers) {
        this.vertx = vertx;
        this.settings = settings;
        this.postgres = postgres;
        this.index = index;
        this.files = files;
        this.metrics = metrics;
        this.workers = workers;
        this.retention = new DvrRetention(vertx, settings, index, files, metrics, workers);
        this.deletions = new DvrDeletions(vertx, index, files, metrics, workers);
        this.deletedConsumer = vertx.eventBus().<JsonObject>consumer(DELETED, m -> {
            JsonObject b = m.body();
            deletedListeners.forEach(l -> l.deleted(b.getString("stream"), b.getLong("from"), b.getLong("to")));
        });
        this.api = new RecordingsApi(vertx, index, retention, deletions);
        this.peers = new DvrPeers(vertx, index);
    }

    /** Starts PostgreSQL, reconciles this node's recordings with the index and starts the retention job. */
    public static Future<DvrModule> start(Vertx vertx, DvrSettings settings, PgSettings pg, Path dataDir,
                                          MeterRegistry registry) {
        return start(vertx, settings, pg, dataDir, registry, null);
    }

    /** As {@link #start(Vertx, DvrSettings, PgSettings, Path, MeterRegistry)} on an embedded server launched before. */
    public static Future<DvrModule> start(Vertx vertx, DvrSettings settings, PgSettings pg, Path dataDir,
                                          MeterRegistry registry, Postgres.Launch launch) {
        DvrFiles files = new DvrFiles(dataDir.resolve("dvr"));
        return Postgres.start(vertx, pg, dataDir, launch).compose(postgres -> vertx.executeBlocking(() -> nodeId(files.root()), false)
                .compose(node -> {
                    WorkerExecutor workers = vertx.createSharedWorkerExecutor("tributary-dvr-" + node, WORKERS);
                    PgDvrIndex index = new PgDvrIndex(postgres.pool(), files.root(), node);
                    DvrMetrics metrics = new DvrMetrics(registry);
                    DvrModule dvr = new DvrModule(vertx, settings, postgres, index, files, metrics, workers);
                    return new DvrReconciler(index, files, workers).run().compose(r -> {
                        metrics.used.set(r.bytes());
                        dvr.retention.start();
                        dvr.retention.run();
                        return dvr.deletions.listen().map(dvr);
                    }).recover(e -> dvr.close().transform(x -> Future.failedFuture(e)));
                }, e -> postgres.close().transform(x -> Future.failedFuture(e))));
    }

    /**
     * This node's id in the index: kept beside the recordings, so it names this disk across restarts
     * (and a copied data-dir keeps its recordings' owner).
     */
    static String nodeId(Path root) throws java.io.IOException {
        Files.createDirectories(root);
        Path file = root.resolve("node-id");
        if (Files.isRegularFile(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (id.matches("[A-Za-z0-9_-]{1,64}")) {
                return id;
            }
        }
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        String id = "node-" + HexFormat.of().formatHex(random);
        Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
        return id;
    }

    /** Records this node's live streams; {@code url} is where other nodes fetch its recordings. */
    public Future<Void> record(LiveStreams streams, String url) {
        recorder = new DvrRecorder(vertx, settings, streams, index, files, metrics, workers, retention::run);
        recorder.start();
        LOG.info("DVR recording under " + files.root() + " as " + index.node() + ", retention " + settings.retention()
                + (settings.maxDiskBytes() > 0 ? ", max-disk " + settings.maxDiskBytes() + " bytes" : ""));
        return index.announce(url);
    }

    /** Event-bus address (published, cluster-wide): segments of a stream starting in a time range were deleted. */
    static final String DELETED = "tributary.dvr.deleted";

    /** What is told of a deletion: the stream and the range of segment start times (ms) it covered. */
    public interface Deleted {
        void deleted(String stream, long fromMs, long toMs);
    }

    /** Says to every node that segments of {@code stream} starting in {@code [fromMs, toMs)} are gone. */
    static void deleted(Vertx vertx, String stream, long fromMs, long toMs) {
        vertx.eventBus().publish(DELETED, new JsonObject().put("stream", stream).put("from", fromMs).put("to", toMs));
    }

    /** Calls {@code listener} whenever any node deleted recorded segments, so no one keeps listing them from memory. */
    public void onDeleted(Deleted listener) {
        deletedListeners.add(listener);
    }

    /** What is recorded, for playback. */
    public DvrIndex index() {
        return index;
    }

    /** Fetches recorded objects held on other nodes' disks, for playback routes on this node. */
    public DvrPeers peers() {
        return peers;
    }

    public DvrSettings settings() {
        return settings;
    }

    /** The node's PostgreSQL: the store other components (VOD, accounts) share. */
    public Postgres postgres() {
        return postgres;
    }

    /** The operator routes: {@code GET} and {@code DELETE /api/v1/recordings}. */
    public void mount(Router router) {
        api.mount(router);
    }

    /**
     * The recorded ranges of {@code stream} as {@code GET /api/v1/recordings} lists them, for the
     * other door (gRPC); {@code from}/{@code to} as that route takes them, null for open ends.
     */
    public Future<JsonObject> recordings(String stream, String from, String to) {
        return api.list(stream, from, to);
    }

    /** Deletes as {@code DELETE /api/v1/recordings} does (its answer); the caller has checked the admin role. */
    public Future<JsonObject> deleteRecordings(String stream, String from, String to) {
        return api.delete(stream, from, to);
    }

    /** Stops recording (the segments in hand are written), the retention job, then PostgreSQL. */
    public Future<Void> close() {
        retention.close();
        deletedConsumer.unregister();
        Future<Void> stopped = recorder == null ? Future.succeededFuture() : recorder.close();
        return stopped.eventually(deletions::close).eventually(peers::close).eventually(() -> workers.close())
                .eventually(postgres::close);
    }
}
