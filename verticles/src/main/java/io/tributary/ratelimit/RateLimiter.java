package io.tributary.ratelimit;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.StatusException;
import io.tributary.http.Routers;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The API's rate limits, as a route handler for {@code /api/*} mounted after authentication: a
 * request takes a token from its client's bucket (the user's or API key's when {@code ctx.user()} is
 * set, the client address's otherwise, the address's login bucket on {@code POST /api/v1/auth/login})
 * and is refused with 429, {@code Retry-After} and problem details when the bucket is empty. Every
 * answer it lets through or refuses carries {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset}.
 * The player's own API calls (the clock, QoE beacons, which have their own per-address bound) and
 * media are not counted here.
 *
 * <p>Buckets live in Redis when {@code redis.url} is set, else in Hazelcast. When Redis fails or
 * answers late, the check falls back to the Hazelcast buckets (still cluster-wide, counts begun
 * afresh) and Redis is left alone for {@link #REDIS_RETRY_MS} before it is tried again: the API stays
 * limited rather than open or shut. Only if that fails too is the request let through unchecked,
 * counted in {@code tributary_ratelimit_unchecked_total}.
 */
public final class RateLimiter implements Handler<RoutingContext> {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class.getName());

    public static final String LOGIN_PATH = "/api/v1/auth/login";
    /** What a player calls on the API: bounded elsewhere (beacons per address) or cheap (the clock). */
    static final Set<String> PLAYER_API = Routers.PLAYER_PATHS.stream().filter(p -> p.startsWith("/api/"))
            .collect(Collectors.toUnmodifiableSet());
    /** After a Redis failure, checks go to Hazelcast this long before Redis is tried again. */
    static final long REDIS_RETRY_MS = 5000;
    /** Longer client ids (a subject is the auth module's to bound) are hashed: keys stay short. */
    private static final int MAX_ID = 96;
    private static final Allowance UNCHECKED = new Allowance(true, -1, 0);

    private final RateLimitSettings settings;
    private final RateBuckets primary;
    /** Hazelcast when the primary is Redis; else null. */
    private final RateBuckets fallback;
    private final Map<RateScope, Counter> rejected = new EnumMap<>(RateScope.class);
    private final Timer primaryTimer;
    private final Timer fallbackTimer;
    private final Counter primaryErrors;
    private final Counter fallbackErrors;
    private final Counter unchecked;
    /** System.nanoTime until which Redis is not asked (0: ask). */
    private volatile long primaryDownUntil;

    RateLimiter(RateLimitSettings settings, RateBuckets primary, RateBuckets fallback, MeterRegistry registry) {
        this.settings = settings;
        this.primary = primary;
        this.fallback = fallback;
        for (RateScope scope : RateScope.values()) {
            rejected.put(scope, Counter.builder("tributary_ratelimit_rejected").tag("scope", scope.label())
                    .description("API requests refused with 429 by a rate limit").register(registry));
        }
        primaryTimer = timer(registry, primary.name());
        primaryErrors = errors(registry, primary.name());
        fallbackTimer = fallback == null ? null : timer(registry, fallback.name());
        fallbackErrors = fallback == null ? null : errors(registry, fallback.name());
        unchecked = Counter.builder("tributary_ratelimit_unchecked")
                .description("API requests let through unchecked because no bucket store answered").register(registry);
    }

    /** The node's limiter: Redis buckets when {@code redis.url} is set (Hazelcast as the fallback), else Hazelcast's. */
    public static RateLimiter create(Vertx vertx, RateLimitSettings settings, HazelcastInstance hz, MeterRegistry registry) {
        HazelcastBuckets cluster = new HazelcastBuckets(vertx, hz);
        if (settings.redisUrl().isEmpty()) {
            return new RateLimiter(settings, cluster, null, registry);
        }
        return new RateLimiter(settings, RedisBuckets.connect(vertx, settings.redisUrl(), settings.redisTimeout()), cluster, registry);
    }

    private static Timer timer(MeterRegistry registry, String store) {
        return Timer.builder("tributary_ratelimit_check").tag("store", store)
                .description("one rate-limit check: the round trip to the bucket store")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(1)).register(registry);
    }

    private static Counter errors(MeterRegistry registry, String store) {
        return Counter.builder("tributary_ratelimit_store_errors").tag("store", store)
                .description("rate-limit checks the bucket store failed or answered late").register(registry);
    }

    /** The store buckets are counted in now ({@code redis} or {@code hazelcast}). */
    public String store() {
        return fallback != null && primaryDown() ? fallback.name() : primary.name();
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (!settings.enabled()) {
            ctx.next();
            return;
        }
        RateScope scope = scope(ctx);
        int limit = scope == null ? 0 : settings.limit(scope);
        if (limit == 0) {
            ctx.next();
            return;
        }
        String id = scope == RateScope.USER || scope == RateScope.API_KEY
                ? String.valueOf(ctx.user().principal().getValue("sub"))
                : address(io.tributary.http.TrustedProxies.of(ctx.vertx()).client(ctx.request())); // a trusted proxy's X-Forwarded-For
        HttpServerRequest req = ctx.request();
        // a body must wait for its handler, which comes after this answer
        if (!req.isEnded()) {
            req.pause();
        }
        check(scope, id).onComplete(ar -> {
            if (!req.isEnded()) {
                req.resume();
            }
            Allowance a = ar.result();
            if (a.remaining() >= 0) {
                ctx.response().putHeader("RateLimit-Limit", Integer.toString(limit))
                        .putHeader("RateLimit-Remaining", Long.toString(a.remaining()))
                        .putHeader("RateLimit-Reset", Long.toString(a.retryAfterSeconds()));
            }
            if (a.allowed()) {
                ctx.next();
                return;
            }
            rejected.get(scope).increment();
            ctx.response().putHeader("Retry-After", Long.toString(a.retryAfterSeconds()));
            ctx.fail(new StatusException(429, "too many requests " + whose(scope) + " (limit " + limit + " per "
                    + settings.period().toSeconds() + " s); retry in " + a.retryAfterSeconds() + " s"));
        });
    }

    /**
     * Takes one token from {@code id}'s bucket of {@code scope}. Never fails: a store that fails is
     * counted, and the answer comes from the fallback, or lets the request through. With
     * {@code ratelimit.enabled: false} nothing is counted (every door, REST and gRPC, asks here).
     */
    public Future<Allowance> check(RateScope scope, String id) {
        int limit = settings.limit(scope);
        if (limit == 0 || !settings.enabled()) {
            return Future.succeededFuture(UNCHECKED);
        }
        String key = settings.keyPrefix() + scope.label() + ":" + bounded(id);
        long period = settings.period().toMillis();
        if (fallback != null && primaryDown()) {
            return take(fallback, fallbackTimer, fallbackErrors, key, limit, period);
        }
        long start = System.nanoTime();
        return safely(primary, key, limit, period).transform(ar -> {
            primaryTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (ar.succeeded()) {
                if (primaryDownUntil != 0) {
                    primaryDownUntil = 0;
                    LOG.info("rate limits: " + primary.name() + " answers again; buckets are counted there");
                }
                return Future.succeededFuture(ar.result());
            }
            primaryErrors.increment();
            if (fallback == null) {
                unchecked.increment();
                return Future.succeededFuture(UNCHECKED);
            }
            if (primaryDownUntil == 0) {
                LOG.warning("rate limits: " + primary.name() + " failed (" + ar.cause().getMessage() + "); buckets counted in "
                        + fallback.name() + ", " + primary.name() + " retried every " + REDIS_RETRY_MS / 1000 + " s");
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REDIS_RETRY_MS);
            primaryDownUntil = until == 0 ? 1 : until; // 0 means up
            return take(fallback, fallbackTimer, fallbackErrors, key, limit, period);
        });
    }

    /** A store that throws (a Hazelcast member shutting down) fails its future like any other failure. */
    private static Future<Allowance> safely(RateBuckets store, String key, int limit, long period) {
        try {
            return store.take(key, limit, period);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private boolean primaryDown() {
        long until = primaryDownUntil;
        return until != 0 && System.nanoTime() - until < 0;
    }

    private Future<Allowance> take(RateBuckets store, Timer timer, Counter errors, String key, int limit, long period) {
        long start = System.nanoTime();
        return safely(store, key, limit, period).transform(ar -> {
            timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (ar.succeeded()) {
                return Future.succeededFuture(ar.result());
            }
            errors.increment();
            unchecked.increment();
            return Future.succeededFuture(UNCHECKED);
        });
    }

    /** Whose bucket: login attempts by address, a user or API key when authenticated, else the address; null: not counted. */
    static RateScope scope(RoutingContext ctx) {
        String path = path(ctx);
        if (PLAYER_API.contains(path)) {
            return null;
        }
        if (ctx.request().method() == HttpMethod.POST && LOGIN_PATH.equals(path)) {
            return RateScope.LOGIN;
        }
        User user = ctx.user();
        JsonObject principal = user == null ? null : user.principal();
        if (principal == null || principal.getValue("sub") == null) {
            return RateScope.ANONYMOUS;
        }
        return "apikey".equals(principal.getValue("kind")) ? RateScope.API_KEY : RateScope.USER;
    }

    private static String whose(RateScope scope) {
        return switch (scope) {
            case USER -> "for this user";
            case API_KEY -> "for this API key";
            case ANONYMOUS -> "from this address";
            case LOGIN -> "to log in from this address";
        };
    }

    private static String path(RoutingContext ctx) {
        try {
            String p = ctx.normalizedPath();
            String path = p != null ? p : String.valueOf(ctx.request().path());
            return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        } catch (IllegalArgumentException e) {
            return String.valueOf(ctx.request().path());
        }
    }

    /**
     * The client's address as a bucket id: an IPv6 client by its /64 (one host commonly holds a whole
     * /64 and could otherwise take a new bucket per request), an IPv4 one whole.
     */
    public static String address(SocketAddress a) {
        return address(a == null ? null : a.hostAddress() != null ? a.hostAddress() : a.host());
    }

    /** {@link #address(SocketAddress)} of an address already read (the client's, behind a trusted proxy). */
    static String address(String host) {
        if (host == null || host.isEmpty()) {
            return "?";
        }
        if (host.indexOf(':') < 0) {
            return host;
        }
        try {
            byte[] b = InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host).getAddress();
            if (b.length == 16) {
                return HexFormat.of().formatHex(b, 0, 8) + "::/64";
            }
        } catch (UnknownHostException | IllegalArgumentException e) {
            // a literal that does not parse: counted as it is written
        }
        return host;
    }

    private static String bounded(String id) {
        if (id.length() <= MAX_ID && id.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            return id;
        }
        try {
            return "sha256-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Readies the bucket store; never fails (a store that does not answer is the fallback's case). */
    public Future<Void> start() {
        return primary.start();
    }

    public Future<Void> close() {
        return primary.close();
    }
}
