package io.tributary.vod;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.db.Postgres;
import io.tributary.ops.VerticleScaler;
import io.tributary.session.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.tributary.http.SameOrigin;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The node's VOD: the catalog in the node's PostgreSQL, the {@code transcode-worker} verticle set
 * (scalable like the others), the catalog API and {@code /vod} playback.
 */
public final class VodModule {

    private static final Logger LOG = Logger.getLogger(VodModule.class.getName());
    static final String WORKERS = "transcode-worker";
    /** How often the queue depth meter is refreshed from the catalog. */
    static final long QUEUE_REFRESH_MS = 2000;

    private final Vertx vertx;
    private final VodSettings settings;
    private final VodCatalog catalog;
    private final VodFiles files;
    private final ContentEvents events;
    private final VodMetrics metrics;
    private final WorkerExecutor executor;
    private final VerticleScaler scaler;
    private final Postgres owned;
    /** Null without Kafka. */
    private final VodKafka kafka;
    private final io.vertx.sqlclient.Pool pool;
    private final long queueTimer;
    /** Availability windows for playback, shared by every delivery verticle's routes. */
    private final AvailabilityCache windows;
    /** Encrypted objects in flight, one count for the node's delivery verticles. */
    private final EncryptionSlots encrypting;
    /** {@code https://} sources, one client for the node. */
    private final SourceFetch fetcher;
    /** Edits and deletes made through another node: this node's windows read them again at once. */
    private final io.vertx.core.eventbus.MessageConsumer<io.vertx.core.json.JsonObject> edits;

    private VodModule(Vertx vertx, VodSettings settings, Postgres postgres, Postgres owned, Path dataDir, MeterRegistry registry,
                      VerticleScaler scaler, VodKafka kafka) {
        this.vertx = vertx;
        this.settings = settings;
        this.pool = postgres.pool();
        this.catalog = new VodCatalog(postgres.pool());
        this.files = new VodFiles(dataDir);
        this.kafka = kafka;
        this.events = new ContentEvents(vertx, kafka);
        this.windows = new AvailabilityCache(catalog);
        this.edits = vertx.eventBus().<io.vertx.core.json.JsonObject>consumer(ContentEvents.ADDRESS, m -> {
            String type = m.body().getString("type");
            String asset = m.body().getString("asset");
            if (asset != null && ("updated".equals(type) || "deleted".equals(type))) {
                windows.forget(asset);
            }
        });
        this.fetcher = new SourceFetch(vertx, settings);
        this.encrypting = new EncryptionSlots(settings.maxEncrypting());
        this.metrics = new VodMetrics(registry);
        this.scaler = scaler;
        this.owned = owned;
        // a job holds its thread for as long as the transcode takes: no blocked-thread warnings for it
        this.executor = vertx.createSharedWorkerExecutor("tributary-vod", VerticleScaler.MAX_INSTANCES + 4, 24, TimeUnit.HOURS);
        this.queueTimer = vertx.setPeriodic(QUEUE_REFRESH_MS, t -> catalog.queued().onSuccess(metrics.queued::set));
    }

    /**
     * Starts VOD on {@code postgres} (the node's; {@code owned}: this module closes it) and deploys
     * the workers as the {@code transcode-worker} set; with Kafka configured, jobs and content events
     * go through it too.
     */
    public static Future<VodModule> start(Vertx vertx, VodSettings settings, Postgres postgres, boolean owned, Path dataDir,
                                          MeterRegistry registry, VerticleScaler scaler, String node, KafkaSettings kafkaSettings) {
        return VodKafka.start(vertx, kafkaSettings)
                .recover(e -> (owned ? postgres.close() : Future.<Void>succeededFuture()).transform(x -> Future.failedFuture(e)))
                .compose(kafka -> start(new VodModule(vertx, settings, postgres, owned ? postgres : null, dataDir, registry, scaler,
                        kafka), node));
    }

