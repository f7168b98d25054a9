package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real node with VOD (embedded PostgreSQL, two transcode workers): what an operator and a player
 * see through HTTP, and the job queue's guarantees against the real database.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VodTest {

    static final long MAX_UPLOAD = 2 * 1024 * 1024;

    @TempDir
    static Path dir;
    static Node node;
    static Path imports;
    static final List<JsonObject> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        imports = Files.createDirectories(dir.resolve("imports"));
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "2");
        env.put("TRIBUTARY_VOD_MAX_UPLOAD", Long.toString(MAX_UPLOAD));
        env.put("TRIBUTARY_VOD_IMPORT_DIR", imports.toString());
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_LEASE", "3s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        node = TestNode.start(env);
        node.vertx().eventBus().<JsonObject>consumer(ContentEvents.ADDRESS, m -> events.add(m.body()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    // ---- HTTP helpers

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return TestNode.HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create(node.httpUrl(path)));
    }

    static byte[] bytes(String path, String range) throws Exception {
        HttpRequest.Builder b = req(path);
        if (range != null) {
            b.header("Range", range);
        }
        HttpResponse<byte[]> r = TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(range == null ? 200 : 206, r.statusCode(), path);
        // a viewer without CMCD gets its own copy of the multivariant and the MPD, its issued sid on every URI
        // (player sessions): private; everything else is the one shared object
        boolean entry = path.matches("/vod/[^/]+/(index\\.m3u8|manifest\\.mpd)");
        assertEquals(entry ? VodRoutes.IMMUTABLE.replace("public", "private") : VodRoutes.IMMUTABLE,
                r.headers().firstValue("Cache-Control").orElse(""), path);
        return r.body();
    }

    static JsonObject upload(Path file, String query) throws Exception {
        HttpResponse<String> r = send(req("/api/v1/assets" + query).POST(HttpRequest.BodyPublishers.ofFile(file))
                .header("Content-Type", "application/octet-stream"));
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    static JsonObject job(long id) throws Exception {
        HttpResponse<String> r = send(req("/api/v1/jobs/" + id));
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    /** Polls the job until it is done or failed. */
    static JsonObject await(long id) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until) {
            JsonObject j = job(id);
            if (j.getString("state").equals("done") || j.getString("state").equals("failed")) {
                return j;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not end: " + job(id));
    }

    /** Frames of a played URL: count, keyframes, last picture time (µs). */
    record Played(int pictures, int keyframes, long firstPictureMicros, long lastPictureMicros, boolean audio) {
        double seconds() {
            return (lastPictureMicros - firstPictureMicros) / 1e6;
        }
    }

    static Played play(String url) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(url)) {
            g.start();
            int pictures = 0;
            int keys = 0;
            long first = -1;
            long last = -1;
            boolean audio = false;
            Frame f;
            while ((f = g.grab()) != null && pictures < 10_000) {
                if (f.image != null) {
                    pictures++;
                    keys += f.keyFrame ? 1 : 0;
                    last = f.timestamp;
                    first = first < 0 ? f.timestamp : first;
                } else if (f.samples != null) {
                    audio = true;
                }
            }
            return new Played(pictures, keys, first, last, audio);
        }
    }

    // ---- the tests

    @Test
    void anUploadIsTranscodedIntoTheLadderBelowTheSourceAndPlaysAsHlsAndDash() throws Exception {
        Path src = VodTestMedia.write(dir.resolve("harbour.mp4"), 640, 360, 4, 25);
        JsonObject created = upload(src, "?title=Sunset%20over%20the%20harbour&tags=sea,evening");
        String id = created.getString("id");
        JsonObject job = await(created.getLong("job"));
        assertEquals("done", job.getString("state"), job.encode());
        assertEquals(1, job.getInteger("attempts"));
        assertEquals(100.0, job.getDouble("percent"));
        assertTrue(job.getDouble("mediaSecondsDone") >= 3.9, job.encode());
        assertTrue(job.getDouble("speed") > 0, job.encode());

        JsonObject asset = new JsonObject(send(req("/api/v1/assets/" + id)).body());
        assertEquals("ready", asset.getString("state"));
        // a 360p source: the 360p and 240p rungs, nothing upscaled
        assertEquals(new JsonArray(List.of("360p", "240p", "audio")), asset.getJsonArray("renditions"));
        assertEquals(4.0, asset.getDouble("duration"), 0.1);

        String multivariant = new String(bytes("/vod/" + id + "/index.m3u8", null), StandardCharsets.UTF_8);
        assertTrue(multivariant.contains("RESOLUTION=640x360") && multivariant.contains("RESOLUTION=426x240"), multivariant);
        assertFalse(multivariant.contains("x480"), multivariant);
        assertTrue(multivariant.contains("#EXT-X-I-FRAME-STREAM-INF:") && multivariant.contains("URI=\"360p/iframes.m3u8?sid="));
        String media = new String(bytes("/vod/" + id + "/360p/index.m3u8", null), StandardCharsets.UTF_8);
        assertTrue(media.contains("#EXT-X-PLAYLIST-TYPE:VOD") && media.contains("#EXT-X-ENDLIST"), media);

        // FFmpeg plays both with the source's duration: every picture, first to last as far apart (3.96 s at 25 fps)
        Played source = play(src.toString());
        assertEquals(100, source.pictures());
        Played hls = play(node.httpUrl("/vod/" + id + "/index.m3u8"));
        assertEquals(100, hls.pictures(), "HLS pictures");
        assertEquals(source.seconds(), hls.seconds(), 0.001, "HLS duration");
        assertTrue(hls.audio(), "HLS has audio");
        Played dash = play(node.httpUrl("/vod/" + id + "/manifest.mpd"));
        assertEquals(100, dash.pictures(), "DASH pictures");
        assertEquals(source.seconds(), dash.seconds(), 0.001, "DASH duration");

        // the trick-play playlist lists the rung's keyframes, each byte range one decodable keyframe
        for (String rung : List.of("360p", "240p")) {
            Played whole = play(node.httpUrl("/vod/" + id + "/" + rung + "/index.m3u8"));
            byte[] init = bytes("/vod/" + id + "/" + rung + "/init.mp4", null);
            String iframes = new String(bytes("/vod/" + id + "/" + rung + "/iframes.m3u8", null), StandardCharsets.UTF_8);
            assertTrue(iframes.contains("#EXT-X-I-FRAMES-ONLY"), iframes);
            Matcher m = Pattern.compile("#EXT-X-BYTERANGE:(\\d+)@(\\d+)\\n(\\S+)").matcher(iframes);
            int listed = 0;
            while (m.find()) {
                long length = Long.parseLong(m.group(1));
                long offset = Long.parseLong(m.group(2));
                byte[] range = bytes("/vod/" + id + "/" + rung + "/" + m.group(3), "bytes=" + offset + "-" + (offset + length - 1));
                assertEquals(length, range.length);
                try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(new SequenceInputStream(new ByteArrayInputStream(init),
                        new ByteArrayInputStream(range)), 0)) {
                    g.setFormat("mp4");
                    g.start();
                    Frame f = g.grabImage();
                    assertNotNull(f, "a picture in the I-frame range of " + m.group(3));
                    assertTrue(f.keyFrame, "the I-frame range of " + m.group(3) + " is a keyframe");
                    assertEquals(null, g.grabImage(), "one picture only in " + m.group(3));
                }
                listed++;
            }
            assertEquals(4, whole.keyframes(), rung + ": one IDR per 1 s segment");
            assertEquals(whole.keyframes(), listed, rung + ": every keyframe, and only keyframes, listed");
        }

        var poster = ImageIO.read(new ByteArrayInputStream(bytes("/vod/" + id + "/poster.jpg", null)));
        assertEquals(640, poster.getWidth());
        assertScrubbingPreviews(id, asset.getDouble("duration"));

        Set<String> types = new HashSet<>();
        events.stream().filter(e -> id.equals(e.getString("asset"))).forEach(e -> types.add(e.getString("type")));
        assertTrue(types.containsAll(List.of("uploaded", "job.queued", "job.started", "job.done", "published")), types.toString());

        String metrics = send(req("/metrics")).body();
        assertTrue(metrics.contains("tributary_vod_queue_depth") && metrics.contains("tributary_vod_jobs_total{result=\"done\""),
                "VOD metrics exported");

        // nothing outside the asset's directory is served
        assertEquals(404, send(req("/vod/" + id + "/..%2F..%2Fpg%2Fpostgresql.conf")).statusCode());
        assertEquals(404, send(req("/vod/uploads/" + id)).statusCode());
    }

    /**
     * The thumbnail map's cues run back to back from 0 to the asset's end, one 1 s segment each, and
     * each names its own tile of the sprite, which decodes at the grid's size with different pictures.
     */
    static void assertScrubbingPreviews(String id, double seconds) throws Exception {
        HttpResponse<String> map = send(req("/vod/" + id + "/thumbnails.vtt"));
        assertEquals(200, map.statusCode());
        assertTrue(map.headers().firstValue("Content-Type").orElse("").startsWith("text/vtt"), map.headers().toString());
        assertTrue(map.body().startsWith("WEBVTT\n"), map.body());
        Matcher cue = Pattern.compile("(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3}) --> (\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3})\\n"
                + "sprite\\.jpg#xywh=(\\d+),(\\d+),(\\d+),(\\d+)\\n").matcher(map.body());
        var sprite = ImageIO.read(new ByteArrayInputStream(bytes("/vod/" + id + "/sprite.jpg", null)));
        assertNotNull(sprite, "the sprite decodes");
        double end = 0;
        int tiles = 0;
        List<int[]> rects = new ArrayList<>();
        while (cue.find()) {
            double from = vttSeconds(cue, 1);
            double to = vttSeconds(cue, 5);
            assertEquals(end, from, 0.0015, "cue " + tiles + " starts where the one before ended");
            assertTrue(to > from, map.body());
            int x = Integer.parseInt(cue.group(9));
            int y = Integer.parseInt(cue.group(10));
            int w = Integer.parseInt(cue.group(11));
            int h = Integer.parseInt(cue.group(12));
            // the 240p rung (426x240) is the smallest a tile wide: 160 wide, the aspect kept
            assertEquals(160, w);
            assertEquals(90, h);
            assertEquals(tiles % 10 * w, x, "tile " + tiles + " column");
            assertEquals(tiles / 10 * h, y, "tile " + tiles + " row");
            assertTrue(x + w <= sprite.getWidth() && y + h <= sprite.getHeight(), "tile " + tiles + " inside the sprite");
            rects.add(new int[] {x, y, w, h});
            end = to;
            tiles++;
        }
        assertEquals(4, tiles, "one tile per 1 s segment of the 4 s asset:\n" + map.body());
        assertEquals(seconds, end, 0.1, "the cues cover the whole duration");
        assertEquals(4 * 160, sprite.getWidth());
        assertEquals(90, sprite.getHeight());
        // the source's pictures change every frame: the first and the last tile are different moments
        int[] a = rects.get(0);
        int[] b = rects.get(3);
        long diff = 0;
        for (int yy = 0; yy < a[3]; yy++) {
            for (int xx = 0; xx < a[2]; xx++) {
                int p = sprite.getRGB(a[0] + xx, a[1] + yy);
                int q = sprite.getRGB(b[0] + xx, b[1] + yy);
                diff += Math.abs((p >> 16 & 255) - (q >> 16 & 255)) + Math.abs((p >> 8 & 255) - (q >> 8 & 255)) + Math.abs((p & 255) - (q & 255));
            }
        }
        assertTrue(diff / (a[2] * a[3]) > 20, "tiles 0 and 3 show different pictures (mean difference " + diff / (a[2] * a[3]) + ")");
    }

    private static double vttSeconds(Matcher m, int group) {
        return Integer.parseInt(m.group(group)) * 3600 + Integer.parseInt(m.group(group + 1)) * 60
                + Integer.parseInt(m.group(group + 2)) + Integer.parseInt(m.group(group + 3)) / 1000.0;
    }

    @Test
    void anHttpsSourceOnALoopbackOrPrivateAddressIsRefusedByDefault() throws Exception {
        for (String url : List.of("https://127.0.0.1:9/clip.mp4", "https://localhost:9/clip.mp4", "https://[::1]:9/a.mp4",
                "https://10.0.0.7/a.mp4", "https://169.254.169.254/latest/meta-data")) {
            HttpResponse<String> r = send(req("/api/v1/assets").POST(HttpRequest.BodyPublishers.ofString(
                    new JsonObject().put("source", url).encode())).header("Content-Type", "application/json"));
            assertProblem(r, 400, "vod.allow-private-sources is off");
        }
        HttpResponse<String> user = send(req("/api/v1/assets").POST(HttpRequest.BodyPublishers.ofString(
                new JsonObject().put("source", "https://me:secret@example.com/a.mp4").encode())).header("Content-Type", "application/json"));
        assertProblem(user, 400, "no user info");
    }

    @Test
    void aFileThatIsNotMediaFailsAfterOneAttemptWithFfmpegsReason() throws Exception {
        Path junk = dir.resolve("junk.bin");
        byte[] noise = new byte[50_000];
        ThreadLocalRandom.current().nextBytes(noise);
        Files.write(junk, noise);
        JsonObject created = upload(junk, "?title=noise");
        JsonObject job = await(created.getLong("job"));
        assertEquals("failed", job.getString("state"));
        assertEquals(1, job.getInteger("attempts"));
        assertTrue(job.getString("error").contains("Invalid data found when processing input")
                || job.getString("error").contains("FFmpeg"), job.getString("error"));
        JsonObject asset = new JsonObject(send(req("/api/v1/assets/" + created.getString("id"))).body());
        assertEquals("failed", asset.getString("state"));
    }

    @Test
    void anUploadOverTheLimitIs413AndLeavesNothing() throws Exception {
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[(int) MAX_UPLOAD + 1]);
        long before = searchAll().size();
        // declared too large: refused before the body
        HttpResponse<String> r = send(req("/api/v1/assets").POST(HttpRequest.BodyPublishers.ofFile(big)));
        assertEquals(413, r.statusCode(), r.body());
        // chunked, no length: refused once the limit is crossed
        HttpResponse<String> chunked = send(req("/api/v1/assets").POST(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return Files.newInputStream(big);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })));
        assertEquals(413, chunked.statusCode(), chunked.body());
        Thread.sleep(300); // the deletion runs after the answer
        Path uploads = dir.resolve("data/vod/uploads");
        if (Files.isDirectory(uploads)) {
            try (Stream<Path> files = Files.list(uploads)) {
                for (Path p : files.toList()) {
                    assertFalse(p.getFileName().toString().endsWith(".part"), "a partial upload left: " + p);
                    assertTrue(Files.size(p) <= MAX_UPLOAD, "an over-limit file kept: " + p);
                }
            }
        }
        assertEquals(before, searchAll().size(), "no asset row for a refused upload");
    }

    @Test
    void theWorkersAreAVerticleSetTheScaleApiResizes() throws Exception {
        HttpResponse<String> r = send(req("/api/v1/verticles/transcode-worker/scale").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\":3}")));
        assertEquals(200, r.statusCode(), r.body());
        try {
            JsonObject sets = new JsonObject(send(req("/api/v1/verticles")).body());
            assertTrue(sets.encode().contains("\"name\":\"transcode-worker\",\"instances\":3"), sets.encode());
        } finally {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int status;
            do { // 409 while the set still changes
                status = send(req("/api/v1/verticles/transcode-worker/scale").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\":2}"))).statusCode();
                Thread.sleep(status == 200 ? 0 : 200);
            } while (status != 200 && System.nanoTime() < until);
            assertEquals(200, status);
        }
    }

    static JsonArray searchAll() throws Exception {
        JsonArray all = new JsonArray();
        for (int page = 1; page < 50; page++) {
            JsonObject r = new JsonObject(send(req("/api/v1/assets?page=" + page)).body());
            all.addAll(r.getJsonArray("items"));
            if (!r.getBoolean("more")) {
                break;
            }
        }
        return all;
    }

    static List<String> ids(String query) throws Exception {
        HttpResponse<String> r = send(req("/api/v1/assets?" + query));
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        new JsonObject(r.body()).getJsonArray("items").forEach(o -> ids.add(((JsonObject) o).getString("id")));
        return ids;
    }

    @Test
    void theCatalogIsSearchedEditedAndDeleted() throws Exception {
        // imports (cheap non-media files: the catalog does not care) from the import directory
        Files.write(imports.resolve("a.bin"), new byte[] {1, 2, 3});
        HttpResponse<String> imported = send(req("/api/v1/assets").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("source", imports.resolve("a.bin").toUri().toString())
                        .put("title", "Lighthouse keepers at dawn").put("description", "a documentary about coastal life")
                        .put("tags", new JsonArray(List.of("doc", "coast"))).encode())));
        assertEquals(201, imported.statusCode(), imported.body());
        String a = new JsonObject(imported.body()).getString("id");
        JsonObject b = upload(writeTo("b.bin"), "?title=Mountain%20railways");
        String bId = b.getString("id");

        assertEquals(List.of(a), ids("q=lighthouse"));
        assertEquals(List.of(a), ids("q=coastal")); // the description counts too
        assertEquals(List.of(bId), ids("q=railway")); // stemmed: railways
        assertTrue(ids("tag=coast").contains(a) && !ids("tag=coast").contains(bId));
        assertTrue(ids("q=submarine").isEmpty());

        HttpResponse<String> patched = send(req("/api/v1/assets/" + bId).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"title\":\"Alpine trains\",\"tags\":[\"rail\"]}")));
        assertEquals(200, patched.statusCode(), patched.body());
        assertEquals("Alpine trains", new JsonObject(patched.body()).getString("title"));
        assertEquals(List.of(bId), ids("q=alpine"));
        assertTrue(ids("q=mountain").isEmpty());
        assertEquals(List.of(bId), ids("tag=rail"));

        // bad input names the field; unknown ids are 404
        assertProblem(send(req("/api/v1/assets/" + bId).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"title\":7}"))), 400, "title");
        assertProblem(send(req("/api/v1/assets/" + bId).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"colour\":\"red\"}"))), 400, "colour");
        assertProblem(send(req("/api/v1/assets?page=0")), 400, "page");
        assertProblem(send(req("/api/v1/assets").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"source\":\"file:///etc/passwd\"}"))), 400, "source");
        assertProblem(send(req("/api/v1/assets").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"source\":\"https://example.com/x.mp4\"}"))), 400, "source");
        assertProblem(send(req("/api/v1/assets/a0000000000000000")), 404, "a0000000000000000");
        assertProblem(send(req("/api/v1/jobs/999999999")), 404, "999999999");

        assertTrue(Files.exists(dir.resolve("data/vod/uploads/" + a)));
        assertEquals(204, send(req("/api/v1/assets/" + a).DELETE()).statusCode());
        assertEquals(404, send(req("/api/v1/assets/" + a)).statusCode());
        assertFalse(Files.exists(dir.resolve("data/vod/uploads/" + a)), "the media is removed");
        assertTrue(ids("q=lighthouse").isEmpty());
        assertEquals(404, send(req("/api/v1/assets/" + a).DELETE()).statusCode());
        assertTrue(events.stream().anyMatch(e -> e.getString("type").equals("deleted") && a.equals(e.getString("asset"))));
    }

    /**
     * A catalog editor sets the languages and the window an asset may be played in: before the
     * window the player gets 403, within it the media with a TTL that ends with the window, after
     * it 403 again; the catalog filters on it, and bad values are 400s naming the field.
     */
    @Test
    void languagesAndTheAvailabilityWindowAreEditedAndHeldAtPlayback() throws Exception {
        Instant later = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        Path src = VodTestMedia.write(dir.resolve("window.mp4"), 160, 90, 2.0, 25);
        JsonObject created = upload(src, "?title=Windowed&languages=en,pt-BR&availableFrom=" + later);
        assertEquals(List.of("en", "pt-BR"), created.getJsonArray("languages").getList());
        assertEquals(later.toString(), created.getString("availableFrom"));
        assertFalse(created.getBoolean("available"));
        String id = created.getString("id");
        assertEquals("done", await(created.getLong("job")).getString("state"));

        assertProblem(send(req("/vod/" + id + "/index.m3u8")), 403, "available from " + later);
        assertTrue(ids("available=false").contains(id) && !ids("available=true").contains(id));

        // open it now, until two seconds from now: playable, cached no longer than the window lasts
        Instant until = Instant.now().plusSeconds(2);
        HttpResponse<String> opened = send(req("/api/v1/assets/" + id).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(new JsonObject().putNull("availableFrom")
                        .put("availableUntil", until.toString()).put("languages", new JsonArray(List.of("fr"))).encode())));
        assertEquals(200, opened.statusCode(), opened.body());
        JsonObject asset = new JsonObject(opened.body());
        assertTrue(asset.getBoolean("available"), asset.encode());
        assertEquals(List.of("fr"), asset.getJsonArray("languages").getList());
        assertFalse(asset.containsKey("availableFrom"));
        HttpResponse<String> playlist = send(req("/vod/" + id + "/index.m3u8"));
        assertEquals(200, playlist.statusCode(), playlist.body());
        String cache = playlist.headers().firstValue("Cache-Control").orElse("");
        assertTrue(cache.matches("private, max-age=[0-2]"), "a TTL within the window (the viewer's own copy): " + cache);
        assertTrue(ids("available=true").contains(id));

        long wait = Duration.between(Instant.now(), until).toMillis() + 200;
        Thread.sleep(Math.max(0, wait));
        assertProblem(send(req("/vod/" + id + "/index.m3u8")), 403, "no longer available");
        assertFalse(ids("available=true").contains(id));

        // bad values name their field; a window ending before its stored start is refused by the database too
        for (String[] bad : new String[][] {
                {"{\"languages\":[\"english language\"]}", "languages"},
                {"{\"availableFrom\":\"tomorrow\"}", "availableFrom"},
                {"{\"availableFrom\":\"2030-01-02T00:00:00Z\",\"availableUntil\":\"2030-01-01T00:00:00Z\"}", "availableUntil"},
                {"{\"rating\":\"PG\"}", "rating"}}) {
            assertProblem(send(req("/api/v1/assets/" + id).header("Content-Type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(bad[0]))), 400, bad[1]);
        }
        assertEquals(200, send(req("/api/v1/assets/" + id).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"availableUntil\":null,\"availableFrom\":\"2030-01-02T00:00:00Z\"}")))
                .statusCode());
        assertProblem(send(req("/api/v1/assets/" + id).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"availableUntil\":\"2030-01-01T00:00:00Z\"}"))), 400, "availableUntil");
        assertProblem(send(req("/api/v1/assets?available=maybe")), 400, "available");
    }

    private static Path writeTo(String name) throws Exception {
        return Files.write(dir.resolve(name), "not media".getBytes(StandardCharsets.UTF_8));
    }

    private static void assertProblem(HttpResponse<String> r, int status, String mention) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.body().contains(mention), "the problem names " + mention + ": " + r.body());
    }

}
