package io.tributary.ssai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ads one viewing session sees in one break: the ad decision's answer, and what the
 * per-session playlists splice in. {@code ads} play back to back from the break's start; their
 * durations add up to {@code filledMs} (at most {@code durationMs}); the rest of the break is slate
 * or content. An ad whose creative is not conditioned yet is left out of the pod, not listed.
 *
 * @param breakId    the break (the cue's id), unique per stream
 * @param durationMs the break's length
 * @param ads        in play order
 */
public record AdPod(String breakId, long durationMs, List<Ad> ads) {

    public AdPod {
        ads = List.copyOf(ads);
    }

    /** The seconds of the break the ads fill, in milliseconds. */
    public long filledMs() {
        return ads.stream().mapToLong(Ad::durationMs).sum();
    }

    /**
     * One ad of the pod.
     *
     * @param adId       the VAST {@code Ad id} (or the built-in server's)
     * @param creativeId the VAST creative id the conditioned media is cached by
     * @param assetId    the VOD asset holding the creative transcoded for this stream (its segments are
     *                   the ones spliced in)
     * @param durationMs the ad's media length
     * @param tracking   VAST tracking URLs by event: {@code impression}, {@code start},
     *                   {@code firstQuartile}, {@code midpoint}, {@code thirdQuartile}, {@code complete}
     * @param errorUrls  the VAST {@code Error} URLs (macros still in them)
     * @param builtIn    a built-in server's ad: its URLs point at a node of this cluster, sent without the address check
     */
    public record Ad(String adId, String creativeId, String assetId, long durationMs,
                     Map<String, List<String>> tracking, List<String> errorUrls, boolean builtIn) {

        /** An ad server's ad. */
        public Ad(String adId, String creativeId, String assetId, long durationMs, Map<String, List<String>> tracking, List<String> errorUrls) {
            this(adId, creativeId, assetId, durationMs, tracking, errorUrls, false);
        }

        public Ad {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            tracking.forEach((event, urls) -> copy.put(event, List.copyOf(urls)));
            tracking = java.util.Collections.unmodifiableMap(copy);
            errorUrls = List.copyOf(errorUrls);
        }

        public JsonObject toJson() {
            JsonObject t = new JsonObject();
            tracking.forEach((event, urls) -> t.put(event, new JsonArray(new ArrayList<>(urls))));
            return new JsonObject().put("adId", adId).put("creativeId", creativeId).put("assetId", assetId)
                    .put("durationMs", durationMs).put("tracking", t).put("errorUrls", new JsonArray(new ArrayList<>(errorUrls))).put("builtIn", builtIn);
        }

        public static Ad fromJson(JsonObject j) {
            Map<String, List<String>> tracking = new LinkedHashMap<>();
            JsonObject t = j.getJsonObject("tracking", new JsonObject());
            for (String event : t.fieldNames()) {
                tracking.put(event, strings(t.getJsonArray(event)));
            }
            return new Ad(j.getString("adId"), j.getString("creativeId"), j.getString("assetId"), j.getLong("durationMs"),
                    tracking, strings(j.getJsonArray("errorUrls", new JsonArray())), j.getBoolean("builtIn", false));
        }
    }

    public JsonObject toJson() {
        JsonArray a = new JsonArray();
        ads.forEach(ad -> a.add(ad.toJson()));
        return new JsonObject().put("breakId", breakId).put("durationMs", durationMs).put("filledMs", filledMs()).put("ads", a);
    }

    public static AdPod fromJson(JsonObject j) {
        List<Ad> ads = new ArrayList<>();
        for (Object o : j.getJsonArray("ads", new JsonArray())) {
            ads.add(Ad.fromJson((JsonObject) o));
        }
        return new AdPod(j.getString("breakId"), j.getLong("durationMs"), ads);
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        if (a != null) {
            a.forEach(o -> out.add(String.valueOf(o)));
        }
        return out;
    }
}
