package io.tributary.playback;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.logging.Logger;

/**
 * The HMAC secret of signed playback URLs: {@code playback.secret} when set (every node and the CMS
 * share it), else one generated once under {@code data-dir/playback-secret} and shared through the
 * cluster map {@code tributary.playback} (the first node's wins), so a token minted on one node
 * opens the stream on every edge and router.
 */
public final class PlaybackSecret {

    private static final Logger LOG = Logger.getLogger(PlaybackSecret.class.getName());
    static final String MAP = "tributary.playback";
    static final String FILE = "playback-secret";

    private PlaybackSecret() {
    }

    public static Future<byte[]> resolve(Vertx vertx, PlaybackSettings settings, Path dataDir, HazelcastInstance hz) {
        if (!settings.secret().isEmpty()) {
            return Future.succeededFuture(settings.secret().getBytes(StandardCharsets.UTF_8));
        }
        return vertx.executeBlocking(() -> { // a file and a cluster map: both block
            String mine = local(dataDir.resolve(FILE));
            String shared = hz.<String, String>getMap(MAP).putIfAbsent("secret", mine);
            if (shared != null && !shared.equals(mine)) {
                LOG.info("playback secret: the cluster's (another node generated it first)");
                return shared.getBytes(StandardCharsets.UTF_8);
            }
            return mine.getBytes(StandardCharsets.UTF_8);
        }, false);
    }

    /** The secret kept under data-dir, generated (32 random bytes, hex) on first start, readable by the owner only. */
    static String local(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                String s = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (s.length() >= 16) {
                    return s;
                }
            }
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            String s = HexFormat.of().formatHex(b);
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(FILE + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, s + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            LOG.info("playback secret generated in " + file + " (signed URLs; set playback.secret to share one with a CMS)");
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("playback secret " + file + ": " + e.getMessage(), e);
        }
    }
}
