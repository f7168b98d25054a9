package io.tributary.testing;

import io.tributary.Node;
import io.tributary.vod.VodTestMedia;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A node that publishes VOD assets quickly (one transcode worker, 1 s segments, the catalog polled every
 * 200 ms, no live ladder) and an asset published on it from a source the test makes.
 */
public final class VodAssets {

    private VodAssets() {
    }

    /** The environment of such a node, its data under {@code dir}/data; the caller adds its own keys. */
    public static Map<String, String> env(Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "1");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        return env;
    }

    /**
     * Writes a 640x360, 25 fps source of {@code seconds} to {@code dir}/{@code file}, uploads it titled {@code title}
     * (URL-encoded) with {@code bearer} as its token (none when null) and waits until it is published; its id.
     */
    public static String publish(Node node, Path dir, String file, double seconds, String title, String bearer) throws Exception {
        return VodTestMedia.publish(node, VodTestMedia.write(dir.resolve(file), 640, 360, seconds, 25), title, bearer);
    }
}
