package io.tributary.channel;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The playout's meters: channels this node airs, programmes started (each one a boundary), programmes
 * skipped, and how long each tick slice holds its event loop (what a request queued behind it waits).
 */
final class ChannelMetrics {

    private final AtomicLong onAir = new AtomicLong();
    final Counter programmes;
    /** Programmes whose asset was deleted or outside its availability window (the slate aired, or nothing). */
    final Counter skippedDeleted;
    final Counter skippedUnavailable;
    final Timer slice;

    ChannelMetrics(MeterRegistry registry) {
        Gauge.builder("tributary_channels_on_air", onAir, AtomicLong::get)
                .description("FAST channels this node publishes now").register(registry);
        programmes = Counter.builder("tributary_channel_programmes_total")
                .description("programmes (assets, slate repeats) FAST channels on this node started").register(registry);
        skippedDeleted = skipped(registry, "deleted");
        skippedUnavailable = skipped(registry, "unavailable");
        slice = Timer.builder("tributary_channel_tick_seconds")
                .description("one playout tick slice: feeding its channels' samples to their streams' writers on the playout's event loop")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500))
                .register(registry);
    }

    private static Counter skipped(MeterRegistry registry, String reason) {
        return Counter.builder("tributary_channel_skipped_programmes_total").tag("reason", reason)
                .description("scheduled programmes not aired: their asset deleted or outside its availability window")
                .register(registry);
    }

    void onAir(long n) {
        onAir.set(n);
    }
}
