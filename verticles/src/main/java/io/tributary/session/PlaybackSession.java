package io.tributary.session;

import io.vertx.core.json.JsonObject;

/**
 * One player's session as this node sees it. Requests of one player come on any delivery
 * event loop, so updates are synchronized; they are cheap and rarely contended.
 */
final class PlaybackSession {

    final String sid;
    final String stream;
    final String region;
    final StreamQoe qoe;
    final long startedAt;
    private String rung;
    private int switches;
    private long bytes;
    private long requests;
    private long lastActivityNanos;
    private long lastActivityMillis;
    private boolean beacons;
    private boolean cmcdBuffer;
    private boolean dirty = true;
    /** The session's beacon bucket (qoe.session-beacon-rate/-burst); NaN until its first beacon. */
    private double beaconTokens = Double.NaN;
    private long beaconRefilledAt;

    PlaybackSession(String sid, String stream, String region, StreamQoe qoe, long nowMillis, long nowNanos) {
        this.sid = sid;
        this.stream = stream;
        this.region = region;
        this.qoe = qoe;
        this.startedAt = nowMillis;
        this.lastActivityMillis = nowMillis;
        this.lastActivityNanos = nowNanos;
    }

    /** Takes one beacon from the session's bucket: false when the player beacons faster than {@code rate}/s. */
    synchronized boolean beaconAllowed(double ratePerSecond, int burst, long nowNanos) {
        if (Double.isNaN(beaconTokens)) {
            beaconTokens = burst;
            beaconRefilledAt = nowNanos;
        }
        beaconTokens = Math.min(burst, beaconTokens + (nowNanos - beaconRefilledAt) * ratePerSecond / 1e9);
        beaconRefilledAt = nowNanos;
        if (beaconTokens < 1) {
            return false;
        }
        beaconTokens -= 1;
        return true;
    }

    synchronized void touch(long nowMillis, long nowNanos) {
        lastActivityMillis = nowMillis;
        lastActivityNanos = nowNanos;
        dirty = true;
    }

    synchronized void served(long body) {
        bytes += body;
        requests++;
        dirty = true;
    }

    /** Records the video rung a media request asked for; returns the previous rung when this is a switch. */
    synchronized String rung(String rendition) {
        String previous = rung;
        rung = rendition;
        if (previous != null && !previous.equals(rendition)) {
            switches++;
            dirty = true;
            return previous;
        }
        return null;
    }

    /** The player reports QoE itself: CMCD-derived duplicates (rebuffers) are then left to its beacons. */
    synchronized void beaconing() {
        beacons = true;
    }

    synchronized void cmcdBuffer() {
        cmcdBuffer = true;
    }

    synchronized boolean sendsCmcdBuffer() {
        return cmcdBuffer;
    }

    synchronized boolean sendsBeacons() {
        return beacons;
    }

    synchronized boolean idleSince(long cutoffNanos) {
        return lastActivityNanos - cutoffNanos < 0;
    }

    synchronized int switches() {
        return switches;
    }

    synchronized long bytes() {
        return bytes;
    }

    /** The record for the cluster map when something changed since the last flush, else null. */
    synchronized JsonObject flushRecord(String node) {
        if (!dirty) {
            return null;
        }
        dirty = false;
        return record(node);
    }

    synchronized JsonObject record(String node) {
        return new JsonObject().put("sid", sid).put("stream", stream).put("node", node).put("region", region)
                .put("rung", rung).put("switches", switches).put("bytes", bytes).put("requests", requests)
                .put("started", startedAt).put("last_activity", lastActivityMillis);
    }
}
