package io.tributary.vod;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.nio.file.Path;
import java.time.Duration;

/**
 * VOD (the {@code vod.*} keys): uploads, the catalog and the transcode workers.
 *
 * @param enabled        false: no catalog, no workers, no /vod (and no PostgreSQL started for it)
 * @param maxUpload      bytes one upload or import may have; beyond, 413 and nothing kept
 * @param importDir      the only directory {@code {"source":"file:///..."}} may name files under; null: imports refused
 * @param workers        transcode-worker verticles on this node (scalable at runtime); 0: none (an API node beside worker nodes)
 * @param lease          how long a claimed job is a worker's without a renewal; renewed every third of it
 * @param maxAttempts    claims a job gets before a lapsed lease fails it
 * @param segmentTarget  CMAF segment duration (every rung's GOP)
 * @param pollInterval   how often an idle worker looks for a queued job
 * @param sources        how {@code {"source":"https://..."}} fetches go
 * @param encrypt        new assets are AES-128 unless their upload says {@code encryption=none} ({@code vod.encryption})
 * @param maxEncrypting  encrypted assets' objects read, encrypted or being written to viewers at once on this node, at most
 *                       (each holds a segment twice in memory); beyond, a 503 with Retry-After ({@code vod.encryption-max-concurrent})
 */
public record VodSettings(boolean enabled, long maxUpload, Path importDir, int workers, Duration lease, int maxAttempts,
                          Duration segmentTarget, Duration pollInterval, Sources sources, boolean encrypt, int maxEncrypting) {

    public static final int DEFAULT_MAX_ENCRYPTING = 16;

    /**
     * Fetching sources over HTTPS (the {@code vod.*} source keys).
     *
     * @param allowPrivate loopback, private, link-local and other non-public addresses may be fetched from
     * @param timeout      the whole fetch, redirects included, at most this long (then a 400 naming the source)
     * @param maxRedirects redirects followed at most (each one's target checked like the first)
     * @param trust        PEM certificates the fetch trusts instead of the JVM's public CAs; null: the JVM's
     */
    public record Sources(boolean allowPrivate, Duration timeout, int maxRedirects, Path trust) {
        public static final Sources DEFAULT = new Sources(false, Duration.ofMinutes(10), 3, null);
    }

    /** Without source fetch settings: the defaults; nothing encrypted unless an upload asks. */
    public VodSettings(boolean enabled, long maxUpload, Path importDir, int workers, Duration lease, int maxAttempts,
                       Duration segmentTarget, Duration pollInterval) {
        this(enabled, maxUpload, importDir, workers, lease, maxAttempts, segmentTarget, pollInterval, Sources.DEFAULT, false,
                DEFAULT_MAX_ENCRYPTING);
    }

    public static VodSettings from(Settings s) {
        String dir = s.string("vod.import-dir").trim();
        Path importDir = dir.isEmpty() ? null : Path.of(dir).toAbsolutePath().normalize();
        long max = size(s, "vod.max-upload");
        if (max < 1) {
            throw ConfigException.invalid("vod.max-upload", "a size above 0, like 2GB", s.string("vod.max-upload"));
        }
        return new VodSettings(s.bool("vod.enabled"), max, importDir, s.integer("vod.workers", 0, 64),
                s.duration("vod.lease", Duration.ofSeconds(1), Duration.ofHours(1)), s.integer("vod.max-attempts", 1, 100),
                s.duration("vod.segment-target", Duration.ofMillis(500), Duration.ofSeconds(20)),
                s.duration("vod.poll-interval", Duration.ofMillis(50), Duration.ofMinutes(1)),
                new Sources(s.bool("vod.allow-private-sources"), s.duration("vod.fetch-timeout", Duration.ofSeconds(1), Duration.ofHours(6)),
                        s.integer("vod.fetch-redirects", 0, 10), trust(s)),
                s.choice("vod.encryption", io.tributary.playback.PlaybackSettings.Encryption.class)
                        == io.tributary.playback.PlaybackSettings.Encryption.AES_128,
                s.integer("vod.encryption-max-concurrent", 1, 1024));
    }

    private static Path trust(Settings s) {
        Object v = s.optional("vod.source-trust");
        if (v == null) {
            return null;
        }
        Path p = Path.of(String.valueOf(v).trim()).toAbsolutePath().normalize();
        if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isReadable(p)) {
            throw ConfigException.invalid("vod.source-trust", "a readable PEM file", p);
        }
        return p;
    }

    private static long size(Settings s, String key) {
        return s.size(key, "a size like 500MB, 2GB or 1TB");
    }
}
