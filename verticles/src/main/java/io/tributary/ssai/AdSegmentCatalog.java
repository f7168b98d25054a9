package io.tributary.ssai;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The conditioned creatives' media as the splice lists it: for a VOD asset, its renditions (height,
 * or audio) with their segment files and durations, read once from the asset's own playlists under
 * {@code data-dir/vod/{id}/} and kept (a published asset never changes). Bounded: the least recently
 * used assets go first.
 */
final class AdSegmentCatalog {

    static final Pattern ASSET = Pattern.compile("a[0-9a-f]{16}");
    private static final Pattern RESOLUTION = Pattern.compile("RESOLUTION=(\\d+)x(\\d+)");
    private static final Pattern URI_ATTR = Pattern.compile("URI=\"([A-Za-z0-9_-]{1,32})/index\\.m3u8\"");
    private static final Pattern RENDITION_URI = Pattern.compile("([A-Za-z0-9_-]{1,32})/index\\.m3u8");
    private static final Pattern SEGMENT = Pattern.compile("seg_\\d{1,9}\\.m4s");
    private static final int MAX_ASSETS = 512;

    /** One rendition of a creative: {@code height} 0 for audio. */
    record Rendition(String name, int height, boolean audio, List<String> files, List<Double> durations) {
    }

    record Asset(String id, List<Rendition> renditions) {

        /** The video rendition nearest in height to {@code height}, or the audio one for {@code audio}. */
        Rendition nearest(boolean audio, int height) {
            Rendition best = null;
            for (Rendition r : renditions) {
                if (r.audio() != audio) {
                    continue;
                }
                if (best == null || Math.abs(r.height() - height) < Math.abs(best.height() - height)) {
                    best = r;
                }
            }
            return best;
        }

        /**
         * The rendition a live rendition plays: the one of the same name when the creative was
         * conditioned to that stream's ladder (same kind), else the nearest in height (a creative
         * transcoded with the VOD template, or for another ladder).
         */
        Rendition pick(String name, boolean audio, int height) {
            Rendition same = named(name);
            return same != null && same.audio() == audio ? same : nearest(audio, height);
        }

        Rendition named(String name) {
            for (Rendition r : renditions) {
                if (r.name().equals(name)) {
                    return r;
                }
            }
            return null;
        }
    }

    private final Vertx vertx;
    private final Path vodRoot;
    private final Map<String, Future<Asset>> assets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Future<Asset>> eldest) {
            return size() > MAX_ASSETS;
        }
    };

    /** The creatives' static VOD MPDs (for the DASH splice), read once; bounded like {@link #assets}. */
    private final Map<String, Future<String>> manifests = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Future<String>> eldest) {
            return size() > MAX_ASSETS;
        }
    };

    AdSegmentCatalog(Vertx vertx, Path dataDir) {
        this.vertx = vertx;
        this.vodRoot = dataDir.resolve("vod").toAbsolutePath().normalize();
    }

    Path file(String assetId, String rendition, String file) {
        return vodRoot.resolve(assetId).resolve(rendition).resolve(file).normalize();
    }

    Future<Asset> asset(String id) {
        if (id == null || !ASSET.matcher(id).matches()) {
            return Future.failedFuture("ad asset id '" + id + "' is not a VOD asset id");
        }
        synchronized (assets) {
            Future<Asset> f = assets.get(id);
            if (f == null || f.failed()) {
                f = read(id);
                assets.put(id, f);
            }
            return f;
        }
    }

    /** The asset's own DASH MPD ({@code data-dir/vod/{id}/manifest.mpd}), the source of its ad Periods. */
    Future<String> manifest(String id) {
        if (id == null || !ASSET.matcher(id).matches()) {
            return Future.failedFuture("ad asset id '" + id + "' is not a VOD asset id");
        }
        synchronized (manifests) {
            Future<String> f = manifests.get(id);
            if (f == null || f.failed()) {
                f = vertx.fileSystem().readFile(vodRoot.resolve(id).resolve("manifest.mpd").toString()).map(b -> b.toString());
                manifests.put(id, f);
            }
            return f;
        }
    }

    private Future<Asset> read(String id) {
        Path dir = vodRoot.resolve(id);
        return vertx.fileSystem().readFile(dir.resolve("index.m3u8").toString()).compose(b -> {
            String text = b.toString();
            Map<String, int[]> found = new LinkedHashMap<>(); // name -> {height, audio}
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i++) {
                String l = lines[i];
                if (l.startsWith("#EXT-X-MEDIA:") && l.contains("TYPE=AUDIO")) {
                    Matcher m = URI_ATTR.matcher(l);
                    if (m.find()) {
                        found.put(m.group(1), new int[]{0, 1});
                    }
                } else if (l.startsWith("#EXT-X-STREAM-INF:") && i + 1 < lines.length) {
                    Matcher r = RESOLUTION.matcher(l);
                    Matcher u = RENDITION_URI.matcher(lines[i + 1].trim());
                    if (r.find() && u.lookingAt()) {
                        found.put(u.group(1), new int[]{Integer.parseInt(r.group(2)), 0});
                    }
                }
            }
            List<Future<Rendition>> reads = new ArrayList<>();
            found.forEach((name, h) -> reads.add(vertx.fileSystem().readFile(dir.resolve(name).resolve("index.m3u8").toString())
                    .map(p -> rendition(name, h[0], h[1] == 1, p.toString()))));
            return Future.all(reads).map(all -> {
                List<Rendition> out = new ArrayList<>();
                for (int i = 0; i < reads.size(); i++) {
                    out.add(all.resultAt(i));
                }
                if (out.isEmpty()) {
                    throw new IllegalStateException("asset " + id + " has no renditions");
                }
                return new Asset(id, out);
            });
        });
    }

    static Rendition rendition(String name, int height, boolean audio, String playlist) {
        List<String> files = new ArrayList<>();
        List<Double> durations = new ArrayList<>();
        double pending = -1;
        for (String l : playlist.split("\n")) {
            if (l.startsWith("#EXTINF:")) {
                int comma = l.indexOf(',');
                pending = Double.parseDouble(l.substring(8, comma < 0 ? l.length() : comma));
            } else if (!l.isBlank() && !l.startsWith("#") && pending >= 0 && SEGMENT.matcher(l.trim()).matches()) {
                files.add(l.trim());
                durations.add(pending);
                pending = -1;
            }
        }
        return new Rendition(name, height, audio, files, durations);
    }
}
