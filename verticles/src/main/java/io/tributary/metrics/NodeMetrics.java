package io.tributary.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.PooledByteBufAllocator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import io.tributary.media.srt.SrtStats;
import io.tributary.media.transcode.RungStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumMap;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The node's Prometheus registry (also given to Vert.x for its HTTP and event-bus
 * metrics) and Tributary's own meters. Base units, counters end in _total, and the
 * only per-stream label is {@code stream_id} (the stream key), removed when the stream goes.
 */
public final class NodeMetrics {

    public enum DeliveryKind { MULTIVARIANT, PLAYLIST, INIT, SEGMENT, PART }

    private final PrometheusMeterRegistry registry;
    private final AtomicInteger heldRequests = new AtomicInteger();
    private final Timer heldRelease;
    private final Timer playlistRender;
    private final Timer loopDelay;
    private final MetricsSettings settings;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SrtFigures> srt = new ConcurrentHashMap<>();
    /** Resolved once: delivery counts every response, thousands at a time on a part. */
    private final EnumMap<DeliveryKind, Counter[]> delivery = new EnumMap<>(DeliveryKind.class);

    /** JVM, process and Netty allocator figures: what an operator looks at first when a node misbehaves. */
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private static PrometheusMeterRegistry filtered(PrometheusMeterRegistry registry, MetricsSettings settings) {
        if (!settings.perStreamLabels()) {
            perStreamLabelsOff(registry);
        }
        // promtool refuses a unit abbreviated in a name (Micrometer's process.cpu.time in ns; the
        // seconds figure is process_cpu_usage) and a gauge ending in _count
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
            }
        });
        // Micrometer's Netty allocator meters come without help text, which promtool refuses
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("netty.allocator") && id.getDescription() == null
                        ? new Meter.Id(id.getName(), Tags.of(id.getTags()), id.getBaseUnit(),
                        "Netty pooled allocator: " + id.getName().substring("netty.allocator.".length()).replace('.', ' '),
                        id.getType())
                        : id;
            }
        });
        return registry;
    }

    /**
     * metrics.per-stream-labels: false. What adds up (counters, histograms, timers) is kept per node
     * without its stream_id; a per-stream gauge (a rung's fps, an SRT caller's RTT, a stream's
     * sessions) has no meaningful sum and is left out: the node-wide gauges say the totals.
     */
    private static void perStreamLabelsOff(PrometheusMeterRegistry registry) {
        // one filter: Micrometer maps an id through every filter before any decides to accept it
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getTag(STREAM_ID) != null && adds(id.getType())
                        ? id.replaceTags(Tags.of(id.getTags().stream().filter(t -> !t.getKey().equals(STREAM_ID)).toList()))
                        : id;
            }

            @Override
            public MeterFilterReply accept(Meter.Id id) {
                return id.getTag(STREAM_ID) != null ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
            }
        });
    }

    private static boolean adds(Meter.Type type) {
        return switch (type) {
            case COUNTER, DISTRIBUTION_SUMMARY, TIMER, LONG_TASK_TIMER -> true;
            default -> false;
        };
    }

    public static final String STREAM_ID = "stream_id";

    /** With the default settings (tests that need no switch). */
    public NodeMetrics() {
        this(MetricsSettings.DEFAULT);
    }

    public NodeMetrics(MetricsSettings settings) {
        this.settings = settings;
        // filters first: Micrometer applies a filter only to meters registered after it
        this.registry = filtered(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), settings);
        this.heldRelease = Timer.builder("tributary_held_release")
                .description("from a part's publication until every LL-HLS request it released was answered, per delivery event loop")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200))
                .register(registry);
        // what a playlist request's time is made of: its rendering, and the wait for its event loop
        this.playlistRender = Timer.builder("tributary_playlist_render_seconds")
                .description("rendering one live media playlist (a cache miss: its stream changed since the last request)")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(20), Duration.ofMillis(50))
                .register(registry);
        this.loopDelay = Timer.builder("tributary_event_loop_delay_seconds")
                .description("how late a 10 ms timer fires on each HTTP delivery event loop: what a request waits for the loop")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500))
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(registry);
        for (DeliveryKind kind : DeliveryKind.values()) {
            String k = kind.name().toLowerCase(Locale.ROOT);
            delivery.put(kind, new Counter[]{
                    counter("tributary_delivery_requests_total", "media and playlist responses", "kind", k),
                    counter("tributary_delivery_bytes_total", "media and playlist body bytes sent", "kind", k)});
        }
    }

    /** Stops listening for GC notifications (the JVM outlives a node in tests). */
    public void close() {
        gc.close();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    public void gauges(Supplier<Number> publishers, Supplier<Number> streams) {
        Gauge.builder("tributary_publishers", publishers).description("RTMP publishers streaming now").register(registry);
        Gauge.builder("tributary_live_streams", streams).description("live streams on this node, incl. awaiting reconnect").register(registry);
        Gauge.builder("tributary_blocked_requests", heldRequests::get)
                .description("LL-HLS blocking playlist and preload-hint requests waiting now").register(registry);
    }

    /** What ingest connections hold in unfinished messages, against the node's budget. */
    public void ingestBudget(io.tributary.media.IngestBudget budget) {
        Gauge.builder("tributary_ingest_buffered_bytes", budget::used)
                .description("bytes ingest connections hold in unfinished messages").baseUnit("bytes").register(registry);
        Gauge.builder("tributary_ingest_budget_bytes", budget::limit)
                .description("the node's ingest memory budget (rtmp.memory-budget)").baseUnit("bytes").register(registry);
    }

    public AtomicInteger heldRequests() {
        return heldRequests;
    }

    public Timer heldRelease() {
        return heldRelease;
    }

    public Timer playlistRender() {
        return playlistRender;
    }

    public Timer loopDelay() {
        return loopDelay;
    }

    public Counter ingestBytes(String stream) {
        return counter("tributary_ingest_bytes_total", "bytes received from publishers", "stream_id", stream);
    }

    public Counter timestampJumps(String stream) {
        return counter("tributary_ingest_timestamp_jumps_total",
                "source timestamp jumps within a publisher session, each turned into a discontinuity", "stream_id", stream);
    }

    public Counter ingestFrames(String stream, String track) {
        return counter("tributary_ingest_frames_total", "media samples received from publishers", "stream_id", stream, "track", track);
    }

    /** Ladder admission decisions for new streams: admitted, passthrough, rejected. */
    public void transcodeAdmission(String result) {
        counter("tributary_transcode_admissions_total", "transcoding ladder admission decisions for new streams", "result", result).increment();
    }

    /** Frames a ladder rung dropped because its encoder fell behind (it resumes on the next IDR). */
    public void transcodeDropped(String stream, String rendition, int frames) {
        counter("tributary_transcode_dropped_frames_total", "frames a transcoded rung dropped to keep up", "stream_id", stream,
                "rendition", rendition).increment(frames);
    }

    public void rtmpRejected(String reason) {
        counter("tributary_rtmp_rejected_total", "RTMP connections refused or closed for a fault", "reason", reason).increment();
    }

    public void rtmpConnection() {
        counter("tributary_rtmp_connections_total", "RTMP connections accepted").increment();
    }

    public void srtRejected(String reason) {
        counter("tributary_srt_rejected_total", "SRT callers refused at handshake or closed for a fault", "reason", reason).increment();
    }

    /** The figures of the SRT publisher of {@code stream} (one at a time per key), as meters and for the streams API. */
    public void srtConnection(String stream, Supplier<SrtStats> stats) {
        srtGone(stream);
        counter("tributary_srt_callers_accepted_total", "SRT callers accepted (tributary_srt_connections is the gauge of those held now)").increment();
        List<Meter> meters = new ArrayList<>();
        if (!settings.perStreamLabels()) {
            // a caller's own figures only mean something per stream (still in the streams API)
            srt.put(stream, new SrtFigures(stats, meters));
            return;
        }
        String[] tags = {"stream_id", stream};
        meters.add(Gauge.builder("tributary_srt_rtt_seconds", () -> stats.get().rttMicros() / 1e6)
                .description("SRT round-trip time (smoothed, from ACK/ACKACK)").tags(tags).register(registry));
        meters.add(Gauge.builder("tributary_srt_latency_seconds", () -> stats.get().latencyMs() / 1e3)
                .description("negotiated SRT TSBPD latency").tags(tags).register(registry));
        meters.add(Gauge.builder("tributary_srt_clock_drift_seconds", () -> stats.get().driftMicros() / 1e6)
                .description("how far the caller's clock drifted from ours so far (the TSBPD time base followed it)")
                .tags(tags).register(registry));
        meters.add(srtCounter("tributary_srt_packets_received_total", "SRT data packets received", tags, stats, SrtStats::packetsReceived));
        meters.add(srtCounter("tributary_srt_packets_lost_total", "SRT data packets found missing (gaps)", tags, stats, SrtStats::lost));
        meters.add(srtCounter("tributary_srt_packets_retransmitted_total", "SRT data packets received as retransmissions", tags, stats,
                SrtStats::retransmitted));
        meters.add(srtCounter("tributary_srt_packets_dropped_total", "SRT data packets given up: too late for their delivery time", tags,
                stats, SrtStats::droppedTooLate));
        meters.add(srtCounter("tributary_srt_received_bytes_total", "SRT payload bytes received", tags, stats, SrtStats::bytesReceived));
        srt.put(stream, new SrtFigures(stats, meters));
    }

    private Meter srtCounter(String name, String help, String[] tags, Supplier<SrtStats> stats,
                             java.util.function.ToLongFunction<SrtStats> f) {
        return FunctionCounter.builder(name, stats, s -> f.applyAsLong(s.get())).description(help).tags(tags).register(registry);
    }

    /** SRT callers a listener holds now (handshaking or publishing). */
    public void srtConnections(Supplier<Number> connections) {
        Gauge.builder("tributary_srt_connections", connections).description("SRT callers held now (handshaking or publishing)")
                .register(registry);
    }

    /** What the SRT callers' receive windows hold, and the data packets dropped because that was srt.memory-budget already. */
    public void srtWindows(Supplier<Number> heldBytes, Supplier<Number> overBudget) {
        Gauge.builder("tributary_srt_buffered_bytes", heldBytes).description("payload bytes the SRT receive windows hold now")
                .baseUnit("bytes").register(registry);
        FunctionCounter.builder("tributary_srt_packets_over_budget_total", overBudget, n -> n.get().doubleValue())
                .description("SRT data packets dropped because the receive windows held srt.memory-budget already")
                .register(registry);
    }

    /** The SRT publisher of {@code stream} left: its meters go. */
    public void srtGone(String stream) {
        SrtFigures old = srt.remove(stream);
        if (old != null) {
            old.meters.forEach(registry::remove);
        }
    }

    /** The current SRT publisher's figures of {@code stream}, or null when it has none. */
    public SrtStats srtFigures(String stream) {
        SrtFigures f = srt.get(stream);
        return f == null ? null : f.stats.get();
    }

    private record SrtFigures(Supplier<SrtStats> stats, List<Meter> meters) {
    }

    public void delivered(DeliveryKind kind, long bytes) {
        Counter[] c = delivery.get(kind);
        c[0].increment();
        c[1].increment(bytes);
    }

    private Counter counter(String name, String help, String... tags) {
        if (!settings.perStreamLabels()) {
            tags = withoutStream(tags); // one counter per node: the cache must not grow per stream either
        }
        String[] t = tags;
        String id = name + String.join("|", tags);
        return counters.computeIfAbsent(id, x -> Counter.builder(name).description(help).tags(t).register(registry));
    }

    private static String[] withoutStream(String[] tags) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i + 1 < tags.length; i += 2) {
            if (!tags[i].equals(STREAM_ID)) {
                kept.add(tags[i]);
                kept.add(tags[i + 1]);
            }
        }
        return kept.toArray(String[]::new);
    }

    /**
     * Per-rung transcoder gauges; registered once per (stream, rung), they read whatever
     * transcoder the stream runs now (NaN while none).
     */
    public void rungGauges(String stream, String rendition, Supplier<RungStats> stats) {
        Gauge.builder("tributary_transcode_encode_fps", () -> value(stats.get(), RungStats::encodeFps))
                .description("frames per second a rung's encoder achieves while busy").tags("stream_id", stream, "rendition", rendition)
                .register(registry);
        Gauge.builder("tributary_transcode_realtime_factor", () -> value(stats.get(), RungStats::realtimeFactor))
                .description("a rung's encode speed over the source frame rate; below 1 it falls behind")
                .tags("stream_id", stream, "rendition", rendition).register(registry);
        Gauge.builder("tributary_transcode_queue_depth", () -> value(stats.get(), r -> r.queueDepth()))
                .description("frames waiting for a rung's encoder").tags("stream_id", stream, "rendition", rendition)
                .register(registry);
        Gauge.builder("tributary_transcode_output_bitrate_bits_per_second", () -> value(stats.get(), RungStats::outputBitrate))
                .description("a rung's encoded bits per second over the last 4 s of media")
                .tags("stream_id", stream, "rendition", rendition).register(registry);
    }

    /** The node's transcoding capacity in use: ladders, and encoded pixels per second against the limit (0 = none). */
    public void transcodeCapacity(Supplier<Number> ladders, Supplier<Number> pixelRate, long maxPixelRate) {
        Gauge.builder("tributary_transcode_ladders", ladders).description("streams holding transcoding capacity (encoding a ladder)")
                .register(registry);
        Gauge.builder("tributary_transcode_pixel_rate_pixels_per_second", pixelRate)
                .description("encoded pixels per second the admitted ladders take (width x height x fps per encoded rung)")
                .register(registry);
        Gauge.builder("tributary_transcode_max_pixel_rate_pixels_per_second", () -> maxPixelRate)
                .description("transcode.max-pixel-rate of this node; 0 = no limit").register(registry);
    }

    private static double value(RungStats stats, java.util.function.ToDoubleFunction<RungStats> f) {
        return stats == null ? Double.NaN : f.applyAsDouble(stats);
    }

    /** Drops every meter labelled with a stream that is gone, so cardinality stays bounded. */
    public void forgetStream(String stream) {
        for (Meter m : List.copyOf(registry.getMeters())) {
            if (stream.equals(m.getId().getTag("stream_id"))) {
                registry.remove(m);
            }
        }
        counters.values().removeIf(c -> stream.equals(c.getId().getTag("stream_id")));
    }
}
