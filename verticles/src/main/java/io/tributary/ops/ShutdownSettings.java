package io.tributary.ops;

import io.tributary.config.Settings;

import java.time.Duration;

/**
 * How a node stops on SIGTERM ({@code shutdown.*}).
 *
 * @param grace the longest the drain may take before the node exits anyway: publishers are told and
 *              closed at once, what is left is held and in-flight requests finishing
 */
public record ShutdownSettings(Duration grace) {

    public static ShutdownSettings from(Settings s) {
        return new ShutdownSettings(s.duration("shutdown.grace", Duration.ofSeconds(1), Duration.ofMinutes(10)));
    }
}
