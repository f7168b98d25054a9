package io.tributary.playback;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The signed playback token, sans-IO: {@code base64url(payload) "." base64url(HMAC-SHA256(secret, payload))},
 * both unpadded, where payload is {@code v1|kind|name|expires|ip} ({@code kind}: stream, asset or
 * channel; {@code expires}: Unix seconds; {@code ip}: empty for any client). A CMS sharing the
 * secret mints one with three lines in any language; nothing here knows HTTP.
 */
public final class PlaybackToken {

    /** The query parameter a token travels in (and is propagated as into rendered URIs). */
    public static final String PARAM = "token";
    /** Tokens longer than this are malformed without being decoded (a name is at most 128, an IPv6 address 45). */
    static final int MAX_LENGTH = 512;
    private static final String VERSION = "v1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /** What a token grants playback of. A FAST channel plays as a live stream of its name. */
    public enum Kind {
        STREAM, ASSET, CHANNEL;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Kind of(String wire) {
            return switch (wire) {
                case "stream" -> STREAM;
                case "asset" -> ASSET;
                case "channel" -> CHANNEL;
                default -> null;
            };
        }
    }

    /** A token's claims; {@code ip} is "" for a token any address may use. */
    public record Claims(Kind kind, String name, long expires, String ip) {
    }

    /** The outcome of a check; every refusal is a 403 naming it. */
    public enum Verdict {
        OK(null), MALFORMED("malformed token"), FORGED("token signature does not match"), EXPIRED("token expired"),
        WRONG_SCOPE("token is for other content"), WRONG_ADDRESS("token is bound to another client address");

        private final String reason;

        Verdict(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Genuine tokens seen lately: a player sends one token with every request, checked by HMAC once. */
    private static final int VERIFIED_MAX = 16_384;
    private final java.util.concurrent.ConcurrentHashMap<String, Claims> verified = new java.util.concurrent.ConcurrentHashMap<>();
    private final byte[] key;
    /** A Mac per thread: init is the costly part, and event loops check tokens on every media request. */
    private final ThreadLocal<Mac> macs;

    public PlaybackToken(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("a playback secret needs 16 bytes at least");
        }
        this.key = secret.clone();
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** HMAC-SHA256 of {@code data} under the secret. */
    public byte[] sign(byte[] data) {
        return macs.get().doFinal(data);
    }

    public String mint(Claims c) {
        String payload = VERSION + "|" + c.kind().wire() + "|" + c.name() + "|" + c.expires() + "|" + (c.ip() == null ? "" : c.ip());
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return B64.encodeToString(p) + "." + B64.encodeToString(sign(p));
    }

    /** The claims of a token whose signature matches, or null (malformed or forged). */
    public Claims claims(String token) {
        return parse(token, null);
    }

    /**
     * Checks {@code token} for playback of {@code name} (of {@code kind}) by a client at
     * {@code clientIp}, {@code nowSeconds} being the time; the signature before anything else.
     */
    public Verdict verify(String token, long nowSeconds, Kind kind, String name, String clientIp) {
        Claims c = token == null ? null : verified.get(token);
        if (c == null) {
            Verdict[] why = new Verdict[1];
            c = parse(token, why);
            if (c == null) {
                return why[0];
            }
            if (verified.size() >= VERIFIED_MAX) {
                verified.clear(); // bounded: strangers' genuine-but-old tokens cannot grow it
            }
            verified.put(token, c);
        }
        if (c.expires() < nowSeconds) {
            return Verdict.EXPIRED;
        }
        boolean live = kind == Kind.STREAM || kind == Kind.CHANNEL; // /live and /dvr take either scope
        boolean scoped = live ? c.kind() == Kind.STREAM || c.kind() == Kind.CHANNEL : c.kind() == kind;
        if (!scoped || !c.name().equals(name)) {
            return Verdict.WRONG_SCOPE;
        }
        if (!c.ip().isEmpty() && !c.ip().equals(clientIp)) {
            return Verdict.WRONG_ADDRESS;
        }
        return Verdict.OK;
    }

    private Claims parse(String token, Verdict[] why) {
        if (token == null || token.isEmpty() || token.length() > MAX_LENGTH || !wellFormed(token)) {
            return fail(why, Verdict.MALFORMED);
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.') || dot == token.length() - 1) {
            return fail(why, Verdict.MALFORMED);
        }
        byte[] payload;
        byte[] sig;
        try {
            payload = B64D.decode(token.substring(0, dot));
            sig = B64D.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return fail(why, Verdict.MALFORMED);
        }
        if (!MessageDigest.isEqual(sign(payload), sig)) { // constant time
            return fail(why, Verdict.FORGED);
        }
        String[] f = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
        if (f.length != 5 || !f[0].equals(VERSION) || Kind.of(f[1]) == null || f[2].isEmpty()) {
            return fail(why, Verdict.MALFORMED);
        }
        long expires;
        try {
            expires = Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
            return fail(why, Verdict.MALFORMED);
        }
        return new Claims(Kind.of(f[1]), f[2], expires, f[4]);
    }

    private static Claims fail(Verdict[] why, Verdict v) {
        if (why != null) {
            why[0] = v;
        }
        return null;
    }

    /** Only base64url and one dot: safe to carry into a URI, an XML attribute or a log line as it is. */
    public static boolean wellFormed(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
