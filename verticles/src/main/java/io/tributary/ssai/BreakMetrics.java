package io.tributary.ssai;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ad breaks' meters and events. Meters per stream, with at most {@value #MAX_STREAM_LABELS}
 * stream labels (the rest count as {@code other}); events (break, decision, beacons, errors) as
 * {@link AdEvents}, beside the sessions' own playback events.
 */
final class BreakMetrics {

    static final int MAX_STREAM_LABELS = 200;

    private final MeterRegistry registry;
    private final AdEvents events;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Boolean> labelled = new ConcurrentHashMap<>();

    BreakMetrics(AdEvents events, MeterRegistry registry) {
        this.events = events;
        this.registry = registry;
    }

    private String label(String stream) {
        if (labelled.containsKey(stream)) {
            return stream;
        }
        if (labelled.size() >= MAX_STREAM_LABELS) {
            return "other";
        }
        labelled.put(stream, Boolean.TRUE);
        return stream;
    }

    private Counter counter(String name, String description, String... tags) {
        String key = name + String.join("|", tags);
        return counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    void breakStarted(String stream, String id, double seconds) {
        counter("tributary_ssai_breaks_total", "ad breaks (OUT cues) on streams and channels", "stream", label(stream)).increment();
        event("ad_break", "", stream, new JsonObject().put("break", id).put("duration", seconds));
    }

    void breakEnded(String stream, String id) {
        event("ad_break_end", "", stream, new JsonObject().put("break", id));
    }

    /** One session's decision: what the break asked for, what the pod filled, how long the answer took. */
    void decided(String session, String stream, String breakId, long breakMs, AdPod pod, Throwable failure, long nanos) {
        String s = label(stream);
        String result = failure != null ? "failed" : pod.ads().isEmpty() ? "empty" : "filled";
        counter("tributary_ssai_session_decisions_total", "ad decisions asked for sessions' breaks, by result", "stream", s, "result", result).increment();
        timers.computeIfAbsent(s, k -> Timer.builder("tributary_ssai_session_decision_seconds").description("time to a session's pod")
                .tag("stream", k).publishPercentiles(0.5, 0.99).register(registry)).record(Duration.ofNanos(nanos));
        counter("tributary_ssai_break_seconds_total", "seconds of breaks sessions asked ads for", "stream", s).increment(breakMs / 1000.0);
        counter("tributary_ssai_filled_seconds_total", "seconds of those breaks the pods filled (fill rate: over break seconds)",
                "stream", s).increment(failure != null ? 0 : Math.min(breakMs, pod.filledMs()) / 1000.0);
        JsonObject f = new JsonObject().put("break", breakId).put("result", result);
        if (failure != null) {
            f.put("error", String.valueOf(failure.getMessage()));
        } else {
            f.put("ads", pod.ads().size()).put("filledMs", pod.filledMs());
        }
        event(failure != null ? "ad_error" : "ad_decision", session, stream, f);
    }

    void beacon(String session, String stream, String breakId, AdPod.Ad ad, String event, boolean sent) {
        counter("tributary_ssai_session_beacons_total", "VAST tracking events sessions earned, by event and whether sending succeeded",
                "event", event, "result", sent ? "sent" : "failed").increment();
        event(sent ? "ad_" + event : "ad_error", session, stream, new JsonObject().put("break", breakId)
                .put("ad", ad.adId()).put("event", event).put("sent", sent));
    }

    void error(String session, String stream, String breakId, String what) {
        counter("tributary_ssai_errors_total", "ads that could not be played (missing creative media)", "stream", label(stream)).increment();
        event("ad_error", session, stream, new JsonObject().put("break", breakId).put("error", what));
    }

    private void event(String type, String sid, String stream, JsonObject fields) {
        events.publish(type, sid, stream, fields);
    }
}
