package io.tributary.auth;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;
import java.util.List;

/**
 * Accounts and tokens (the {@code auth.*} keys).
 *
 * @param enabled            false: no accounts, every API route open (a lab setting; start-up says so)
 * @param adminUser          the first admin's name
 * @param adminPassword      when set and no account of that name exists, it is created as admin at start;
 *                           empty: a one-time bootstrap token is logged instead while no admin exists
 * @param accessTtl          an access token's lifetime (a JWT: not revocable, so short)
 * @param refreshTtl         a refresh token's lifetime
 * @param jwtSecret          the HS256 signing key (32 characters at least); empty: one generated and kept
 *                           under {@code data-dir/auth} (a cluster sets the same key on every node)
 * @param previousSecrets    keys that signed before a rotation: still accepted until their tokens expire
 * @param passwordIterations PBKDF2-HMAC-SHA256 rounds for new password hashes
 */
public record AuthSettings(boolean enabled, String adminUser, String adminPassword, Duration accessTtl, Duration refreshTtl,
                           String jwtSecret, List<String> previousSecrets, int passwordIterations) {

    static final int MIN_SECRET = 32;

    public static AuthSettings from(Settings s) {
        String user = s.string("auth.admin-user");
        if (!Accounts.validName(user)) {
            throw ConfigException.invalid("auth.admin-user", "a name of letters, digits, '.', '-', '_', '@' (1-64)", user);
        }
        Object pw = s.optional("auth.admin-password");
        String password = pw == null ? "" : String.valueOf(pw);
        if (!password.isEmpty() && password.length() < Passwords.MIN_LENGTH) {
            throw new ConfigException("config key 'auth.admin-password' must have " + Passwords.MIN_LENGTH
                    + " characters at least");
        }
        Object secret = s.optional("auth.jwt-secret");
        String jwt = secret == null ? "" : String.valueOf(secret).trim();
        if (!jwt.isEmpty() && jwt.length() < MIN_SECRET) {
            throw new ConfigException("config key 'auth.jwt-secret' must have " + MIN_SECRET + " characters at least");
        }
        List<String> previous = s.list("auth.jwt-previous-secrets");
        for (String p : previous) {
            if (p.length() < MIN_SECRET) {
                throw new ConfigException("config key 'auth.jwt-previous-secrets' holds a key shorter than " + MIN_SECRET
                        + " characters");
            }
        }
        return new AuthSettings(s.bool("auth.enabled"), user, password,
                s.duration("auth.access-ttl", Duration.ofSeconds(1), Duration.ofHours(24)),
                s.duration("auth.refresh-ttl", Duration.ofMinutes(1), Duration.ofDays(365)),
                jwt, List.copyOf(previous), s.integer("auth.password-iterations", 1_000, 10_000_000));
    }
}
