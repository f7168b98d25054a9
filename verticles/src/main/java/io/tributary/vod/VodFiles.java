package io.tributary.vod;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The VOD disk layout under {@code data-dir/vod}: {@code uploads/{id}} (sources as received),
 * {@code work/{id}-{job}-{attempt}} (a pipeline's output until it is published) and {@code {id}/}
 * (what {@code /vod/{id}/} serves). Asset ids are {@code a} and 16 hex digits, so no id names
 * {@code uploads} or {@code work}.
 */
final class VodFiles {

    static final Pattern ID = Pattern.compile("a[0-9a-f]{16}");

    private final Path root;

    VodFiles(Path dataDir) {
        this.root = dataDir.resolve("vod").toAbsolutePath().normalize();
    }

    static String newId() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return "a" + HexFormat.of().formatHex(b);
    }

    Path root() {
        return root;
    }

    Path uploads() {
        return root.resolve("uploads");
    }

    /** Where an upload is written until it is complete. */
    Path partial(String id) {
        return uploads().resolve(id + ".part");
    }

    /** The stored name of an asset's source (relative to the root, as the catalog keeps it). */
    static String sourceName(String id) {
        return "uploads/" + id;
    }

    Path source(String relative) throws IOException {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(uploads())) {
            throw new IOException("source " + relative + " is not under " + uploads());
        }
        return p;
    }

    Path work(String id, long job, int attempt) {
        return root.resolve("work").resolve(id + "-" + job + "-" + attempt);
    }

    Path published(String id) {
        return root.resolve(id);
    }

    /**
     * At start-up, before this node's workers run: work directories and partial uploads are what a
     * previous run of this node left when it stopped mid-way (their jobs are retried, the uploads
     * were never registered).
     */
    void clearLeftovers() throws IOException {
        VodTranscode.deleteTree(root.resolve("work"));
        if (Files.isDirectory(uploads())) {
            try (var list = Files.list(uploads())) {
                for (Path p : list.filter(p -> p.getFileName().toString().endsWith(".part")).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Removes everything of an asset: its source, its published media and any work in progress. */
    void deleteAll(String id) throws IOException {
        Files.deleteIfExists(uploads().resolve(id));
        Files.deleteIfExists(partial(id));
        VodTranscode.deleteTree(published(id));
        Path work = root.resolve("work");
        if (Files.isDirectory(work)) {
            try (var list = Files.list(work)) {
                for (Path p : list.filter(p -> p.getFileName().toString().startsWith(id + "-")).toList()) {
                    VodTranscode.deleteTree(p);
                }
            }
        }
    }
}
