package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.ratelimit.RateLimiter;
import io.tributary.ratelimit.RateScope;
import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Credential guessing over gRPC, bounded as on {@code POST /api/v1/auth/login}: every call whose
 * credentials are refused takes a token from its address's login bucket ({@code ratelimit.login}, the
 * same bucket REST logins take from). Once a refused call finds it empty, the address is shut for the
 * bucket's retry time: its calls get RESOURCE_EXHAUSTED before their credentials are looked at, so a
 * right guess then is not told apart from a wrong one. Calls with good credentials take nothing.
 */
final class FailedSignIns {

    /** Addresses shut at once on this node; past it, those whose time is up go, else all (the buckets still count). */
    static final int MAX_SHUT = 10_000;

    /** Null: nothing counted (tests of one component, ratelimit off). */
    private final RateLimiter limits;
    /** Address → System.nanoTime when it opens again. */
    private final Map<String, Long> shut = new ConcurrentHashMap<>();

    FailedSignIns(RateLimiter limits) {
        this.limits = limits;
    }

    /**
     * The caller {@code signIn} finds for a call from {@code address}, or its failure: a 401 for credentials
     * it {@code presented} is counted (a call with none guesses nothing).
     */
    <T> Future<T> signIn(String address, boolean presented, Supplier<Future<T>> signIn) {
        if (limits == null) {
            return signIn.get();
        }
        Long until = shut.get(address);
        if (until != null) {
            long left = until - System.nanoTime();
            if (left > 0) {
                return Future.failedFuture(refusal(Math.max(1, (left + 999_999_999L) / 1_000_000_000L)));
            }
            shut.remove(address, until);
        }
        return signIn.get().recover(e -> {
            if (!presented || !(e instanceof StatusException s) || s.status() != 401) {
                return Future.failedFuture(e);
            }
            return limits.check(RateScope.LOGIN, address).compose(a -> {
                if (a.allowed()) {
                    return Future.failedFuture(e);
                }
                shutFor(address, Math.max(1, a.retryAfterSeconds()));
                return Future.failedFuture(refusal(Math.max(1, a.retryAfterSeconds())));
            });
        });
    }

    private void shutFor(String address, long seconds) {
        long now = System.nanoTime();
        if (shut.size() >= MAX_SHUT) {
            shut.values().removeIf(t -> t - now <= 0);
            if (shut.size() >= MAX_SHUT) {
                shut.clear();
            }
        }
        shut.put(address, now + seconds * 1_000_000_000L);
    }

    private static StatusException refusal(long seconds) {
        return new StatusException(429, "too many failed sign-ins from this address (ratelimit.login); retry in " + seconds + " s");
    }
}
