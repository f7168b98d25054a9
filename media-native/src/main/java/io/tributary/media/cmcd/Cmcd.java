package io.tributary.media.cmcd;

import java.util.Collections;
import java.util.Map;

/**
 * Common Media Client Data (CTA-5004) sent with one request, as parsed by {@link CmcdParser}.
 * Absent numeric keys read as -1, absent strings and tokens as null, absent booleans as false.
 * A payload that broke the grammar is {@link #malformed()} with the first {@link #problem()};
 * the node counts it and ignores every key of it.
 */
public final class Cmcd {

    /** No CMCD on the request. */
    public static final Cmcd NONE = new Cmcd();

    long bufferLengthMs = -1;      // bl
    long encodedBitrateKbps = -1;  // br
    boolean bufferStarvation;      // bs
    long durationMs = -1;          // d
    long deadlineMs = -1;          // dl
    long throughputKbps = -1;      // mtp
    String nextObject;             // nor
    String nextRange;              // nrr
    String objectType;             // ot
    double playbackRate = -1;      // pr
    long requestedThroughputKbps = -1; // rtp
    String streamingFormat;        // sf
    String sessionId;              // sid
    String contentId;              // cid
    String streamType;             // st
    boolean startup;               // su
    long topBitrateKbps = -1;      // tb
    long version = -1;             // v
    Map<String, Object> custom = Map.of();
    String problem;
    boolean present;

    Cmcd() {
    }

    static Cmcd malformed(String problem) {
        Cmcd c = new Cmcd();
        c.present = true;
        c.problem = problem;
        return c;
    }

    /** True when the request carried any CMCD (well formed or not). */
    public boolean present() {
        return present;
    }

    public boolean malformed() {
        return problem != null;
    }

    /** What was wrong with a malformed payload, else null. */
    public String problem() {
        return problem;
    }

    /** {@code bl}: buffer length in milliseconds. */
    public long bufferLengthMs() {
        return bufferLengthMs;
    }

    /** {@code br}: encoded bitrate of the requested object, kbit/s. */
    public long encodedBitrateKbps() {
        return encodedBitrateKbps;
    }

    /** {@code bs}: the buffer ran empty since the previous request. */
    public boolean bufferStarvation() {
        return bufferStarvation;
    }

    /** {@code d}: object duration in milliseconds. */
    public long durationMs() {
        return durationMs;
    }

    /** {@code dl}: deadline until the buffer would run empty, milliseconds. */
    public long deadlineMs() {
        return deadlineMs;
    }

    /** {@code mtp}: measured throughput, kbit/s. */
    public long throughputKbps() {
        return throughputKbps;
    }

    /** {@code mtp} in bytes per second, or -1. */
    public double throughputBytesPerSecond() {
        return throughputKbps < 0 ? -1 : throughputKbps * 1000.0 / 8.0;
    }

    public String nextObject() {
        return nextObject;
    }

    public String nextRange() {
        return nextRange;
    }

    /** {@code ot}: m manifest, a audio, v video, av muxed, i init, c caption, tt timed text, k key, o other. */
    public String objectType() {
        return objectType;
    }

    /** {@code pr}: playback rate, 1 is real time. */
    public double playbackRate() {
        return playbackRate;
    }

    /** {@code rtp}: requested maximum throughput, kbit/s. */
    public long requestedThroughputKbps() {
        return requestedThroughputKbps;
    }

    /** {@code sf}: d DASH, h HLS, s Smooth, o other. */
    public String streamingFormat() {
        return streamingFormat;
    }

    /** {@code sid}: the playback session id (at most 64 characters). */
    public String sessionId() {
        return sessionId;
    }

    /** {@code cid}: the content id (at most 64 characters). */
    public String contentId() {
        return contentId;
    }

    /** {@code st}: v VOD, l live. */
    public String streamType() {
        return streamType;
    }

    /** {@code su}: the object is needed for startup or a seek. */
    public boolean startup() {
        return startup;
    }

    /** {@code tb}: top bitrate the client can play, kbit/s. */
    public long topBitrateKbps() {
        return topBitrateKbps;
    }

    /** {@code v}: CMCD version (absent means 1). */
    public long version() {
        return version;
    }

    /** Custom keys (those with a hyphen, e.g. {@code com.example-foo}) and their values. */
    public Map<String, Object> custom() {
        return Collections.unmodifiableMap(custom);
    }
}
