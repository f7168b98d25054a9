package io.tributary.testing;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The current releases of the open web players, installed from npm into
 * {@code ~/.cache/tributary/player-matrix} (reused for a day, then refreshed): hls.js 1.x, dash.js 5.x,
 * Shaka Player 5.x. Without npm (or without Chromium) a test fails when {@code CI=true} and is
 * skipped with a message elsewhere.
 */
public final class PlayerLibraries {

    /** Package spec on npm, and the browser bundle inside the package. */
    public enum Player {
        HLSJS("hls.js@1", "hls.js", "dist/hls.min.js"),
        DASHJS("dashjs@5", "dashjs", "dist/modern/umd/dash.all.min.js"),
        SHAKA("shaka-player@5", "shaka-player", "dist/shaka-player.compiled.js");

        public final String spec;
        public final String pkg;
        public final String bundle;

        Player(String spec, String pkg, String bundle) {
            this.spec = spec;
            this.pkg = pkg;
            this.bundle = bundle;
        }

        /** The name the harness page knows it by. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final Duration REFRESH = Duration.ofDays(1);
    private final Path dir;

    private PlayerLibraries(Path dir) {
        this.dir = dir;
    }

    public static PlayerLibraries dir() {
        return new PlayerLibraries(Path.of(System.getProperty("user.home"), ".cache", "tributary", "player-matrix"));
    }

    /** Skips (or fails in CI) when the environment lacks what the browser tests need. */
    public static void requireBrowserAndNpm() {
        List<String> missing = new ArrayList<>();
        if (Tools.onPath("chromium", "chromium-browser") == null) {
            missing.add("chromium (apt-get install chromium)");
        }
        if (Tools.onPath("npm") == null) {
            missing.add("npm (apt-get install npm)");
        }
        if (missing.isEmpty()) {
            return;
        }
        Tools.missing("player matrix needs " + String.join(" and ", missing) + " on the PATH");
    }

    /** Installs (or reuses) the three players; returns this. */
    public synchronized PlayerLibraries install() {
        Path stamp = dir.resolve("installed-at");
        try {
            boolean fresh = Files.isRegularFile(stamp)
                    && Instant.parse(Files.readString(stamp).trim()).isAfter(Instant.now().minus(REFRESH));
            boolean complete = true;
            for (Player p : Player.values()) {
                complete &= Files.isRegularFile(bundle(p));
            }
            if (fresh && complete) {
                return this;
            }
            Files.createDirectories(dir);
            Path pkg = dir.resolve("package.json");
            if (!Files.exists(pkg)) {
                Files.writeString(pkg, "{\"private\":true,\"description\":\"players for Tributary's browser tests\"}\n");
            }
            List<String> cmd = new ArrayList<>(List.of("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts",
                    "--no-package-lock", "--loglevel=error"));
            for (Player p : Player.values()) {
                cmd.add(p.spec);
            }
            Process proc = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("npm.log").toFile()).start();
            if (!proc.waitFor(5, TimeUnit.MINUTES)) {
                proc.destroyForcibly();
                throw new AssertionError("npm install did not finish in 5 minutes: " + dir.resolve("npm.log"));
            }
            if (proc.exitValue() != 0) {
                throw new AssertionError("npm install failed (" + proc.exitValue() + "): "
                        + Files.readString(dir.resolve("npm.log"), StandardCharsets.UTF_8));
            }
            for (Player p : Player.values()) {
                if (!Files.isRegularFile(bundle(p))) {
                    throw new AssertionError(p.pkg + " installed without " + p.bundle);
                }
            }
            Files.writeString(stamp, Instant.now().toString());
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted installing players", e);
        }
    }

    public Path bundle(Player p) {
        return dir.resolve("node_modules").resolve(p.pkg).resolve(p.bundle);
    }

    /** The installed version, from the package's own package.json. */
    public String version(Player p) {
        try {
            return new JsonObject(Files.readString(dir.resolve("node_modules").resolve(p.pkg).resolve("package.json")))
                    .getString("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Map<Player, Path> bundles() {
        Map<Player, Path> out = new java.util.EnumMap<>(Player.class);
        for (Player p : Player.values()) {
            out.put(p, bundle(p));
        }
        return out;
    }
}
