package io.tributary.auth;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Password hashes: PBKDF2-HMAC-SHA256 from the JDK, a random 16-byte salt, stored as
 * {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} so a raised iteration count leaves old hashes valid.
 * Slow on purpose (hundreds of ms): call from a worker thread, never the event loop.
 */
public final class Passwords {

    static final int MIN_LENGTH = 8;
    /** Longer passwords cost PBKDF2 more per round; nobody types more. */
    static final int MAX_LENGTH = 256;
    private static final String SCHEME = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final int iterations;
    /** A hash of nothing anybody knows: an unknown name costs as much as a wrong password. */
    private final String decoy;

    public Passwords(int iterations) {
        this.iterations = iterations;
        this.decoy = hash(Tokens.random(24));
    }

    public String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return SCHEME + "$" + iterations + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(derive(password, salt, iterations));
    }

    /** Whether {@code password} matches {@code stored}; a null {@code stored} checks against the decoy (false). */
    public boolean verify(String password, String stored) {
        String[] parts = (stored == null ? decoy : stored).split("\\$");
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            return false;
        }
        int rounds = Integer.parseInt(parts[1]);
        byte[] expected = B64D.decode(parts[3]);
        boolean ok = MessageDigest.isEqual(derive(password, B64D.decode(parts[2]), rounds), expected);
        return ok && stored != null;
    }

    private static byte[] derive(String password, byte[] salt, int rounds) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, rounds, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** A 400-worthy problem with a new password, or null. */
    static String problem(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            return "password must have " + MIN_LENGTH + " characters at least";
        }
        if (password.length() > MAX_LENGTH) {
            return "password must have " + MAX_LENGTH + " characters at most";
        }
        return null;
    }
}
