package io.tributary.ratelimit;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimitSettingsTest {

    @Test
    void theShippedFiguresAreTheSeedsAndTheDefaultsTestsUse() {
        RateLimitSettings s = TributaryConfig.load(null, Map.of()).rateLimit();
        assertEquals(RateLimitSettings.defaults(), s);
        assertEquals(100, s.limit(RateScope.USER));
        assertEquals(10_000, s.limit(RateScope.API_KEY));
        assertEquals(Duration.ofMinutes(1), s.period());
        assertEquals("", s.redisUrl());
    }

    @Test
    void everyKeyIsSettableFromTheEnvironment() {
        RateLimitSettings s = TributaryConfig.load(null, Map.of("TRIBUTARY_RATELIMIT_ENABLED", "false",
                "TRIBUTARY_RATELIMIT_PERIOD", "30s", "TRIBUTARY_RATELIMIT_USER", "7", "TRIBUTARY_RATELIMIT_API_KEY", "8",
                "TRIBUTARY_RATELIMIT_ANONYMOUS", "9", "TRIBUTARY_RATELIMIT_LOGIN", "0",
                "TRIBUTARY_RATELIMIT_REDIS_TIMEOUT", "100ms", "TRIBUTARY_RATELIMIT_KEY_PREFIX", "x:",
                "TRIBUTARY_REDIS_URL", "redis://10.1.2.3:6380")).rateLimit();
        assertEquals(new RateLimitSettings(false, Duration.ofSeconds(30), 7, 8, 9, 0, "redis://10.1.2.3:6380",
                Duration.ofMillis(100), "x:"), s);
    }

    @Test
    void aBadValueStopsStartUpNamingItsKey() {
        ConfigException url = assertThrows(ConfigException.class,
                () -> TributaryConfig.load(null, Map.of("TRIBUTARY_REDIS_URL", "127.0.0.1:6379")));
        assertTrue(url.getMessage().contains("'redis.url'"), url.getMessage());
        ConfigException limit = assertThrows(ConfigException.class,
                () -> TributaryConfig.load(null, Map.of("TRIBUTARY_RATELIMIT_USER", "-1")));
        assertTrue(limit.getMessage().contains("'ratelimit.user'"), limit.getMessage());
        ConfigException prefix = assertThrows(ConfigException.class,
                () -> TributaryConfig.load(null, Map.of("TRIBUTARY_RATELIMIT_KEY_PREFIX", "a b")));
        assertTrue(prefix.getMessage().contains("'ratelimit.key-prefix'"), prefix.getMessage());
    }
}
