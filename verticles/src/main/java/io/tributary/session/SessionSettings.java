package io.tributary.session;

import io.tributary.config.Settings;

import java.time.Duration;

/**
 * Player sessions (the {@code sessions.*} keys): off means no session work at all (the benchmark's baseline).
 *
 * @param maxPerNode sessions this node tracks at once; beyond it requests are served unattributed
 */
public record SessionSettings(boolean enabled, Duration idleTimeout, Duration flushInterval, int maxPerNode) {

    public static SessionSettings from(Settings s) {
        return new SessionSettings(s.bool("sessions.enabled"),
                s.duration("sessions.idle-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                s.duration("sessions.flush-interval", Duration.ofMillis(100), Duration.ofMinutes(1)),
                s.integer("sessions.max-per-node", 1, 10_000_000));
    }
}
