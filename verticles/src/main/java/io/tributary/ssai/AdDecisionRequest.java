package io.tributary.ssai;

import io.tributary.vod.ConformLadder;
import io.vertx.core.json.JsonObject;

/**
 * What the per-session splice asks the ad-decision verticles on {@link #ADDRESS} (cluster-wide):
 * a pod for one session's break. The reply body is {@link AdPod#toJson()}; a failed decision
 * replies with a failure (the splice then plays slate or content for the break).
 *
 * @param session        the viewing session (CMCD {@code sid} or the issued one)
 * @param stream         the stream or FAST channel key
 * @param breakId        the break's id (the cue's)
 * @param durationMs     the break's length to fill
 * @param throughputKbps the player's CMCD-reported throughput ({@code mtp}), 0 when unknown
 * @param ladder         the stream's own ladder, which creatives are conditioned to; null: the VOD template
 */
public record AdDecisionRequest(String session, String stream, String breakId, long durationMs, long throughputKbps,
                                ConformLadder ladder) {

    public AdDecisionRequest(String session, String stream, String breakId, long durationMs, long throughputKbps) {
        this(session, stream, breakId, durationMs, throughputKbps, null);
    }

    /** The event-bus address the ad-decision verticle set consumes. */
    public static final String ADDRESS = "tributary.ssai.decide";

    public JsonObject toJson() {
        JsonObject j = new JsonObject().put("session", session).put("stream", stream).put("breakId", breakId)
                .put("durationMs", durationMs).put("throughputKbps", throughputKbps);
        return ladder == null ? j : j.put("ladder", ladder.toJson());
    }

    public static AdDecisionRequest fromJson(JsonObject j) {
        return new AdDecisionRequest(j.getString("session"), j.getString("stream"), j.getString("breakId"),
                j.getLong("durationMs", 0L), j.getLong("throughputKbps", 0L),
                j.getJsonObject("ladder") == null ? null : ConformLadder.fromJson(j.getJsonObject("ladder")));
    }
}
