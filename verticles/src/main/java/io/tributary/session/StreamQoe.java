package io.tributary.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The QoE meters of one live stream or VOD asset (label {@code stream_id}: the stream key, or
 * {@code vod:{asset}}) and the running totals the ops summary reads. Made only for streams that exist
 * on this node and assets found playable; every label value besides the stream comes from a fixed
 * set, so a stream's series are bounded.
 */
final class StreamQoe {

    /** Error types a beacon may name; anything else counts as "other". */
    static final Set<String> ERROR_TYPES = Set.of("network", "media", "manifest", "key", "mux", "other");
    /** Codec families the startup histogram keeps apart. */
    static final Set<String> CODEC_FAMILIES = Set.of("avc1", "avc3", "hvc1", "hev1", "av01", "vp09", "mp4a");

    private static final double[] STARTUP_BUCKETS = {0.5, 1, 2, 3, 5};
    private static final double[] BUFFER_BUCKETS = {0.5, 1, 2, 4, 8, 15, 30, 60};
    private static final double[] THROUGHPUT_BUCKETS = {62_500, 125_000, 250_000, 500_000, 1_000_000, 2_500_000,
            5_000_000, 12_500_000, 25_000_000};
    private static final double[] LATENCY_BUCKETS = {0.5, 1, 1.5, 2, 3, 5, 10, 30};

    final String stream;
    /** An asset's video rungs, highest first (a live stream's come from its catalogue); empty for live. */
    final List<String> rungs;
    private final MeterRegistry registry;
    /** When a request or beacon last used these meters: an asset's are dropped once idle (see {@link #idleSince}). */
    private volatile long usedAt = System.nanoTime();
    final AtomicInteger active = new AtomicInteger();
    private final DistributionSummary buffer;
    private final DistributionSummary throughput;
    private final DistributionSummary latency;
    private final Counter switchesUp;
    private final Counter switchesDown;
    private final ConcurrentHashMap<String, Counter[]> byRegion = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> errors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, DistributionSummary> startup = new ConcurrentHashMap<>();

    private final LongAdder startups = new LongAdder();
    private final DoubleAdder startupSeconds = new DoubleAdder();
    private final LongAdder rebufferEvents = new LongAdder();
    private final DoubleAdder rebufferSeconds = new DoubleAdder();
    private final DoubleAdder playSeconds = new DoubleAdder();
    private final LongAdder errorCount = new LongAdder();
    private final LongAdder switchCount = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder latencies = new LongAdder();
    private final DoubleAdder latencySeconds = new DoubleAdder();

    StreamQoe(String stream, MeterRegistry registry) {
        this(stream, List.of(), registry);
    }

    StreamQoe(String stream, List<String> rungs, MeterRegistry registry) {
        this.stream = stream;
        this.rungs = rungs;
        this.registry = registry;
        Gauge.builder("active_stream_sessions", active, AtomicInteger::get).strongReference(true)
                .description("player sessions on this node now").tags("stream_id", stream).register(registry);
        buffer = summary("tributary_stream_buffer_length_seconds", "player buffer length (CMCD bl, or heartbeat buffer)",
                BUFFER_BUCKETS);
        throughput = summary("tributary_stream_measured_throughput_bytes_per_second", "player-measured throughput (CMCD mtp)",
                THROUGHPUT_BUCKETS);
        latency = summary("tributary_stream_live_latency_seconds", "live latency players report", LATENCY_BUCKETS);
        switchesUp = switches("up");
        switchesDown = switches("down");
    }

    private DistributionSummary summary(String name, String help, double[] buckets) {
        return DistributionSummary.builder(name).description(help).tags("stream_id", stream)
                .serviceLevelObjectives(buckets).register(registry);
    }

    private Counter switches(String direction) {
        return Counter.builder("tributary_stream_bitrate_switches_total").description("rung switches of players")
                .tags("stream_id", stream, "direction", direction).register(registry);
    }

