package io.tributary.vod;

import io.tributary.media.transcode.Ladder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * One transcode worker (the {@code transcode-worker} verticle set): takes one job at a time from
 * the catalog, runs the pipeline on a worker thread into a work directory, renews its lease with
 * the progress while it runs, and publishes the asset by moving the result to {@code data-dir/vod/{id}}.
 * A lost lease (the job was reclaimed or deleted) stops the work; undeploying gives the job back.
 * With Kafka, the worker is also a member of the workers' consumer group: a job record that reaches
 * it while idle is claimed at once (the record is committed once the job ends, or at once when the
 * job was someone else's); while it works, its consumer is paused. The PostgreSQL poll stays as the
 * way to jobs whose record went elsewhere (a busy member's partition, a lapsed lease).
 */
final class TranscodeWorker extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(TranscodeWorker.class.getName());
    /** Workers on this node look for a job at once when an upload queued one here. */
    static final String WAKE = "tributary.vod.wake";

    private final VodSettings settings;
    private final VodCatalog catalog;
    private final VodFiles files;
    private final ContentEvents events;
    private final VodMetrics metrics;
    private final WorkerExecutor executor;
    private final String id;
    /** Null without Kafka. */
    private final VodKafka kafka;
    private KafkaConsumer<String, String> consumer;
    /** The job record in hand, committed when its job ends. */
    private KafkaConsumerRecord<String, String> record;

    private long timer = -1;
    private MessageConsumer<Object> wake;
    private boolean busy;
    private volatile boolean stopping;
    /** The job in hand, null when idle. */
    private Running current;

    /** A job being transcoded: the progress its thread reports, the flag that stops it. */
    private static final class Running {
        final VodCatalog.Claim claim;
        final long started = System.nanoTime();
        final Promise<Void> ended = Promise.promise();
        volatile boolean cancelled;
        volatile long doneMicros;
        volatile long durationMicros;
        long countedMicros;

        Running(VodCatalog.Claim claim) {
            this.claim = claim;
        }

        double speed() {
            return speed(doneMicros);
        }

        /** Media time transcoded per second of wall time (1.0 is realtime). */
        double speed(long done) {
            double wall = (System.nanoTime() - started) / 1e9;
            return wall <= 0 ? 0 : done / 1e6 / wall;
        }
    }

    TranscodeWorker(VodSettings settings, VodCatalog catalog, VodFiles files, ContentEvents events, VodMetrics metrics,
                    WorkerExecutor executor, String node, VodKafka kafka) {
        this.settings = settings;
        this.catalog = catalog;
        this.files = files;
        this.events = events;
        this.metrics = metrics;
        this.executor = executor;
        this.id = node + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.kafka = kafka;
    }

    @Override
    public Future<?> start() {
        timer = vertx.setPeriodic(settings.pollInterval().toMillis(), t -> poll());
        wake = vertx.eventBus().localConsumer(WAKE, m -> poll());
        vertx.runOnContext(v -> poll());
        if (kafka == null) {
            return wake.completion();
        }
        consumer = kafka.jobsConsumer(vertx, "tributary-" + id);
        consumer.handler(this::jobRecord);
        consumer.exceptionHandler(e -> LOG.log(Level.FINE, "VOD jobs consumer " + id, e));
        return wake.completion().compose(x -> consumer.subscribe(kafka.topics()));
    }

    /** A job record from Kafka: claimed now, or left for the catalog when this worker is busy. */
    private void jobRecord(KafkaConsumerRecord<String, String> rec) {
        consumer.pause();
        if (busy || stopping) {
            // arrived as the poll took a job: read again after it (seeking back keeps it uncommitted)
            consumer.seek(new TopicPartition(rec.topic(), rec.partition()), rec.offset());
            return;
        }
        long job;
        try {
            job = new JsonObject(rec.value()).getLong("job");
        } catch (RuntimeException e) {
            LOG.warning("VOD jobs topic: a record that is no job (" + e.getMessage() + "): skipped");
            committed(rec);
            return;
        }
        busy = true;
        catalog.claim(id, job, settings.lease().toMillis(), settings.maxAttempts()).onComplete(ar -> {
            if (ar.succeeded() && ar.result().isPresent() && !stopping) {
                record = rec;
                run(ar.result().get());
                return;
            }
            if (ar.succeeded() && ar.result().isPresent()) { // claimed while stopping: give it back
                catalog.release(ar.result().get().job(), id);
            }
            busy = false;
            committed(rec); // someone else's, done, or deleted: nothing to do here
        });
    }

    /** Commits {@code rec} and takes the next record. */
    private void committed(KafkaConsumerRecord<String, String> rec) {
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        consumer.commit(Map.of(tp, new OffsetAndMetadata(rec.offset() + 1, null)))
                .onFailure(e -> LOG.log(Level.FINE, "VOD jobs offset not committed (the record may come again)", e))
                .onComplete(x -> {
                    if (!stopping) {
                        consumer.resume();
                    }
                });
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        vertx.cancelTimer(timer);
        Running r = current;
        Future<?> ended = r == null ? Future.succeededFuture() : r.ended.future();
        if (r != null) {
            r.cancelled = true; // the pipeline checks it at every picture
        }
        // the record of a job given back stays uncommitted: the group hands it to another member
        return ended.eventually(wake::unregister).eventually(() -> consumer == null ? Future.succeededFuture() : consumer.close());
    }

    private void poll() {
        if (busy || stopping) {
            return;
        }
        busy = true;
        catalog.expire(settings.maxAttempts())
                .onSuccess(ended -> ended.forEach(e -> {
                    LOG.warning("VOD job " + e.job() + " of " + e.asset() + " failed: " + e.error());
                    events.publish("job.failed", e.asset(), e.job(), new JsonObject().put("error", e.error()));
                }))
                .compose(x -> catalog.claim(id, settings.lease().toMillis(), settings.maxAttempts()))
                .onComplete(ar -> {
                    if (ar.failed() || ar.result().isEmpty() || stopping) {
                        if (ar.succeeded() && ar.result().isPresent()) { // claimed while stopping: give it back
                            catalog.release(ar.result().get().job(), id);
                        }
                        if (ar.failed()) {
                            LOG.log(Level.FINE, "VOD claim failed", ar.cause());
                        }
                        busy = false;
                        return;
                    }
                    run(ar.result().get());
                });
    }

    private void run(VodCatalog.Claim claim) {
        if (consumer != null) {
            consumer.pause(); // one job at a time: no record is taken meanwhile
        }
        Running r = new Running(claim);
        current = r;
        metrics.running.incrementAndGet();
        LOG.info("VOD job " + claim.job() + " of " + claim.asset() + " started by " + id + " (attempt " + claim.attempts() + ")");
        events.publish("job.started", claim.asset(), claim.job(), new JsonObject().put("attempt", claim.attempts()).put("worker", id));
        long renewEvery = Math.max(100, Math.min(1000, settings.lease().toMillis() / 3));
        long renewal = vertx.setPeriodic(renewEvery, t -> renew(r));
        Path work = files.work(claim.asset(), claim.job(), claim.attempts());
        Path target = files.published(claim.asset());
        Future<VodTranscode.Result> done = executor.executeBlocking(() -> {
            VodTranscode.deleteTree(work);
            Path source = files.source(claim.source());
            VodTranscode.Result result = VodTranscode.run(source, work, settings.segmentTarget().toMillis() / 1000.0,
                    claim.ladder() == null ? Ladder.VOD : claim.ladder().rungs(), claim.ladder(), new VodTranscode.Progress() {
                        @Override
                        public void at(long mediaMicrosDone, long durationMicros) {
                            r.doneMicros = mediaMicrosDone;
                            r.durationMicros = durationMicros;
                        }

                        @Override
                        public boolean cancelled() {
                            return r.cancelled;
                        }
                    });
            VodPackage.write(work, result.renditions(), settings.segmentTarget().toMillis() / 1000.0);
            VodTranscode.deleteTree(target); // a published copy of an earlier attempt that lost its lease
            Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            return result;
        }, false);
        done.transform(ar -> {
            vertx.cancelTimer(renewal);
            count(r);
            if (ar.succeeded()) {
                String renditions = ar.result().renditions().stream().map(VodPackage.Rendition::name).collect(Collectors.joining(","));
                return catalog.finish(claim.job(), id, claim.asset(), ar.result().seconds(), renditions, r.speed()).compose(ok -> {
                    if (!ok) { // deleted or reclaimed meanwhile: what was published is not ours to keep
                        return cleanup(target).map("lost");
                    }
                    events.publish("job.done", claim.asset(), claim.job(), new JsonObject().put("seconds", ar.result().seconds()));
                    JsonObject urls = new JsonObject().put("hls", "/vod/" + claim.asset() + "/index.m3u8");
                    if (!claim.encrypted()) { // an AES-128 asset has no DASH form
                        urls.put("dash", "/vod/" + claim.asset() + "/manifest.mpd");
                    }
                    events.publish("published", claim.asset(), claim.job(), urls);
                    return Future.succeededFuture("done");
                });
            }
            Throwable e = ar.cause();
            Future<Void> cleaned = cleanup(work);
            if (e instanceof VodTranscode.CancelledException) {
                return cleaned.compose(x -> stopping ? catalog.release(claim.job(), id).map("released") : Future.succeededFuture("lost"));
            }
            String reason = e instanceof VodTranscode.BadMediaException ? e.getMessage()
                    : "transcoding failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warning("VOD job " + claim.job() + " of " + claim.asset() + " failed: " + reason);
            return cleaned.compose(x -> catalog.fail(claim.job(), id, claim.asset(), reason)).map(ok -> {
                if (ok) {
                    events.publish("job.failed", claim.asset(), claim.job(), new JsonObject().put("error", reason));
                }
                return ok ? "failed" : "lost";
            });
        }).onComplete(ar -> {
            String result = ar.succeeded() ? ar.result() : "failed";
            metrics.ended(result);
            metrics.running.decrementAndGet();
            LOG.info("VOD job " + claim.job() + " of " + claim.asset() + ": " + result);
            current = null;
            busy = false;
            r.ended.complete();
            KafkaConsumerRecord<String, String> rec = record;
            record = null;
            if (rec != null && !stopping) {
                committed(rec);
            } else if (consumer != null && !stopping) {
                consumer.resume();
            }
            if (!stopping) {
                poll();
            }
        });
    }

    /** Renews the lease with the progress; a lost lease stops the work. */
    private void renew(Running r) {
        count(r);
        // one reading of the transcoding thread's figures: the event and the row agree
        long done = r.doneMicros;
        long duration = r.durationMicros;
        double percent = duration <= 0 ? 0 : Math.min(100, 100.0 * done / duration);
        double speed = r.speed(done);
        Long eta = speed <= 0 || duration <= 0 ? null : (long) ((duration - done) / 1e3 / speed);
        JsonObject progress = new JsonObject().put("percent", Math.round(percent * 10) / 10.0)
                .put("mediaSecondsDone", done / 1e6).put("mediaSeconds", duration / 1e6)
                .put("speed", Math.round(speed * 100) / 100.0);
        if (eta != null) {
            progress.put("etaSeconds", eta / 1000.0);
        }
        events.publish("job.progress", r.claim.asset(), r.claim.job(), progress);
        catalog.renew(r.claim.job(), id, settings.lease().toMillis(), percent, done / 1000, speed, eta)
                .onSuccess(mine -> {
                    if (!mine && !r.cancelled) {
                        LOG.warning("VOD job " + r.claim.job() + " is no longer " + id + "'s (deleted or reclaimed): stopping it");
                        r.cancelled = true;
                    }
                });
    }

    private void count(Running r) {
        long done = r.doneMicros;
        if (done > r.countedMicros) {
            metrics.mediaSeconds.increment((done - r.countedMicros) / 1e6);
            r.countedMicros = done;
        }
    }

    private Future<Void> cleanup(Path dir) {
        return executor.executeBlocking(() -> {
            VodTranscode.deleteTree(dir);
            return null;
        }, false);
    }
}