    private static Future<VodModule> start(VodModule vod, String node) {
        Vertx vertx = vod.vertx;
        VodSettings settings = vod.settings;
        VerticleScaler scaler = vod.scaler;
        return vertx.executeBlocking(() -> {
            vod.files.clearLeftovers();
            return null;
        }, false).compose(x -> settings.workers() == 0 ? Future.succeededFuture() // jobs are left to worker nodes
                : scaler.deploy(WORKERS, () -> new TranscodeWorker(settings, vod.catalog, vod.files, vod.events, vod.metrics,
                        vod.executor, node, vod.kafka), settings.workers()))
                .map(x -> {
                    LOG.info("VOD under " + vod.files.root() + ", " + settings.workers() + " transcode worker(s), max-upload "
                            + settings.maxUpload() + " bytes" + (settings.importDir() == null ? "" : ", imports from " + settings.importDir())
                            + (vod.kafka == null ? "" : ", jobs dispatched through Kafka"));
                    return vod;
                })
                .recover(e -> vod.close().transform(x -> Future.failedFuture(e)));
    }

    VodCatalog catalog() {
        return catalog;
    }

    VodFiles files() {
        return files;
    }

    /** The catalog's PostgreSQL (FAST channels keep their schedules beside it). */
    public io.vertx.sqlclient.Pool pool() {
        return pool;
    }

    /** Where a published asset's media is: {@code {rendition}/init.mp4}, segments, playlists. */
    public Path published(String id) {
        return files.published(id);
    }

    private VodApi api() {
        return new VodApi(vertx, settings, catalog, files, events, kafka, windows, fetcher);
    }

    /** The catalog API and the playback routes. */
    public void mount(Router router) {
        api().mount(router);
        new VodRoutes(files, windows, encrypting).mount(router);
        // after the delivery router's /ws/* gate (a cap of sockets per address), which it mounts after the node's routes
        router.get("/ws/jobs").order(AFTER_THE_GATE).handler(SameOrigin::require).handler(new JobFeed(catalog)::accept);
        router.get("/catalog").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").end(CATALOG_PAGE));
    }

    // the catalog for the other door (gRPC): the REST routes' validation, answers and effects; roles are the caller's

    /** {@code GET /api/v1/assets?q=&tag=&page=&available=}: a page of assets; null parameters are absent. */
    public Future<JsonObject> searchAssets(String q, String tag, String page, String available) {
        return api().search(q, tag, page, available);
    }

    /** {@code GET /api/v1/assets/{id}}. */
    public Future<JsonObject> asset(String id) {
        return api().asset(id);
    }

    /** {@code DELETE /api/v1/assets/{id}} (an editor's). */
    public Future<Void> deleteAsset(String id) {
        return api().delete(id);
    }

    /**
     * The player sessions' question about an asset ({@link io.tributary.session.PlayableAssets}): its video
     * rungs, highest first, when it is published and inside its availability window now, else null.
     */
    public Future<java.util.List<String>> playableRungs(String id) {
        if (!VodFiles.ID.matcher(id).matches()) {
            return Future.succeededFuture();
        }
        return windows.playable(id).compose(p -> p.isEmpty() || !p.get().window().openAt(java.time.Instant.now())
                ? Future.succeededFuture()
                : vertx.fileSystem().readFile(files.published(id).resolve("index.m3u8").toString())
                        .map(b -> io.tributary.edge.EdgeRungs.parse(b.toString(java.nio.charset.StandardCharsets.UTF_8)))
                        .otherwise(e -> null)); // not published (yet): no such file
    }

    /** A route order past every route mounted in sequence, before the routers' last (404) ones. */
    static final int AFTER_THE_GATE = 1_000_000;
    private static final Buffer CATALOG_PAGE = page("webroot/catalog.html");

    private static Buffer page(String path) {
        try (var in = VodModule.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the classpath");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Stops the workers (each gives its job back), then PostgreSQL when this module started it. */
    public Future<Void> close() {
        vertx.cancelTimer(queueTimer);
        edits.unregister();
        fetcher.close();
        return scaler.undeploy(WORKERS).otherwiseEmpty().eventually(() -> executor.close())
                .eventually(() -> kafka == null ? Future.succeededFuture() : kafka.close())
                .eventually(() -> owned == null ? Future.succeededFuture() : owned.close());
    }
}
