package io.tributary.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Buckets in Redis, shared by every node that names the same server: one Lua script per take, run
 * atomically by Redis, sent as {@code EVALSHA} (its SHA-1 only) and as {@code EVAL} when the server
 * does not know it yet ({@code NOSCRIPT}: after a restart or {@code SCRIPT FLUSH}), which caches it again.
 * The period is the key's expiry, on Redis' clock: a bucket is a counter that disappears when its
 * period ends, so idle clients leave nothing behind.
 */
public final class RedisBuckets implements RateBuckets {

    /**
     * KEYS[1] the bucket, ARGV[1] its tokens, ARGV[2] the period in ms. Answers {allowed, tokens left,
     * ms until full}. A refused take changes nothing; a counter found without expiry (written by
     * someone else) gets one, so no key lives forever.
     */
    static final String SCRIPT = """
            local limit = tonumber(ARGV[1])
            local used = tonumber(redis.call('GET', KEYS[1]) or '0')
            local allowed = 0
            if used < limit then
              used = redis.call('INCR', KEYS[1])
              allowed = 1
            end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              ttl = tonumber(ARGV[2])
            end
            return {allowed, limit - used, ttl}
            """;
    static final String SHA = sha1(SCRIPT);

    private static final Logger LOG = Logger.getLogger(RedisBuckets.class.getName());
    static final long START_TIMEOUT_MS = 5000;

    private final Redis redis;
    private final long timeoutMillis;

    private RedisBuckets(Redis redis, long timeoutMillis) {
        this.redis = redis;
        this.timeoutMillis = timeoutMillis;
    }

    /** A pooled client of {@code url}; connects on the first take. */
    public static RedisBuckets connect(Vertx vertx, String url, Duration timeout) {
        RedisOptions options = new RedisOptions().setConnectionString(url)
                // every event loop of the node checks at once; waiting beyond the pool is bounded too
                .setMaxPoolSize(8).setMaxPoolWaiting(1024).setMaxWaitingHandlers(4096)
                .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) Math.max(1, timeout.toMillis()))
                        .setTcpNoDelay(true).setTcpKeepAlive(true));
        return new RedisBuckets(Redis.createClient(vertx, options), timeout.toMillis());
    }

    /**
     * Connects and loads the script ({@code SCRIPT LOAD}) before the first request: a cold client's
     * first connection can take longer than the per-take timeout, which would send the first
     * requests to the fallback.
     */
    @Override
    public Future<Void> start() {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(SCRIPT)).timeout(START_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .<Void>mapEmpty().otherwise(e -> {
                    LOG.warning("rate limits: Redis did not answer at start (" + e.getMessage() + "); checks fall back to Hazelcast while it does not");
                    return null;
                });
    }

    @Override
    public Future<Allowance> take(String key, int limit, long periodMillis) {
        return redis.send(script(Command.EVALSHA, SHA, key, limit, periodMillis))
                .recover(e -> noScript(e) ? redis.send(script(Command.EVAL, SCRIPT, key, limit, periodMillis)) : Future.failedFuture(e))
                .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .map(RedisBuckets::allowance);
    }

    private static Request script(Command command, String script, String key, int limit, long periodMillis) {
        return Request.cmd(command).arg(script).arg(1).arg(key).arg(limit).arg(periodMillis);
    }

    private static boolean noScript(Throwable e) {
        return String.valueOf(e.getMessage()).startsWith("NOSCRIPT");
    }

    private static Allowance allowance(Response r) {
        if (r == null || r.size() != 3) {
            throw new IllegalStateException("unexpected answer from the rate-limit script: " + r);
        }
        return new Allowance(r.get(0).toLong() == 1, Math.max(0, r.get(1).toLong()), Math.max(0, r.get(2).toLong()));
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Future<Void> close() {
        return redis.close();
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
