package io.tributary.ssai;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The ad-decision meters; every label takes its values from a fixed set. */
final class AdMetrics {

    /** Decision results: a pod with ads ({@code filled}), an answer with no playable ad yet, or why none came. */
    static final Set<String> RESULTS = Set.of("filled", "empty", "no-ads", "timeout", "http-error", "parse-error", "bad-request", "error");
    /** Beacon results. */
    static final Set<String> BEACONS = Set.of("sent", "failed", "dropped", "refused");
    /** Events {@code /ads/track} counts; anything else is {@code other}. */
    /** What an ad URL the address policy refused was for: a VAST document (a wrapper's, or a redirect), a creative's media file, a beacon. */
    static final Set<String> URL_USES = Set.of("vast", "media", "beacon");
    static final Set<String> TRACKED = Set.of("impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "error");

    private final MeterRegistry registry;
    private final Timer decisionTime;

    AdMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.decisionTime = Timer.builder("tributary_ssai_decision_seconds").description("time to answer an ad decision")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void decision(String result, long nanos) {
        Counter.builder("tributary_ssai_decisions_total").tag("result", RESULTS.contains(result) ? result : "error")
                .description("ad decisions answered, by result").register(registry).increment();
        decisionTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    void beacon(String result) {
        Counter.builder("tributary_ssai_beacons_total").tag("result", result)
                .description("VAST tracking and error URLs sent by the server, by result").register(registry).increment();
    }

    void refused(String use) {
        Counter.builder("tributary_ssai_refused_urls_total").tag("use", URL_USES.contains(use) ? use : "other")
                .description("ad URLs not fetched: their address is private, loopback, link-local or reserved (ssai.allowed-addresses)")
                .register(registry).increment();
    }

    void tracked(String event) {
        Counter.builder("tributary_ssai_tracked_events_total").tag("event", TRACKED.contains(event) ? event : "other")
                .description("tracking events the built-in ad server received at /ads/track").register(registry).increment();
    }

    void pending(Supplier<Number> creatives) {
        Gauge.builder("tributary_ssai_creatives_pending", creatives).description("ad creatives this node started conditioning, not ready yet")
                .register(registry);
    }
}