    /** [rebuffer events, rebuffer seconds, play seconds] of a region. */
    private Counter[] region(String region) {
        return byRegion.computeIfAbsent(region, r -> new Counter[]{
                Counter.builder("stream_rebuffer_events_total").description("playback stalls")
                        .tags("stream_id", stream, "region", r).register(registry),
                Counter.builder("tributary_stream_rebuffer_seconds_total").description("time players spent stalled")
                        .tags("stream_id", stream, "region", r).register(registry),
                Counter.builder("tributary_stream_play_seconds_total").description("time players spent playing")
                        .tags("stream_id", stream, "region", r).register(registry)});
    }

    void startup(double seconds, String codec) {
        String family = codec == null ? "unknown" : codec.split("\\.", 2)[0];
        String label = codec == null ? "unknown" : CODEC_FAMILIES.contains(family) ? family : "other";
        startup.computeIfAbsent(label, c -> DistributionSummary.builder("stream_startup_seconds")
                .description("from play request to first frame, as players report it")
                .tags("stream_id", stream, "codec", c).serviceLevelObjectives(STARTUP_BUCKETS).register(registry))
                .record(seconds);
        startups.increment();
        startupSeconds.add(seconds);
    }

    void rebuffer(String region) {
        region(region)[0].increment();
        rebufferEvents.increment();
    }

    void rebufferEnded(String region, double seconds) {
        region(region)[1].increment(seconds);
        rebufferSeconds.add(seconds);
    }

    void played(String region, double seconds) {
        region(region)[2].increment(seconds);
        playSeconds.add(seconds);
    }

    void switched(boolean up) {
        (up ? switchesUp : switchesDown).increment();
        switchCount.increment();
    }

    /** {@code type} is a beacon error kind (mapped onto {@link #ERROR_TYPES}) or http_4xx / http_5xx. */
    void error(String type) {
        errors.computeIfAbsent(type, t -> Counter.builder("tributary_stream_playback_errors_total")
                .description("player-reported errors by kind, and 4xx/5xx the node answered")
                .tags("stream_id", stream, "type", t).register(registry)).increment();
        errorCount.increment();
    }

    void bufferLength(double seconds) {
        buffer.record(seconds);
    }

    void throughput(double bytesPerSecond) {
        throughput.record(bytesPerSecond);
    }

    void latency(double seconds) {
        latency.record(seconds);
        latencies.increment();
        latencySeconds.add(seconds);
    }

    void served(long body) {
        bytes.add(body);
    }

    void used(long nowNanos) {
        usedAt = nowNanos;
    }

    /** No session and no use since {@code cutoffNanos}. */
    boolean idleSince(long cutoffNanos) {
        return active.get() == 0 && usedAt - cutoffNanos < 0;
    }

    /** Takes this content's series off {@code /metrics} (with per-stream labels off there are none of its own). */
    void removeMeters() {
        for (Meter m : List.copyOf(registry.getMeters())) {
            if (stream.equals(m.getId().getTag("stream_id"))) {
                registry.remove(m);
            }
        }
    }

    JsonObject summary() {
        long n = startups.sum();
        double played = playSeconds.sum();
        double stalled = rebufferSeconds.sum();
        long l = latencies.sum();
        return new JsonObject().put("stream", stream).put("sessions", active.get()).put("startups", n)
                .put("startup_seconds_avg", n == 0 ? 0.0 : round(startupSeconds.sum() / n))
                .put("rebuffer_events", rebufferEvents.sum())
                .put("rebuffer_ratio", played + stalled == 0 ? 0.0 : round(stalled / (played + stalled)))
                .put("errors", errorCount.sum()).put("switches", switchCount.sum()).put("bytes", bytes.sum())
                .put("latency_seconds_avg", l == 0 ? 0.0 : round(latencySeconds.sum() / l));
    }

    static JsonObject emptySummary(String stream) {
        return new JsonObject().put("stream", stream).put("sessions", 0).put("startups", 0)
                .put("startup_seconds_avg", 0.0).put("rebuffer_events", 0).put("rebuffer_ratio", 0.0)
                .put("errors", 0).put("switches", 0).put("bytes", 0).put("latency_seconds_avg", 0.0);
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
