package io.tributary.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * External programs some tests drive (Chromium, promtool, npm), found on the PATH. Missing, the
 * test is skipped with a message saying what to install, unless {@code TRIBUTARY_REQUIRE_TOOLS=1}
 * (CI sets it): then a missing tool fails the test, so CI never passes by skipping.
 */
public final class Tools {

    public static final String REQUIRE = "TRIBUTARY_REQUIRE_TOOLS";

    private Tools() {
    }

    /** The first of {@code names} on the PATH, or null. */
    public static Path onPath(String... names) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String name : names) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    public static boolean required() {
        return "1".equals(System.getenv(REQUIRE)) || "true".equalsIgnoreCase(System.getenv(REQUIRE));
    }

    /** The tool's path; else skips the test (or fails it when tools are required). */
    public static Path require(String install, String... names) {
        Path p = onPath(names);
        if (p == null) {
            missing(String.join(" or ", names) + " is not on the PATH (" + install + ")");
        }
        return p;
    }

    /** Skips the calling test with {@code message}, or fails it when tools are required. */
    public static void missing(String message) {
        if (required()) {
            throw new AssertionError(message + "; " + REQUIRE + " is set, so this fails instead of skipping");
        }
        Assumptions.abort(message + "; skipped");
    }

    public static Path chromium() {
        return require("apt-get install chromium", "chromium", "chromium-browser");
    }

    public static Path promtool() {
        return require("apt-get install prometheus", "promtool");
    }
}
