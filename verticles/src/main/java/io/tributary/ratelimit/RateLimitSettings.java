package io.tributary.ratelimit;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;

/**
 * API rate limits: the {@code ratelimit.*} keys and {@code redis.url}. Each scope's figure is the
 * requests one client may make per {@code period}; 0 leaves that scope unlimited.
 *
 * @param enabled      false: no API request is counted
 * @param period       the period every figure is per (a client's bucket is full again this long after
 *                     its first request of a period)
 * @param user         per signed-in user
 * @param apiKey       per API key
 * @param anonymous    per client address, for callers without a user
 * @param login        per client address, on {@code POST /api/v1/auth/login} (password guessing)
 * @param redisUrl     "" : buckets in the Hazelcast cluster; else a Redis server every node shares
 * @param redisTimeout a Redis answer slower than this counts as a failure (the check falls back)
 * @param keyPrefix    prefix of every bucket key in Redis
 */
public record RateLimitSettings(boolean enabled, Duration period, int user, int apiKey, int anonymous, int login,
                                String redisUrl, Duration redisTimeout, String keyPrefix) {

    public static RateLimitSettings from(Settings s) {
        Object url = s.optional("redis.url");
        String redisUrl = url == null ? "" : String.valueOf(url).trim();
        if (!redisUrl.isEmpty() && !redisUrl.matches("(redis|rediss|unix)://\\S+")) {
            throw ConfigException.invalid("redis.url", "a URL like redis://127.0.0.1:6379 (or rediss://, unix://), or empty", redisUrl);
        }
        String prefix = s.string("ratelimit.key-prefix");
        if (prefix.length() > 64 || prefix.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw ConfigException.invalid("ratelimit.key-prefix", "at most 64 printable characters without spaces", prefix);
        }
        return new RateLimitSettings(s.bool("ratelimit.enabled"),
                s.duration("ratelimit.period", Duration.ofSeconds(1), Duration.ofDays(1)),
                s.integer("ratelimit.user", 0, 100_000_000), s.integer("ratelimit.api-key", 0, 100_000_000),
                s.integer("ratelimit.anonymous", 0, 100_000_000), s.integer("ratelimit.login", 0, 100_000_000),
                redisUrl, s.duration("ratelimit.redis-timeout", Duration.ofMillis(10), Duration.ofSeconds(30)), prefix);
    }

    /** The figures of conf/default.yaml, buckets in Hazelcast (tests and benchmarks). */
    public static RateLimitSettings defaults() {
        return new RateLimitSettings(true, Duration.ofMinutes(1), 100, 10_000, 100, 10, "", Duration.ofMillis(250),
                "tributary:ratelimit:");
    }

    /** The requests per period of {@code scope}; 0: unlimited. */
    public int limit(RateScope scope) {
        return switch (scope) {
            case USER -> user;
            case API_KEY -> apiKey;
            case ANONYMOUS -> anonymous;
            case LOGIN -> login;
        };
    }

    public RateLimitSettings withRedis(String url, String prefix) {
        return new RateLimitSettings(enabled, period, user, apiKey, anonymous, login, url, redisTimeout, prefix);
    }
}
