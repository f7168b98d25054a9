package io.tributary.auth;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Access tokens: compact JWS, HS256 only, with a {@code kid} naming one of the {@link SigningKeys}.
 * Verification takes nothing from the token on trust: the algorithm must be HS256 (so
 * {@code alg: none} and any other fail), the kid must be a key of ours, the MAC is compared in
 * constant time before the payload is read, and {@code exp} must be in the future.
 */
public final class Jwt {

    static final String ISSUER = "tributary";
    /** Longer tokens are not ours: a bound before any decoding. */
    static final int MAX_LENGTH = 4096;
    private static final Base64.Decoder B64URL = Base64.getUrlDecoder();

    /** Who a verified token speaks for; {@code plan} is the account's plan when the token was issued ("" for none). */
    public record Claims(String sub, String kind, Role role, String name, String plan, String jti, long exp) {
    }

    private final SigningKeys keys;
    private final Clock clock;
    /** Macs are not thread-safe, and building one costs more than using it: one per kid and thread. */
    private final ThreadLocal<Map<String, Mac>> macs = ThreadLocal.withInitial(HashMap::new);
    /** Header segments this node wrote (HS256 and a kid), each mapped to its kid: read without parsing JSON. */
    private final Map<String, String> ownHeaders = new java.util.concurrent.ConcurrentHashMap<>();

    public Jwt(SigningKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    public String issue(String sub, String kind, Role role, String name, Duration ttl) {
        return issue(sub, kind, role, name, null, ttl);
    }

    /** A token that also carries the account's {@code plan} (what entitled content checks; null for none). */
    public String issue(String sub, String kind, Role role, String name, String plan, Duration ttl) {
        long now = clock.millis() / 1000;
        String kid = keys.currentKid();
        JsonObject header = new JsonObject().put("alg", "HS256").put("typ", "JWT").put("kid", kid);
        JsonObject payload = new JsonObject().put("iss", ISSUER).put("sub", sub).put("kind", kind).put("role", role.wire())
                .put("name", name).put("iat", now).put("exp", now + Math.max(1, ttl.toSeconds())).put("jti", Tokens.random(12));
        if (plan != null) {
            payload.put("plan", plan);
        }
        String headerPart = b64(header);
        if (ownHeaders.size() < 16) { // one per kid: a handful at most
            ownHeaders.putIfAbsent(headerPart, kid);
        }
        String signingInput = headerPart + "." + b64(payload);
        byte[] sig = mac(kid).doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + Tokens.B64URL.encodeToString(sig);
    }

    private static String b64(JsonObject o) {
        return Tokens.B64URL.encodeToString(o.toBuffer().getBytes());
    }

    private Mac mac(String kid) {
        Map<String, Mac> mine = macs.get();
        if (!keys.has(kid)) {
            mine.remove(kid); // rotated away (a kid is a hash of its key: a cached Mac is never stale otherwise)
            return null;
        }
        return mine.computeIfAbsent(kid, keys::mac);
    }

    /** The claims of a valid token; else throws {@link AuthException} (401) saying what is wrong. */
    public Claims verify(String token) {
        if (token.length() > MAX_LENGTH) {
            throw AuthException.unauthorized("access token too long");
        }
        int d1 = token.indexOf('.');
        int d2 = d1 < 0 ? -1 : token.indexOf('.', d1 + 1);
        if (d1 <= 0 || d2 < 0 || token.indexOf('.', d2 + 1) >= 0) {
            throw AuthException.unauthorized("malformed access token");
        }
        String headerPart = token.substring(0, d1);
        Object kid = ownHeaders.get(headerPart);
        if (kid == null) {
            JsonObject header = json(headerPart);
            if (!"HS256".equals(header.getValue("alg"))) {
                throw AuthException.unauthorized("access token algorithm must be HS256");
            }
            kid = header.getValue("kid");
        }
        Mac mac = kid instanceof String k ? mac(k) : null;
        if (mac == null) {
            throw AuthException.unauthorized("access token signed with an unknown key");
        }
        byte[] expected = mac.doFinal(token.substring(0, d2).getBytes(StandardCharsets.US_ASCII));
        byte[] given;
        try {
            given = B64URL.decode(token.substring(d2 + 1));
        } catch (IllegalArgumentException e) {
            throw AuthException.unauthorized("malformed access token signature");
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw AuthException.unauthorized("access token signature does not verify");
        }
        JsonObject p = json(token.substring(d1 + 1, d2));
        Object exp = p.getValue("exp");
        if (!(exp instanceof Number e) || e.longValue() <= clock.millis() / 1000) {
            throw AuthException.unauthorized("access token expired");
        }
        Role role = Role.parse(p.getValue("role") instanceof String r ? r : null);
        if (!ISSUER.equals(p.getValue("iss")) || role == null || !(p.getValue("sub") instanceof String sub)
                || !(p.getValue("kind") instanceof String kind)) {
            throw AuthException.unauthorized("access token claims are incomplete");
        }
        return new Claims(sub, kind, role, p.getString("name", ""), p.getValue("plan") instanceof String plan ? plan : "",
                p.getString("jti", ""), e.longValue());
    }

    private static JsonObject json(String part) {
        try {
            return new JsonObject(io.vertx.core.buffer.Buffer.buffer(B64URL.decode(part)));
        } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
            throw AuthException.unauthorized("malformed access token");
        }
    }
}
