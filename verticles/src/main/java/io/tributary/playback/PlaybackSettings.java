package io.tributary.playback;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who may play what (the {@code playback.*} keys) and what is encrypted ({@code keys.*}).
 *
 * @param secret         the HMAC secret of signed URLs; "" = generated under data-dir (and shared in the cluster)
 * @param access         what a stream, DVR recording or channel needs when no rule matches its key
 * @param rules          per stream key, first match wins: {@code premium-*=signed}
 * @param vodAccess      what VOD assets need
 * @param tokenTtl       lifetime of tokens issued by {@code POST /api/v1/playback-tokens}
 * @param encryptRules   per stream key, first match wins: {@code secure-*=aes-128} or {@code test-*=none}
 * @param rotateSegments a new content key every this many segments
 * @param entitlements   per content name, first match wins: the plans entitled to it ({@code premium-*=gold|platinum});
 *                       entitled content no rule names is open to every signed-in viewer
 */
public record PlaybackSettings(String secret, Access access, List<Rule<Access>> rules, Access vodAccess, Duration tokenTtl,
                               List<Rule<Encryption>> encryptRules, int rotateSegments, List<Rule<List<String>>> entitlements) {

    /**
     * {@code entitled}: played with a token that {@code POST /api/v1/playback-tokens} mints only for a viewer
     * whose plan is entitled to it (or that a CMS sharing the secret signs, vouching for the viewer itself).
     */
    public enum Access { PUBLIC, SIGNED, ENTITLED }

    public enum Encryption { NONE, AES_128 }

    /** {@code PATTERN=VALUE}; {@code *} is any run of characters. */
    public record Rule<V>(String pattern, V value, Pattern regex) {

        Rule(String pattern, V value) {
            this(pattern, value, Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q")));
        }

        boolean matches(String key) {
            return regex.matcher(key).matches();
        }
    }

    /** Every stream public, nothing encrypted: what a node without these keys did. */
    public static final PlaybackSettings OPEN = new PlaybackSettings("", Access.PUBLIC, List.of(), Access.PUBLIC,
            Duration.ofHours(1), List.of(), 10, List.of());

    public Access accessOf(String streamKey) {
        return first(rules, streamKey, access);
    }

    public Encryption encryptionOf(String streamKey) {
        return first(encryptRules, streamKey, Encryption.NONE);
    }

    private static <V> V first(List<Rule<V>> rules, String key, V otherwise) {
        for (Rule<V> r : rules) {
            if (r.matches(key)) {
                return r.value();
            }
        }
        return otherwise;
    }

    public static PlaybackSettings from(Settings s) {
        String secret = s.string("playback.secret");
        if (!secret.isEmpty() && secret.length() < 16) {
            throw ConfigException.invalid("playback.secret", "16 characters at least (or empty: generated under data-dir)",
                    "(" + secret.length() + " characters)");
        }
        Access access = s.choice("playback.access", Access.class);
        List<Rule<Access>> rules = rules(s, "playback.access-rules", Access.class, "premium-*=signed or free-*=public");
        List<Rule<Encryption>> encrypt = rules(s, "keys.encrypt-rules", Encryption.class, "secure-*=aes-128 or test-*=none");
        return new PlaybackSettings(secret, access, rules, s.choice("playback.vod-access", Access.class),
                s.duration("playback.token-ttl", Duration.ofSeconds(10), Duration.ofDays(30)), encrypt,
                s.integer("keys.rotate-segments", 1, 1_000_000), entitlements(s));
    }

    /** The plans entitled to content {@code name}, or null when no rule names it (any signed-in viewer is). */
    public List<String> plansFor(String name) {
        return first(entitlements, name, null);
    }

    private static List<Rule<List<String>>> entitlements(Settings s) {
        String key = "playback.entitlements";
        List<String> entries = s.list(key);
        if (entries.size() > 1000) {
            throw ConfigException.invalid(key, "at most 1000 rules", entries.size() + " rules");
        }
        List<Rule<List<String>>> out = new ArrayList<>();
        for (String rule : entries) {
            int eq = rule.indexOf('=');
            String pattern = eq < 0 ? "" : rule.substring(0, eq).trim();
            List<String> plans = new ArrayList<>();
            for (String p : (eq < 0 ? "" : rule.substring(eq + 1)).split("\\|", -1)) {
                plans.add(p.trim());
            }
            if (pattern.isEmpty() || !pattern.matches("[A-Za-z0-9_*-]+") || plans.isEmpty()
                    || !plans.stream().allMatch(p -> p.matches("[a-z0-9-]{1,32}"))) {
                throw ConfigException.invalid(key, "entries like premium-*=gold|platinum (plans: lower-case letters, digits, '-')", rule);
            }
            out.add(new Rule<>(pattern, List.copyOf(plans)));
        }
        return List.copyOf(out);
    }

    private static <E extends Enum<E>> List<Rule<E>> rules(Settings s, String key, Class<E> type, String example) {
        List<Rule<E>> out = new ArrayList<>();
        for (String rule : s.list(key)) {
            int eq = rule.indexOf('=');
            String pattern = eq < 0 ? "" : rule.substring(0, eq).trim();
            String value = eq < 0 ? "" : rule.substring(eq + 1).trim();
            E v = null;
            for (E e : type.getEnumConstants()) {
                if (e.name().replace('_', '-').equalsIgnoreCase(value)) {
                    v = e;
                }
            }
            if (pattern.isEmpty() || !pattern.matches("[A-Za-z0-9_*-]+") || v == null) {
                throw ConfigException.invalid(key, "entries like " + example, rule);
            }
            out.add(new Rule<>(pattern, v));
        }
        return List.copyOf(out);
    }
}
