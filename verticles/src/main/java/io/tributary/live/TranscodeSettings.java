package io.tributary.live;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;
import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The live ABR ladder every stream gets (the {@code transcode.*} keys): empty (the source only,
 * as rendition {@code video}) or a named ladder (rungs above the source are skipped, a rung at
 * the source size passes the source through).
 *
 * @param maxLadders   streams encoding at once; 0 = no limit
 * @param maxPixelRate encoded pixels per second over all ladders (width x height x fps of every encoded
 *                     rung); 0 = no limit
 */
public record TranscodeSettings(List<LadderRung> ladder, List<LadderRule> rules, int maxLadders, WhenFull whenFull,
                                long maxPixelRate) {

    /** Encoded pixels/s a node may take on per core with {@code max-pixel-rate: auto}; see default.yaml. */
    public static final long AUTO_PIXEL_RATE_PER_CORE = 20_000_000;

    /** When every ladder slot is taken: publish the source alone, or refuse the publish. */
    public enum WhenFull { PASSTHROUGH, REJECT }

    public enum LadderName {
        NONE, SEED, VOD;

        List<LadderRung> rungs() {
            return switch (this) {
                case NONE -> List.of();
                case SEED -> Ladder.SEED;
                case VOD -> Ladder.VOD;
            };
        }
    }

    /** {@code PATTERN=LADDER}: keys matching the pattern ({@code *} = any run of characters) get that ladder. */
    public record LadderRule(String pattern, LadderName name, List<LadderRung> ladder) {

        boolean matches(String key) {
            return Pattern.matches(Pattern.quote(pattern).replace("*", "\\E.*\\Q"), key);
        }
    }

    /** The ladder for a stream key: the first matching rule's, else the default. */
    public List<LadderRung> ladderFor(String key) {
        for (LadderRule r : rules) {
            if (r.matches(key)) {
                return r.ladder();
            }
        }
        return ladder;
    }

    public static TranscodeSettings from(Settings s) {
        List<LadderRule> rules = new ArrayList<>();
        for (String rule : s.list("transcode.ladder-rules")) {
            int eq = rule.indexOf('=');
            String pattern = eq < 0 ? "" : rule.substring(0, eq).trim();
            LadderName name = null;
            for (LadderName n : LadderName.values()) {
                if (eq >= 0 && n.name().equalsIgnoreCase(rule.substring(eq + 1).trim())) {
                    name = n;
                }
            }
            if (pattern.isEmpty() || name == null || !pattern.matches("[A-Za-z0-9_*-]+")) {
                throw ConfigException.invalid("transcode.ladder-rules", "entries like hd-*=seed (ladders none, seed, vod)", rule);
            }
            rules.add(new LadderRule(pattern, name, name.rungs()));
        }
        return new TranscodeSettings(s.choice("transcode.ladder", LadderName.class).rungs(), List.copyOf(rules),
                s.integer("transcode.max-ladders", 0, 10_000), s.choice("transcode.when-full", WhenFull.class),
                maxPixelRate(s));
    }

    /** {@code auto} (per core, see {@link #AUTO_PIXEL_RATE_PER_CORE}), 0 (no limit) or pixels per second. */
    private static long maxPixelRate(Settings s) {
        String v = s.string("transcode.max-pixel-rate");
        if (v.equalsIgnoreCase("auto")) {
            return AUTO_PIXEL_RATE_PER_CORE * Runtime.getRuntime().availableProcessors();
        }
        if (!v.matches("[0-9]{1,10}")) {
            throw ConfigException.invalid("transcode.max-pixel-rate", "auto, 0 (no limit) or pixels per second", v);
        }
        return s.integer("transcode.max-pixel-rate", 0, Integer.MAX_VALUE);
    }
}
