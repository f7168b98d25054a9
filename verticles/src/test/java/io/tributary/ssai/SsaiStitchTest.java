package io.tributary.ssai;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SSAI stitching on a FAST channel with an 8 s break, on a real node (the VOD pipeline conditions
 * content, slate and two creatives). The ad decision service is stood in for by a consumer of
 * {@link AdDecisionRequest#ADDRESS} answering each session with a pod of one of the creatives (or a
 * failure); the beacons go to a recording HTTP endpoint through {@link RecordingAdBeacons}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SsaiStitchTest {

    @TempDir
    static Path dir;
    static Node node;
    static String content;
    static String slate;
    static String red;
    static String blue;
    static HttpServer tracker;
    static final List<String> tracked = new CopyOnWriteArrayList<>();
    /** The ad events on the playback events address: type:sid. */
    static final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "2");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_SSAI_ENABLED", "true");
        env.put("TRIBUTARY_SSAI_DECISION_INSTANCES", "0"); // the test's consumer alone answers tributary.ssai.decide
        node = TestNode.start(env);
        content = upload(VodTestMedia.write(dir.resolve("content.mp4"), 640, 360, 4, 25), "content");
        slate = upload(VodTestMedia.write(dir.resolve("slate.mp4"), 640, 360, 4, 25), "slate");
        red = upload(AdTestMedia.write(dir.resolve("red.mp4"), 640, 360, 8, 25, 220, 20, 20), "red");
        blue = upload(AdTestMedia.write(dir.resolve("blue.mp4"), 640, 360, 8, 25, 20, 20, 220), "blue");

        tracker = node.vertx().createHttpServer().requestHandler(req -> {
            tracked.add(req.getParam("sid") + ":" + req.getParam("e"));
            req.response().end();
        });
        tracker.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        SsaiModule.useBeacons(node.vertx(), new RecordingAdBeacons(node.vertx()));
        node.vertx().eventBus().<JsonObject>consumer(io.tributary.session.PlaybackEvents.ADDRESS, m -> {
            if (m.body().getString("type", "").startsWith("ad_")) {
                events.add(m.body().getString("type") + ":" + m.body().getString("sid"));
            }
        });
        // the stand-in decision service: s-red gets the red creative, s-blue the blue one, s-fail a failure
        node.vertx().eventBus().<JsonObject>consumer(AdDecisionRequest.ADDRESS, m -> {
            AdDecisionRequest r = AdDecisionRequest.fromJson(m.body());
            if (r.session().startsWith("s-slow")) {
                return; // never answers: the playlist waits ssai.decision-wait, then plays the break as content
            }
            if (r.session().startsWith("s-fail")) {
                m.fail(500, "ad server down");
                return;
            }
            String asset = r.session().startsWith("s-red") ? red : blue;
            Map<String, List<String>> tracking = new LinkedHashMap<>();
            for (String e : AdSegmentProgress.EVENTS) {
                tracking.put(e, List.of("http://127.0.0.1:" + tracker.actualPort() + "/t?sid=" + r.session() + "&e=" + e + "&cb=[CACHEBUSTING]"));
            }
            AdPod pod = new AdPod(r.breakId(), r.durationMs(), List.of(new AdPod.Ad("ad-" + asset, "cr-" + asset, asset, 8000,
                    tracking, List.of())));
            m.reply(pod.toJson());
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    static String upload(Path src, String title) throws Exception {
        HttpResponse<String> r = send(req("/api/v1/assets?title=" + title).POST(HttpRequest.BodyPublishers.ofFile(src))
                .header("Content-Type", "application/octet-stream"));
        assertEquals(201, r.statusCode(), r.body());
        JsonObject created = new JsonObject(r.body());
        long job = created.getLong("job");
        TestNode.await("job " + job + " done", Duration.ofSeconds(150), () -> {
            try {
                return new JsonObject(send(req("/api/v1/jobs/" + job)).body()).getString("state").equals("done");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        return created.getString("id");
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return TestNode.HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create(node.httpUrl(path)));
    }

    static byte[] bytes(String path) throws Exception {
        HttpResponse<byte[]> r = TestNode.HTTP.send(req(path).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), path);
        return r.body();
    }

    /** A segment as the session's playlists listed it. */
    record Seg(long msn, long pdt, double duration, boolean discontinuity, String map, String uri) {
    }

    static List<Seg> segments(String text) {
        List<Seg> out = new ArrayList<>();
        long msn = 0;
        long pdt = -1;
        double duration = -1;
        boolean disc = false;
        String map = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
                msn = Long.parseLong(line.substring(22).trim());
            } else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
                pdt = Instant.parse(line.substring(25).trim()).toEpochMilli();
            } else if (line.startsWith("#EXT-X-MAP:URI=\"")) {
                map = line.substring(16, line.indexOf('"', 16));
            } else if (line.startsWith("#EXTINF:")) {
                duration = Double.parseDouble(line.substring(8, line.indexOf(',')));
            } else if (line.equals("#EXT-X-DISCONTINUITY")) {
                disc = true;
            } else if (!line.isBlank() && !line.startsWith("#")) {
                out.add(new Seg(msn++, pdt, duration, disc, map, line));
                disc = false;
            }
        }
        return out;
    }

    /**
     * Polls the sessions' 360p playlists side by side until each has shown its pod and content after
     * it (or the time is up); every segment by session msn, checking a msn never names two URIs.
     */
    static Map<String, Map<Long, Seg>> watch(String channel, List<String> sids, double seconds) throws Exception {
        Map<String, Map<Long, Seg>> seen = new LinkedHashMap<>();
        sids.forEach(s -> seen.put(s, new LinkedHashMap<>()));
        long until = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < until) {
            for (String sid : sids) {
                HttpResponse<String> r = send(req("/live/" + channel + "/360p/index.m3u8?sid=" + sid));
                if (r.statusCode() != 200) {
                    continue; // the channel is not on air yet
                }
                for (Seg s : segments(r.body())) {
                    Seg before = seen.get(sid).putIfAbsent(s.msn(), s);
                    if (before != null) {
                        assertEquals(strip(before.uri()), strip(s.uri()), sid + ": msn " + s.msn() + " renamed between reloads\n" + r.body());
                    }
                }
            }
            Thread.sleep(400);
        }
        return seen;
    }

    static String strip(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    @Test
    void twoSessionsGetTheirOwnPodsThroughTheBreakAndAFailedDecisionPlaysTheSharedPlaylist() throws Exception {
        HttpResponse<String> created = send(req("/api/v1/channels").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                .put("id", "adch").put("slate", slate).put("loop", new JsonArray().add(new JsonObject().put("asset", content))
                        .add(new JsonObject().put("break", 8))).encode())).header("Content-Type", "application/json"));
        assertEquals(201, created.statusCode(), created.body());
        List<String> sids = List.of("s-red-1", "s-blue-1", "s-fail-1", "s-slow-1");
        Map<String, Map<Long, Seg>> seen = watch("adch", sids, 24);

        for (String sid : List.of("s-red-1", "s-blue-1")) {
            List<Seg> list = new ArrayList<>(seen.get(sid).values());
            List<Seg> all = list.stream().filter(s -> s.uri().startsWith("/ads/" + sid + "/")).toList();
            assertFalse(all.isEmpty(), sid + " got ads: " + list);
            String firstBreak = all.get(0).uri().substring(0, all.get(0).uri().indexOf("/0/360p/"));
            List<Seg> ads = all.stream().filter(s -> s.uri().startsWith(firstBreak + "/")).toList(); // the loop airs its break again later
            assertEquals(8, ads.size(), sid + " lists the pod's eight 1 s segments: " + list);
            double adSeconds = ads.stream().mapToDouble(Seg::duration).sum();
            assertEquals(8.0, adSeconds, 0.1, sid + ": the pod fills the break");
            // consecutive, a discontinuity before it and after it, its own init, PDT running from the break's start
            for (int i = 1; i < ads.size(); i++) {
                assertEquals(ads.get(i - 1).msn() + 1, ads.get(i).msn(), sid + " ad segments in a row");
                assertEquals(ads.get(i - 1).pdt() + Math.round(ads.get(i - 1).duration() * 1000), ads.get(i).pdt(), 2, sid + " ad PDT");
            }
            assertTrue(ads.get(0).discontinuity(), sid + ": discontinuity before the pod");
            assertTrue(ads.get(0).map().startsWith("/ads/" + sid + "/"), sid + ": the ad's own EXT-X-MAP");
            Seg after = seen.get(sid).get(ads.get(ads.size() - 1).msn() + 1);
            assertTrue(after != null, sid + ": content resumes after the pod: " + list);
            assertTrue(after.discontinuity() && after.uri().startsWith("seg-"), sid + ": content after a discontinuity: " + after);
            long breakEnd = ads.get(0).pdt() + 8000;
            assertEquals(breakEnd, after.pdt(), 300, sid + ": content resumes at the break's end");
            Seg before = seen.get(sid).get(ads.get(0).msn() - 1);
            assertTrue(before != null && before.uri().startsWith("seg-"), sid + ": content before the pod");
            assertEquals(ads.get(0).pdt(), before.pdt() + Math.round(before.duration() * 1000), 300, sid + ": the pod starts where content stops");
        }
        // the other session's pod is not this one's
        assertFalse(seen.get("s-red-1").values().stream().anyMatch(s -> s.uri().contains("s-blue")));

        // a failed decision, and one that never came: the shared playlist (the slate airs), never stalled
        for (String sid : List.of("s-fail-1", "s-slow-1")) {
            List<Seg> failed = new ArrayList<>(seen.get(sid).values());
            assertTrue(failed.stream().noneMatch(s -> s.uri().startsWith("/ads/")), "no ads for a failed decision");
            double failedSeconds = failed.stream().mapToDouble(Seg::duration).sum();
            assertTrue(failedSeconds >= 16, "the failed session's playlist kept advancing through the break: " + failedSeconds + " s " + failed);
            for (int i = 1; i < failed.size(); i++) {
                assertEquals(failed.get(i - 1).msn() + 1, failed.get(i).msn(), "no gap in the failed session's segments");
            }
        }

        // the pictures: red for one session, blue for the other
        List<Seg> redAds = firstPod(seen.get("s-red-1"));
        List<Seg> blueAds = firstPod(seen.get("s-blue-1"));
        double[] r = AdTestMedia.meanColour(bytes(redAds.get(0).map()), bytes(redAds.get(0).uri()));
        assertTrue(r[0] > 150 && r[2] < 80, "s-red sees the red creative: " + java.util.Arrays.toString(r));

        // beacons: s-red fetches its whole pod (done above: segment 0; now the rest), s-blue leaves at the midpoint
        for (int i = 1; i < redAds.size(); i++) {
            bytes(redAds.get(i).uri());
        }
        double[] b = AdTestMedia.meanColour(bytes(blueAds.get(0).map()), bytes(blueAds.get(0).uri()));
        assertTrue(b[2] > 150 && b[0] < 80, "s-blue sees the blue creative: " + java.util.Arrays.toString(b));
        for (int i = 1; i <= 4; i++) {
            bytes(blueAds.get(i).uri()); // up to the segment starting at 4 s of 8: the midpoint
        }
        TestNode.await("s-red's six beacons", Duration.ofSeconds(10),
                () -> tracked.stream().filter(t -> t.startsWith("s-red-1:")).count() >= 6);
        Thread.sleep(1000); // nothing more may come
        assertEquals(List.of("s-red-1:impression", "s-red-1:start", "s-red-1:firstQuartile", "s-red-1:midpoint",
                "s-red-1:thirdQuartile", "s-red-1:complete"), tracked.stream().filter(t -> t.startsWith("s-red-1:")).toList());
        assertEquals(List.of("s-blue-1:impression", "s-blue-1:start", "s-blue-1:firstQuartile", "s-blue-1:midpoint"),
                tracked.stream().filter(t -> t.startsWith("s-blue-1:")).toList(), "no complete for a player that left at the midpoint");
        // fetching a segment again earns nothing twice
        bytes(redAds.get(redAds.size() - 1).uri());
        Thread.sleep(500);
        assertEquals(6, tracked.stream().filter(t -> t.startsWith("s-red-1:")).count());

        // the ad events: the break, each session's decision (or error), the beacons as they went
        assertTrue(events.contains("ad_break:"), events.toString());
        assertTrue(events.contains("ad_decision:s-red-1") && events.contains("ad_decision:s-blue-1"), events.toString());
        assertTrue(events.contains("ad_error:s-fail-1") && events.contains("ad_error:s-slow-1"), events.toString());
        assertTrue(events.contains("ad_impression:s-red-1") && events.contains("ad_complete:s-red-1"), events.toString());
        assertFalse(events.contains("ad_complete:s-blue-1"), events.toString());

        String metrics = send(req("/metrics")).body();
        assertTrue(metrics.contains("tributary_ssai_breaks_total{stream=\"adch\"}"), "breaks counted");
        assertTrue(metrics.contains("tributary_ssai_session_decisions_total{result=\"failed\",stream=\"adch\"}"), "the failed decision counted");
    }

    static List<Seg> firstPod(Map<Long, Seg> seen) {
        List<Seg> all = seen.values().stream().filter(s -> s.uri().startsWith("/ads/")).toList();
        String first = all.get(0).uri().substring(0, all.get(0).uri().indexOf("/0/360p/"));
        return all.stream().filter(s -> s.uri().startsWith(first + "/")).toList();
    }

    @Test
    void aBreakPostedOnALiveStreamPutsEachSessionsPodAtTheCueAndBlockingReloadsFollowTheSessionsNumbers() throws Exception {
        io.tributary.media.testing.SyntheticAvSource source = new io.tributary.media.testing.SyntheticAvSource(640, 360, 25, 25, 0, true);
        java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (io.tributary.testing.RtmpTestPublisher publisher = io.tributary.testing.RtmpTestPublisher.publish(node.rtmpPort(), "live1")) {
            publisher.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
            publisher.send(source.next(2.0), 0);
            publisher.sendLive(source, 90, publishing, "ssai-live-publisher");
            TestNode.await("a playable live stream", Duration.ofSeconds(20), () -> TestNode.get(node, "/live/live1/index.m3u8").statusCode() == 200);
            String variant = new io.tributary.testing.Playlist(TestNode.get(node, "/live/live1/index.m3u8").body()).lines.stream()
                    .filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
            String rendition = variant.substring(0, variant.indexOf('/'));
            TestNode.await("three segments", Duration.ofSeconds(20), () ->
                    new io.tributary.testing.Playlist(TestNode.get(node, "/live/live1/" + variant).body()).segments().size() >= 3);
            String sid = "s-red-live";
            assertEquals(200, send(req("/live/live1/" + rendition + "/index.m3u8?sid=" + sid)).statusCode());

            HttpResponse<String> posted = send(req("/api/v1/streams/live1/breaks").POST(HttpRequest.BodyPublishers.ofString("{\"duration\":8}"))
                    .header("Content-Type", "application/json"));
            assertEquals(202, posted.statusCode(), posted.body());
            long postedAt = System.currentTimeMillis();
            Map<Long, Seg> seen = new LinkedHashMap<>();
            String last = "";
            boolean partsAfter = false;
            long cueDate = -1;
            long until = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < until) {
                HttpResponse<String> r = send(req("/live/live1/" + rendition + "/index.m3u8?sid=" + sid));
                assertEquals(200, r.statusCode(), r.body());
                last = r.body();
                java.util.regex.Matcher cue = java.util.regex.Pattern.compile("#EXT-X-DATERANGE:ID=\"[^\"]*\",START-DATE=\"([^\"]+)\"").matcher(last);
                if (cueDate < 0 && cue.find()) {
                    cueDate = Instant.parse(cue.group(1)).toEpochMilli();
                }
                List<Seg> segs = segments(last);
                for (Seg seg : segs) {
                    Seg before = seen.putIfAbsent(seg.msn(), seg);
                    if (before != null) {
                        assertEquals(strip(before.uri()), strip(seg.uri()), "msn " + seg.msn() + " renamed\n" + last);
                    }
                }
                Seg tail = segs.get(segs.size() - 1);
                boolean resumed = seen.values().stream().anyMatch(x -> x.uri().startsWith("/ads/"))
                        && !tail.uri().startsWith("/ads/");
                if (resumed && last.contains("#EXT-X-PRELOAD-HINT") && last.contains("#EXT-X-PART:")) {
                    partsAfter = true;
                    break;
                }
                Thread.sleep(300);
            }
            List<Seg> ads = seen.values().stream().filter(x -> x.uri().startsWith("/ads/" + sid + "/")).toList();
            assertEquals(8.0, ads.stream().mapToDouble(Seg::duration).sum(), 0.1, "the pod fills the posted 8 s break: " + seen.values());
            // the cue lands on the next keyframe at the stream's newest media time (ahead of the wall clock by what was sent early)
            assertEquals(cueDate, ads.get(0).pdt(), 50, "the pod starts at the break's date range");
            assertTrue(ads.get(0).pdt() - postedAt < 5000, "the break starts near the call: " + (ads.get(0).pdt() - postedAt) + " ms");
            assertTrue(partsAfter, "after the pod, parts and the preload hint of the live edge are back:\n" + last);
            Seg after = seen.get(ads.get(ads.size() - 1).msn() + 1);
            assertTrue(after != null && after.discontinuity() && after.uri().startsWith("seg-"), "content resumes after a discontinuity");
            assertEquals(ads.get(0).pdt() + 8000, after.pdt(), 1100, "content resumes at the break's end (within a segment)");

            // a blocking reload for the session's next segment waits for it, in the session's numbering
            long next = segments(last).get(segments(last).size() - 1).msn() + 1;
            long t0 = System.nanoTime();
            HttpResponse<String> blocked = send(req("/live/live1/" + rendition + "/index.m3u8?sid=" + sid + "&_HLS_msn=" + next));
            assertEquals(200, blocked.statusCode(), blocked.body());
            List<Seg> now = segments(blocked.body());
            assertTrue(now.get(now.size() - 1).msn() >= next, "the answer lists session msn " + next + ":\n" + blocked.body());
            assertTrue(System.nanoTime() - t0 < 6_000_000_000L, "answered when the segment completed");
            Seg again = now.stream().filter(x -> x.msn() == after.msn()).findFirst().orElse(null);
            if (again != null) {
                assertEquals(strip(after.uri()), strip(again.uri()), "numbers hold in blocking answers");
            }

            // the breaks API lists it
            assertTrue(send(req("/api/v1/streams/live1/breaks")).body().contains("\"duration\":8.0"));
            // the interstitials asset list of the break (the session's pod as /vod URLs)
            String breakId = ads.get(0).uri().split("/")[3];
            HttpResponse<String> assets = send(req("/ads/" + sid + "/" + breakId + "/assets.json"));
            assertEquals(200, assets.statusCode(), assets.body());
            assertEquals("/vod/" + red + "/index.m3u8", new JsonObject(assets.body()).getJsonArray("ASSETS").getJsonObject(0).getString("URI"));
        } finally {
            publishing.set(false);
        }
    }

    @Test
    void theBreaksRouteRefusesBadBodiesAndAnUnknownStream() throws Exception {
        HttpResponse<String> bad = send(req("/api/v1/streams/nope/breaks").POST(HttpRequest.BodyPublishers.ofString("{\"duration\":-1}"))
                .header("Content-Type", "application/json"));
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("duration"), bad.body());
        HttpResponse<String> unknown = send(req("/api/v1/streams/nope/breaks").POST(HttpRequest.BodyPublishers.ofString("{\"duration\":10}"))
                .header("Content-Type", "application/json"));
        assertEquals(404, unknown.statusCode(), unknown.body());
        HttpResponse<String> noPod = send(req("/ads/nobody/brk/0/360p/seg_0.m4s"));
        assertEquals(404, noPod.statusCode());
    }
}
