package io.tributary.auth;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JwtTest {

    private static AuthSettings settings(String secret, List<String> previous) {
        return new AuthSettings(true, "admin", "", Duration.ofMinutes(15), Duration.ofDays(30), secret, previous, 1000);
    }

    private static String refusal(Jwt jwt, String token) {
        return assertThrows(AuthException.class, () -> jwt.verify(token)).getMessage();
    }

    @Test
    void issuedTokensVerifyAndForgedOnesDoNot(@TempDir Path dir) throws Exception {
        SigningKeys keys = SigningKeys.load(settings("", List.of()), dir);
        Jwt jwt = new Jwt(keys, Clock.systemUTC());
        String token = jwt.issue("7", "user", Role.EDITOR, "ed", Duration.ofMinutes(15));
        Jwt.Claims c = jwt.verify(token);
        assertEquals("7", c.sub());
        assertEquals(Role.EDITOR, c.role());
        assertEquals("user", c.kind());

        byte[] key = JwtForge.nodeKey(dir);
        long exp = Instant.now().getEpochSecond() + 600;
        // the same key signs what the node would accept: the forge is faithful
        assertEquals(Role.ADMIN, jwt.verify(JwtForge.sign(JwtForge.header(keys.currentKid()), JwtForge.claims("admin", exp), key)).role());

        assertTrue(refusal(jwt, JwtForge.tampered(token, "admin")).contains("signature"));
        assertTrue(refusal(jwt, JwtForge.algNone(keys.currentKid(), JwtForge.claims("admin", exp))).contains("HS256"));
        byte[] other = new byte[32];
        assertTrue(refusal(jwt, JwtForge.sign(JwtForge.header(keys.currentKid()), JwtForge.claims("admin", exp), other))
                .contains("signature"));
        assertTrue(refusal(jwt, JwtForge.sign(JwtForge.header(JwtForge.kid(other)), JwtForge.claims("admin", exp), other))
                .contains("unknown key"));
        assertTrue(refusal(jwt, JwtForge.sign(JwtForge.header(keys.currentKid()).put("alg", "HS512"), JwtForge.claims("admin", exp), key))
                .contains("HS256"));
        assertTrue(refusal(jwt, JwtForge.sign(JwtForge.header(keys.currentKid()), JwtForge.claims("admin", exp - 1200), key))
                .contains("expired"));
        assertTrue(refusal(jwt, "a.b").contains("malformed"));
        assertTrue(refusal(jwt, "x".repeat(5000)).contains("too long"));
    }

    @Test
    void aTokenExpiresAfterItsLifetime(@TempDir Path dir) {
        SigningKeys keys = SigningKeys.load(settings("", List.of()), dir);
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        String token = new Jwt(keys, Clock.fixed(t0, ZoneOffset.UTC)).issue("1", "user", Role.VIEWER, "v", Duration.ofSeconds(30));
        new Jwt(keys, Clock.fixed(t0.plusSeconds(29), ZoneOffset.UTC)).verify(token);
        assertTrue(refusal(new Jwt(keys, Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC)), token).contains("expired"));
    }

    @Test
    void rotationKeepsOldTokensValidAndSignsWithTheNewKey(@TempDir Path dir) {
        SigningKeys keys = SigningKeys.load(settings("", List.of()), dir);
        Jwt jwt = new Jwt(keys, Clock.systemUTC());
        String before = jwt.issue("1", "user", Role.ADMIN, "a", Duration.ofMinutes(5));
        String oldKid = keys.currentKid();
        String newKid = keys.rotate();
        assertNotEquals(oldKid, newKid);
        String after = jwt.issue("1", "user", Role.ADMIN, "a", Duration.ofMinutes(5));
        jwt.verify(before);
        jwt.verify(after);
        assertTrue(new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(after.split("\\.")[0]))).getString("kid").equals(newKid));
        // kept on disk: a restarted node still verifies both
        Jwt restarted = new Jwt(SigningKeys.load(settings("", List.of()), dir), Clock.systemUTC());
        restarted.verify(before);
        restarted.verify(after);
        // beyond the kept keys, the oldest is dropped
        for (int i = 0; i < SigningKeys.KEPT; i++) {
            keys.rotate();
        }
        assertTrue(refusal(jwt, before).contains("unknown key"));
    }

    @Test
    void configuredSecretsVerifyTheirPredecessors() {
        String old = "o".repeat(40);
        String now = "n".repeat(40);
        Jwt before = new Jwt(SigningKeys.load(settings(old, List.of()), Path.of("unused")), Clock.systemUTC());
        String token = before.issue("1", "apikey", Role.EDITOR, "ci", Duration.ofMinutes(5));
        Jwt after = new Jwt(SigningKeys.load(settings(now, List.of(old)), Path.of("unused")), Clock.systemUTC());
        assertEquals(Role.EDITOR, after.verify(token).role());
        Jwt without = new Jwt(SigningKeys.load(settings(now, List.of()), Path.of("unused")), Clock.systemUTC());
        assertTrue(refusal(without, token).contains("unknown key"));
    }

    @Test
    void passwordsVerifyOnlyThemselves() {
        Passwords p = new Passwords(1000);
        String h = p.hash("correct horse");
        assertTrue(h.startsWith("pbkdf2-sha256$1000$"));
        assertTrue(p.verify("correct horse", h));
        assertEquals(false, p.verify("correct horsf", h));
        assertEquals(false, p.verify("correct horse", null));
        assertNotEquals(h, p.hash("correct horse"), "salted");
    }
}
