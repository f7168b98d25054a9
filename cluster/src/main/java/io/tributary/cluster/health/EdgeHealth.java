package io.tributary.cluster.health;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which edges may receive requests, from two sources: passive (the router's own requests
 * that failed or succeeded, nginx {@code max_fails}/{@code fail_timeout} semantics) and active
 * ({@code /health} check results, with {@code fall}/{@code rise} hysteresis). An edge is
 * available when neither has taken it out. Pure logic: time comes from the injected clock
 * (nanoseconds, like {@link System#nanoTime}), the checks themselves are someone else's I/O.
 * Thread-safe; unknown members are not available.
 */
public final class EdgeHealth {

    private static final class State {
        int fails;
        long windowStart;
        long downUntil;
        boolean passiveDown;
        boolean activeDown;
        int activeFails;
        int activePasses;
    }

    private final HealthPolicy policy;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, State> members = new ConcurrentHashMap<>();

    public EdgeHealth(HealthPolicy policy, LongSupplier nanoClock) {
        this.policy = policy;
        this.clock = nanoClock;
    }

    public EdgeHealth(HealthPolicy policy) {
        this(policy, System::nanoTime);
    }

    public HealthPolicy policy() {
        return policy;
    }

    /** Starts tracking {@code member}, available until something says otherwise. */
    public void add(String member) {
        members.putIfAbsent(member, new State());
    }

    public void remove(String member) {
        members.remove(member);
    }

    public List<String> members() {
        return new ArrayList<>(members.keySet());
    }

    /** A request to {@code member} failed (connect error, timeout, 5xx from the edge itself). */
    public void failed(String member) {
        State s = members.get(member);
        if (s == null || policy.maxFails() == 0) {
            return;
        }
        long now = clock.getAsLong();
        long window = policy.failTimeout().toNanos();
        synchronized (s) {
            if (s.fails == 0 || now - s.windowStart > window) {
                s.fails = 0;
                s.windowStart = now;
            }
            if (++s.fails >= policy.maxFails()) {
                s.passiveDown = true;
                s.downUntil = now + window;
                s.fails = 0;
            }
        }
    }

    /** A request to {@code member} succeeded: earlier failures no longer count towards max-fails. */
    public void succeeded(String member) {
        State s = members.get(member);
        if (s != null) {
            synchronized (s) {
                s.fails = 0;
            }
        }
    }

    /** The result of one active {@code /health} check of {@code member}. */
    public void checked(String member, boolean passed) {
        State s = members.get(member);
        if (s == null) {
            return;
        }
        synchronized (s) {
            if (passed) {
                s.activeFails = 0;
                if (s.activeDown && ++s.activePasses >= policy.rise()) {
                    s.activeDown = false;
                    s.activePasses = 0;
                }
            } else {
                s.activePasses = 0;
                if (!s.activeDown && ++s.activeFails >= policy.fall()) {
                    s.activeDown = true;
                    s.activeFails = 0;
                }
            }
        }
    }

    /** True when {@code member} is known and neither passive nor active checks hold it out now. */
    public boolean available(String member) {
        State s = members.get(member);
        if (s == null) {
            return false;
        }
        synchronized (s) {
            if (s.activeDown) {
                return false;
            }
            if (s.passiveDown && clock.getAsLong() - s.downUntil >= 0) {
                s.passiveDown = false;
            }
            return !s.passiveDown;
        }
    }

    /** The members available now. */
    public List<String> available() {
        List<String> out = new ArrayList<>();
        for (String m : members.keySet()) {
            if (available(m)) {
                out.add(m);
            }
        }
        return out;
    }
}
