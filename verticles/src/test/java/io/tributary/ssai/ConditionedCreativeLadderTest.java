package io.tributary.ssai;

import io.tributary.Node;
import io.tributary.media.cmaf.Fmp4Reader;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.tributary.testing.VodAssets;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A creative conditioned to the ladder of the stream it plays in, on a real node: stream
 * {@code lad-a} runs the VOD ladder on a 640x360 source (rungs 360p and 240p, both encoded),
 * {@code plain-b} the source alone ({@code video}, 640x360). One VAST creative (480x270 at 30 fps)
 * is asked for by a break on each; each stream gets its own copy with exactly its renditions (names,
 * sizes, 25 fps, timescale 90000, read back from the ad segments), and each live rendition's
 * session playlist splices the ad rendition of its own name.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ConditionedCreativeLadderTest {

    @TempDir
    static Path dir;
    static Node node;
    static Vertx adServerVertx;
    static HttpServer adServer;
    static byte[] spot;
    static final AtomicInteger fetched = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        spot = Files.readAllBytes(VodTestMedia.write(dir.resolve("spot.mp4"), 480, 270, 4, 30));
        adServerVertx = Vertx.vertx();
        adServer = adServerVertx.createHttpServer().requestHandler(req -> {
            String base = "http://127.0.0.1:" + req.localAddress().port();
            if (req.path().equals("/vast")) {
                req.response().putHeader("Content-Type", "application/xml").end("""
                        <VAST version="4.1"><Ad id="spot-l"><InLine><AdSystem>TestAds</AdSystem><AdTitle>Spot</AdTitle>
                        <Impression><![CDATA[%1$s/imp]]></Impression>
                        <Creatives><Creative id="cr-ladder"><Linear><Duration>00:00:04</Duration>
                        <MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="480" height="270" bitrate="500">
                        <![CDATA[%1$s/spot.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>
                        """.formatted(base));
            } else if (req.path().equals("/spot.mp4")) {
                fetched.incrementAndGet();
                req.response().putHeader("Content-Type", "video/mp4").end(io.vertx.core.buffer.Buffer.buffer(spot));
            } else {
                req.response().setStatusCode(204).end();
            }
        });
        adServer.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Map<String, String> env = VodAssets.env(dir);
        env.put("TRIBUTARY_VOD_WORKERS", "2");
        env.put("TRIBUTARY_TRANSCODE_LADDER_RULES", "lad-*=vod");
        env.put("TRIBUTARY_SSAI_ENABLED", "true");
        env.put("TRIBUTARY_SSAI_VAST_URL", "http://127.0.0.1:" + adServer.actualPort() + "/vast");
        env.put("TRIBUTARY_SSAI_ALLOWED_ADDRESSES", "127.0.0.1:" + adServer.actualPort());
        node = TestNode.start(env);
    }

    @AfterAll
    static void stop() throws Exception {
        // the node first (its decisions may still call the ad server), then the ad server's Vert.x
        io.vertx.core.Future<Void> closed = node == null ? io.vertx.core.Future.succeededFuture() : node.close();
        closed.eventually(() -> adServerVertx.close()).toCompletionStage().toCompletableFuture().get(70, TimeUnit.SECONDS);
    }

    /** What a rendition of an asset is: its picture size, timescale and picture duration in ticks. */
    record Probed(int width, int height, int timescale, long sampleDuration, int pictures) {
    }

    @Test
    void eachStreamGetsTheCreativeInItsOwnLadderAndEachRenditionSplicesItsNamesake() throws Exception {
        AtomicBoolean publishing = new AtomicBoolean(true);
        SyntheticAvSource a = new SyntheticAvSource(640, 360, 25, 25, 0, true);
        SyntheticAvSource b = new SyntheticAvSource(640, 360, 25, 25, 0, true);
        List<Thread> threads = new ArrayList<>();
        try (RtmpTestPublisher pa = RtmpTestPublisher.publish(node.rtmpPort(), "lad-a");
             RtmpTestPublisher pb = RtmpTestPublisher.publish(node.rtmpPort(), "plain-b")) {
            pa.configs(a.avcDecoderConfigurationRecord(), a.audioSpecificConfig());
            pa.send(a.next(2.0), 0);
            threads.add(pa.sendLive(a, 150, publishing, "ladder-a-publisher"));
            pb.configs(b.avcDecoderConfigurationRecord(), b.audioSpecificConfig());
            pb.send(b.next(2.0), 0);
            threads.add(pb.sendLive(b, 150, publishing, "ladder-b-publisher"));
            List<String> ra = renditions("lad-a");
            List<String> rb = renditions("plain-b");
            assertEquals(List.of("360p", "240p", "audio"), ra);
            assertEquals(List.of("video", "audio"), rb);

            // first breaks: the creative is not conditioned for either ladder yet; the decisions start it, once per ladder
            watch("lad-a", ra, "warm-a");
            watch("plain-b", rb, "warm-b");
            postBreak("lad-a");
            postBreak("plain-b");
            Map<String, String> copies = new LinkedHashMap<>();
            TestNode.await("a conditioned copy per ladder", Duration.ofSeconds(60), () -> {
                watch("lad-a", ra, "warm-a");
                watch("plain-b", rb, "warm-b");
                copies.clear();
                JsonArray items = new JsonObject(TestNode.get(node, "/api/v1/assets?tag=" + AdCreatives.TAG).body()).getJsonArray("items");
                items.stream().map(o -> (JsonObject) o).filter(o -> o.getString("title", "").contains("|cr-ladder@"))
                        .forEach(o -> copies.put(o.getString("title"), o.getString("id")));
                return copies.size() == 2;
            });
            for (String id : copies.values()) {
                TestNode.await("copy " + id + " ready", Duration.ofSeconds(180), () -> {
                    String state = new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body()).getString("state");
                    assertNotEquals("failed", state, id);
                    return "ready".equals(state);
                });
            }
            assertEquals(2, fetched.get(), "the media file is fetched once per ladder");

            // each copy has exactly its stream's video renditions: names, sizes, 25 fps, the live timescale
            Map<String, Map<String, Probed>> byRenditions = new HashMap<>();
            for (String id : copies.values()) {
                Map<String, Probed> probed = new LinkedHashMap<>();
                for (String name : variants(id)) {
                    probed.put(name, probe(id, name));
                }
                byRenditions.put(String.join(",", probed.keySet()), probed);
            }
            Map<String, Probed> copyA = byRenditions.get("360p,240p");
            Map<String, Probed> copyB = byRenditions.get("video");
            assertTrue(copyA != null && copyB != null, "one copy per ladder: " + byRenditions);
            assertEquals(640, copyA.get("360p").width());
            assertEquals(360, copyA.get("360p").height());
            assertEquals(426, copyA.get("240p").width());
            assertEquals(240, copyA.get("240p").height());
            assertEquals(640, copyB.get("video").width());
            assertEquals(360, copyB.get("video").height());
            for (Map<String, Probed> copy : List.of(copyA, copyB)) {
                for (Probed p : copy.values()) {
                    assertEquals(90_000, p.timescale(), "the live video timescale: " + p);
                    assertEquals(3600, p.sampleDuration(), "25 fps, the stream's (the creative is 30): " + p);
                    // 4 s of 30 fps as 25 fps: pictures dropped, the length kept
                    assertEquals(100, p.pictures(), 3, "the creative's length at 25 fps: " + p);
                }
            }

            // the next break: every live rendition's session playlist splices the ad rendition of its name
            assertSplicesNamesakes("lad-a", ra, "s-a");
            assertSplicesNamesakes("plain-b", rb, "s-b");
            assertEquals(2, fetched.get(), "nothing fetched again");
        } finally {
            publishing.set(false);
            for (Thread t : threads) {
                t.join(10_000); // each closes its source once done with it
            }
        }
    }

    /** The stream's renditions from its multivariant playlist (video by variant, then audio), once playable. */
    static List<String> renditions(String key) {
        TestNode.await(key + " playable with all its rungs", Duration.ofSeconds(30), () -> {
            HttpResponse<String> r = TestNode.get(node, "/live/" + key + "/index.m3u8");
            return r.statusCode() == 200 && r.body().contains("TYPE=AUDIO")
                    && (!key.startsWith("lad-") || r.body().contains("240p/") && r.body().contains("360p/"));
        });
        List<String> out = new ArrayList<>();
        String master = TestNode.get(node, "/live/" + key + "/index.m3u8").body();
        for (Playlist.Line l : new Playlist(master).lines) {
            if (l.uri() != null && !out.contains(l.uri().substring(0, l.uri().indexOf('/')))) {
                out.add(l.uri().substring(0, l.uri().indexOf('/')));
            }
        }
        Matcher audio = Pattern.compile("TYPE=AUDIO.*URI=\"([A-Za-z0-9_-]+)/").matcher(master);
        if (audio.find()) {
            out.add(audio.group(1));
        }
        return out;
    }

    static void postBreak(String key) throws Exception {
        HttpResponse<String> posted = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/streams/" + key + "/breaks")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"duration\":6}")).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, posted.statusCode(), posted.body());
    }

    /** Every rendition's playlist for session {@code sid}: the bodies by rendition. */
    static Map<String, String> watch(String key, List<String> renditions, String sid) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String r : renditions) {
            HttpResponse<String> res = TestNode.get(node, "/live/" + key + "/" + r + "/index.m3u8?sid=" + sid);
            assertEquals(200, res.statusCode(), res.body());
            out.put(r, res.body());
        }
        return out;
    }

    static void assertSplicesNamesakes(String key, List<String> renditions, String sid) throws Exception {
        watch(key, renditions, sid); // the session exists before the break
        postBreak(key);
        Map<String, String> last = new LinkedHashMap<>();
        TestNode.await(sid + ": the ad in every rendition", Duration.ofSeconds(40), () -> {
            last.putAll(watch(key, renditions, sid));
            return last.values().stream().allMatch(p -> p.contains("/ads/" + sid + "/"));
        });
        for (String r : renditions) {
            List<String> ads = new Playlist(last.get(r)).segments().stream().map(Playlist.Segment::uri)
                    .filter(u -> u.startsWith("/ads/")).toList();
            assertTrue(!ads.isEmpty(), r + ":\n" + last.get(r));
            for (String u : ads) {
                // /ads/{sid}/{break}/{ad}/{ad rendition}/{file}
                assertEquals(r, u.split("/")[5], "rendition " + r + " splices the ad's " + r + ": " + u);
            }
            HttpResponse<byte[]> seg = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl(ads.get(0))))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, seg.statusCode(), ads.get(0));
        }
    }

    /** The video renditions of a VOD asset, from its multivariant playlist. */
    static List<String> variants(String id) {
        List<String> out = new ArrayList<>();
        HttpResponse<String> master = TestNode.get(node, "/vod/" + id + "/index.m3u8");
        assertEquals(200, master.statusCode(), master.body());
        for (Playlist.Line l : new Playlist(master.body()).lines) {
            if (l.uri() != null && l.uri().contains("/") && !l.uri().startsWith("audio/")) {
                out.add(l.uri().substring(0, l.uri().indexOf('/')));
            }
        }
        assertTrue(!out.isEmpty(), master.body());
        return out;
    }

    /** One rendition read back from its fMP4: the init's timescale, the samples' duration, FFmpeg's picture size and count. */
    static Probed probe(String id, String rendition) throws Exception {
        byte[] init = bytes("/vod/" + id + "/" + rendition + "/init.mp4");
        Fmp4Reader.Track track = Fmp4Reader.init(init);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(init);
        long duration = -1;
        for (Playlist.Segment seg : new Playlist(TestNode.get(node, "/vod/" + id + "/" + rendition + "/index.m3u8").body()).segments()) {
            byte[] media = bytes("/vod/" + id + "/" + rendition + "/" + seg.uri());
            all.write(media);
            for (Fmp4Reader.Sample s : Fmp4Reader.samples(track, media)) {
                if (duration < 0) {
                    duration = s.duration();
                }
                assertEquals(duration, s.duration(), rendition + ": one picture duration throughout");
            }
        }
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(new ByteArrayInputStream(all.toByteArray()))) {
            g.setFormat("mp4");
            g.start();
            int pictures = 0;
            while (g.grabImage() != null) {
                pictures++;
            }
            Probed p = new Probed(g.getImageWidth(), g.getImageHeight(), track.timescale(), duration, pictures);
            g.stop();
            return p;
        }
    }

    static byte[] bytes(String path) throws Exception {
        HttpResponse<byte[]> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), path);
        return r.body();
    }
}
