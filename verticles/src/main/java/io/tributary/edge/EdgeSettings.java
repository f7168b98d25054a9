package io.tributary.edge;

import io.tributary.config.Settings;

import java.time.Duration;

/**
 * How an edge serves and fetches: the {@code edge.*} keys.
 *
 * @param host              interface the edge's HTTP server binds
 * @param port              its port
 * @param cacheBytes        bound on cached bytes (LRU beyond it)
 * @param maxObjectBytes    larger origin responses are refused with 502 (and never cached)
 * @param connectTimeout    connecting to an origin
 * @param originTimeout     whole exchange for a request the origin answers at once (a plain playlist, an init segment)
 * @param holdTimeout       whole exchange for a request the origin may hold (LL-HLS blocking reload, a part
 *                          or segment not complete yet); above the origin's own hold of three target durations
 * @param mediaTtl          how long a segment, part or init stays cached when no hotness hint says otherwise
 * @param negativeTtl       how long a 404 (no such stream, no such object) is remembered, so unknown names
 *                          cause no upstream storm
 * @param registryTtl       how long a stream's origin, once looked up, is reused
 * @param originConnections connections per origin (blocking requests each hold one)
 */
public record EdgeSettings(String host, int port, long cacheBytes, long maxObjectBytes, Duration connectTimeout,
                           Duration originTimeout, Duration holdTimeout, Duration mediaTtl, Duration negativeTtl,
                           Duration registryTtl, int originConnections) {

    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration HOUR = Duration.ofHours(1);

    /** The values of conf/default.yaml, for tests that build an edge without a node. */
    public static EdgeSettings defaults(String host, int port) {
        return new EdgeSettings(host, port, 512L << 20, 32L << 20, Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1), 256);
    }

    /** Reads every {@code edge.*} key; a bad value fails naming its key. */
    public static EdgeSettings from(Settings s) {
        long cache = (long) s.integer("edge.cache-mb", 1, 1 << 20) << 20;
        // an object larger than the whole cache could never be kept: the cache's size bounds it
        long maxObject = Math.min(cache, (long) s.integer("edge.max-object-mb", 1, 1 << 20) << 20);
        return new EdgeSettings(s.string("edge.host"), s.integer("edge.port", 0, 65535), cache, maxObject,
                s.duration("edge.connect-timeout", MS, HOUR), s.duration("edge.origin-timeout", MS, HOUR),
                s.duration("edge.hold-timeout", MS, HOUR), s.duration("edge.media-ttl", MS, Duration.ofDays(1)),
                s.duration("edge.negative-ttl", MS, HOUR), s.duration("edge.registry-ttl", MS, HOUR),
                s.integer("edge.origin-connections", 1, 100_000));
    }

    public EdgeSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("edge port must be 0 to 65535, was " + port);
        }
        if (cacheBytes <= 0 || maxObjectBytes <= 0 || originConnections <= 0) {
            throw new IllegalArgumentException("edge cache bytes, max object bytes and origin connections must be positive");
        }
        for (Duration d : new Duration[]{connectTimeout, originTimeout, holdTimeout, mediaTtl, negativeTtl, registryTtl}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("edge timeouts and TTLs must be positive, got " + d);
            }
        }
    }

    public EdgeSettings withTimeouts(Duration connect, Duration origin, Duration hold) {
        return new EdgeSettings(host, port, cacheBytes, maxObjectBytes, connect, origin, hold, mediaTtl, negativeTtl,
                registryTtl, originConnections);
    }
}
