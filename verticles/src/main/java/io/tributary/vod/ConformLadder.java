package io.tributary.vod;

import io.tributary.media.transcode.LadderRung;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A ladder an asset is transcoded into exactly, instead of the VOD template: every rung at its own
 * name, size and bitrate (upscaling a smaller source: a player switching rungs must find each one),
 * at one frame rate and video timescale. What SSAI asks for a creative conditioned to a live
 * stream's own ladder; stored with the asset ({@code vod_asset.conform_ladder}).
 */
public record ConformLadder(List<LadderRung> rungs, double fps, int timescale) {

    public static final int MAX_RUNGS = 8;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    public ConformLadder {
        rungs = List.copyOf(rungs);
        if (rungs.isEmpty() || rungs.size() > MAX_RUNGS) {
            throw new IllegalArgumentException("a conform ladder has 1 to " + MAX_RUNGS + " rungs");
        }
        for (LadderRung r : rungs) {
            if (!NAME.matcher(r.name()).matches() || "audio".equals(r.name()) || r.height() > 4320 || r.width() > 7680
                    || r.bitrate() > 100_000_000) {
                throw new IllegalArgumentException("rung " + r.name() + ": not a rung a creative is conditioned to");
            }
        }
        if (rungs.stream().map(LadderRung::name).distinct().count() != rungs.size()) {
            throw new IllegalArgumentException("rung names repeat");
        }
        if (!(fps >= 1 && fps <= 120) || timescale < 1000 || timescale > 1_000_000) {
            throw new IllegalArgumentException("frame rate 1 to 120, timescale 1000 to 1000000");
        }
    }

    /** A rung as the stream has it: encoded at exactly this size. */
    public static LadderRung rung(String name, int width, int height, long bitrate) {
        return LadderRung.of(name, width & ~1, height & ~1, Math.max(50_000, bitrate), LadderRung.Mode.ENCODE);
    }

    public JsonObject toJson() {
        JsonArray list = new JsonArray();
        for (LadderRung r : rungs) {
            list.add(new JsonObject().put("name", r.name()).put("width", r.width()).put("height", r.height()).put("bitrate", r.bitrate()));
        }
        return new JsonObject().put("fps", fps).put("timescale", timescale).put("rungs", list);
    }

    /** IllegalArgumentException (or ClassCastException) for a body that is no conform ladder. */
    public static ConformLadder fromJson(JsonObject j) {
        List<LadderRung> rungs = new ArrayList<>();
        JsonArray list = j.getJsonArray("rungs", new JsonArray());
        if (list.size() > MAX_RUNGS) {
            throw new IllegalArgumentException("over " + MAX_RUNGS + " rungs");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonObject r = list.getJsonObject(i);
            rungs.add(rung(r.getString("name", ""), r.getInteger("width", 0), r.getInteger("height", 0), r.getLong("bitrate", 0L)));
        }
        return new ConformLadder(rungs, j.getDouble("fps", 0.0), j.getInteger("timescale", 0));
    }

    /** A short stable name of the ladder: creatives conditioned to equal ladders share their copy. */
    public String signature() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.3f/%d", fps, timescale));
        for (LadderRung r : rungs) {
            b.append('|').append(r.name()).append(':').append(r.width()).append('x').append(r.height()).append('@').append(r.bitrate());
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tallest rung's height: the media file to fetch is the one covering it. */
    public int topHeight() {
        return rungs.stream().mapToInt(LadderRung::height).max().orElse(0);
    }
}
