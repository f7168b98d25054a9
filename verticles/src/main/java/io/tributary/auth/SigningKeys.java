package io.tributary.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HS256 keys of access tokens, each named by a {@code kid} (its SHA-256, abbreviated): the
 * first signs, every one verifies, so a rotation leaves tokens signed before it valid until they
 * expire. From config ({@code auth.jwt-secret} and {@code auth.jwt-previous-secrets}), or
 * generated at first start and kept in {@code data-dir/auth/jwt-keys} (owner-only), one key a line.
 */
public final class SigningKeys {

    /** Rotations keep this many keys: older tokens than the last few rotations have expired. */
    static final int KEPT = 3;

    private final Path file;
    private volatile Map<String, byte[]> keys;
    private volatile String current;

    private SigningKeys(Path file, List<byte[]> secrets) {
        this.file = file;
        install(secrets);
    }

    private void install(List<byte[]> secrets) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (byte[] s : secrets) {
            m.putIfAbsent(kid(s), s);
        }
        keys = m;
        current = kid(secrets.get(0));
    }

    static String kid(byte[] secret) {
        return Tokens.B64URL.encodeToString(Arrays.copyOf(Tokens.sha256(new String(secret, StandardCharsets.ISO_8859_1)), 9));
    }

    /** Keys from {@code settings}, else from (or newly into) {@code dataDir/auth/jwt-keys}. Blocking: a start-up step. */
    public static SigningKeys load(AuthSettings settings, Path dataDir) {
        if (!settings.jwtSecret().isEmpty()) {
            List<byte[]> secrets = new ArrayList<>();
            secrets.add(settings.jwtSecret().getBytes(StandardCharsets.UTF_8));
            settings.previousSecrets().forEach(p -> secrets.add(p.getBytes(StandardCharsets.UTF_8)));
            return new SigningKeys(null, secrets);
        }
        Path file = dataDir.resolve("auth").resolve("jwt-keys");
        try {
            if (Files.isRegularFile(file)) {
                List<byte[]> secrets = new ArrayList<>();
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        secrets.add(java.util.Base64.getDecoder().decode(line.trim()));
                    }
                }
                if (!secrets.isEmpty()) {
                    return new SigningKeys(file, secrets);
                }
            }
            SigningKeys keys = new SigningKeys(file, List.of(fresh()));
            keys.save();
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the token signing key in " + file, e);
        }
    }

    private static byte[] fresh() {
        return java.util.Base64.getUrlDecoder().decode(Tokens.random(32));
    }

    /** A new signing key; the previous ones verify still (the last {@link #KEPT}). Blocking (writes the file). */
    public synchronized String rotate() {
        if (file == null) {
            throw new IllegalStateException("the signing key comes from auth.jwt-secret: rotate it in the config");
        }
        List<byte[]> secrets = new ArrayList<>();
        secrets.add(fresh());
        secrets.addAll(keys.values());
        install(secrets.subList(0, Math.min(KEPT, secrets.size())));
        try {
            save();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return current;
    }

    public boolean rotatable() {
        return file != null;
    }

    private void save() throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder b = new StringBuilder();
        for (byte[] s : keys.values()) {
            b.append(java.util.Base64.getEncoder().encodeToString(s)).append('\n');
        }
        Path tmp = file.resolveSibling("jwt-keys.tmp");
        Files.writeString(tmp, b);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the data-dir's own permissions guard it
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    String currentKid() {
        return current;
    }

    /** Whether {@code kid} names a key of the set (a map lookup: no Mac built). */
    boolean has(String kid) {
        return keys.containsKey(kid);
    }

    /** A MAC keyed with {@code kid}'s key, or null for an unknown kid. A new instance: Mac is not thread-safe. */
    Mac mac(String kid) {
        byte[] secret = keys.get(kid);
        if (secret == null) {
            return null;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
