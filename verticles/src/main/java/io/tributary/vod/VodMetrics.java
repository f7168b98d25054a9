package io.tributary.vod;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The VOD meters: the queue an autoscaler reads, the jobs in hand and their progress, what ended how. */
final class VodMetrics {

    /** Jobs queued in the catalog (all nodes'), refreshed every few seconds. */
    final AtomicLong queued = new AtomicLong();
    final AtomicInteger running = new AtomicInteger();
    /** Media seconds transcoded by this node's running jobs so far (progress between job ends). */
    final Counter mediaSeconds;
    private final MeterRegistry registry;

    VodMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("tributary_vod_queue_depth", queued, AtomicLong::get)
                .description("VOD transcode jobs waiting for a worker").register(registry);
        Gauge.builder("tributary_vod_jobs_running", running, AtomicInteger::get)
                .description("VOD transcode jobs this node's workers are running").register(registry);
        mediaSeconds = Counter.builder("tributary_vod_transcoded_media_seconds_total").baseUnit("seconds")
                .description("media time transcoded by this node's workers").register(registry);
    }

    /** A job ended here: done, failed or released (given back by a stopping worker). */
    void ended(String result) {
        Counter.builder("tributary_vod_jobs_total").tag("result", result).description("VOD transcode jobs ended on this node")
                .register(registry).increment();
    }
}
