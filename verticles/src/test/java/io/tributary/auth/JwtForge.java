package io.tributary.auth;

import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** Tokens an attacker (or a clock) would make: built by hand here, not by the node's own {@link Jwt}. */
final class JwtForge {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private JwtForge() {
    }

    /** The node's current signing key, read from its data-dir as an insider would. */
    static byte[] nodeKey(Path dataDir) throws Exception {
        String first = Files.readAllLines(dataDir.resolve("auth").resolve("jwt-keys")).get(0).trim();
        return Base64.getDecoder().decode(first);
    }

    static String kid(byte[] key) {
        return SigningKeys.kid(key);
    }

    static String sign(JsonObject header, JsonObject payload, byte[] key) throws Exception {
        String input = b64(header.encode()) + "." + b64(payload.encode());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static JsonObject claims(String role, long exp) {
        return new JsonObject().put("iss", "tributary").put("sub", "1").put("kind", "user").put("role", role)
                .put("name", "mallory").put("iat", exp - 900).put("exp", exp);
    }

    static JsonObject header(String kid) {
        return new JsonObject().put("alg", "HS256").put("typ", "JWT").put("kid", kid);
    }

    /** {@code token} with its payload's role replaced, the signature kept. */
    static String tampered(String token, String role) {
        String[] parts = token.split("\\.");
        JsonObject p = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        p.put("role", role);
        return parts[0] + "." + b64(p.encode()) + "." + parts[2];
    }

    /** An unsigned token ({@code alg: none}), as the JWT spec allows and we must not. */
    static String algNone(String kid, JsonObject payload) {
        return b64(new JsonObject().put("alg", "none").put("typ", "JWT").put("kid", kid).encode()) + "." + b64(payload.encode()) + ".";
    }
}
