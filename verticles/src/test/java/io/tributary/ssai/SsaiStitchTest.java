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
    /** The decisions asked for s-ahead sessions: sid@breakId. */
    static final List<String> aheadAsked = new CopyOnWriteArrayList<>();
    static final long AHEAD_DELAY_MS = 1500;
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
            if (r.session().startsWith("s-ahead")) {
                // a slow ad server: within ssai.decision-wait (2 s), but a playlist waiting for it would show
                aheadAsked.add(r.session() + "@" + r.breakId());
                node.vertx().setTimer(AHEAD_DELAY_MS, t -> m.reply(new AdPod(r.breakId(), r.durationMs(),
                        List.of(new AdPod.Ad("ad-" + red, "cr-" + red, red, 8000, Map.of(), List.of()))).toJson()));
                return;
            }
            Map<String, List<String>> tracking = new LinkedHashMap<>();
            for (String e : AdSegmentProgress.EVENTS) {
                tracking.put(e, List.of("http://127.0.0.1:" + tracker.actualPort() + "/t?sid=" + r.session() + "&e=" + e + "&cb=[CACHEBUSTING]"));
            }
            // s-two sessions: red then blue, 16 s; the others one creative, 8 s
            List<String> assets = r.session().startsWith("s-two") ? List.of(red, blue) : List.of(r.session().startsWith("s-red") ? red : blue);
            List<AdPod.Ad> ads = new ArrayList<>();
            for (String asset : assets) {
                ads.add(new AdPod.Ad("ad-" + asset, "cr-" + asset, asset, 8000, tracking, List.of()));
            }
            m.reply(new AdPod(r.breakId(), r.durationMs(), ads).toJson());
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

    /** A Period of a session's MPD: its wall-clock start and, per Representation, the segments it addresses. */
    record MpdPeriod(String id, long start, Map<String, List<String>> media, Map<String, String> init, Map<String, List<Long>> walls) {
    }

    /** The Periods of an MPD, in order, with every segment URL resolved and its wall-clock start. */
    static List<MpdPeriod> periods(String xml) throws Exception {
        javax.xml.parsers.DocumentBuilderFactory f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        org.w3c.dom.Element mpd = f.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .getDocumentElement();
        long ast = Instant.parse(mpd.getAttribute("availabilityStartTime")).toEpochMilli();
        List<MpdPeriod> out = new ArrayList<>();
        for (org.w3c.dom.Element p : elements(mpd, "Period")) {
            long start = ast + Duration.parse(p.getAttribute("start")).toMillis();
            Map<String, List<String>> media = new LinkedHashMap<>();
            Map<String, String> init = new LinkedHashMap<>();
            Map<String, List<Long>> walls = new LinkedHashMap<>();
            for (org.w3c.dom.Element set : elements(p, "AdaptationSet")) {
                for (org.w3c.dom.Element rep : elements(set, "Representation")) {
                    String id = rep.getAttribute("id");
                    org.w3c.dom.Element t = elements(rep, "SegmentTemplate").get(0);
                    long ts = Long.parseLong(t.getAttribute("timescale"));
                    long pto = t.hasAttribute("presentationTimeOffset") ? Long.parseLong(t.getAttribute("presentationTimeOffset")) : 0;
                    long number = Long.parseLong(t.getAttribute("startNumber"));
                    long at = 0;
                    List<String> urls = new ArrayList<>();
                    List<Long> starts = new ArrayList<>();
                    for (org.w3c.dom.Element seg : elements(elements(t, "SegmentTimeline").get(0), "S")) {
                        at = seg.hasAttribute("t") ? Long.parseLong(seg.getAttribute("t")) : at;
                        int r = seg.hasAttribute("r") ? Integer.parseInt(seg.getAttribute("r")) : 0;
                        for (int k = 0; k <= r; k++) {
                            urls.add(t.getAttribute("media").replace("$RepresentationID$", id).replace("$Number$", Long.toString(number++)));
                            starts.add(start + Math.round((at - pto) * 1000.0 / ts));
                            at += Long.parseLong(seg.getAttribute("d"));
                        }
                    }
                    media.put(id, urls);
                    walls.put(id, starts);
                    init.put(id, t.getAttribute("initialization").replace("$RepresentationID$", id));
                }
            }
            out.add(new MpdPeriod(p.getAttribute("id"), start, media, init, walls));
        }
        return out;
    }

    static List<org.w3c.dom.Element> elements(org.w3c.dom.Element e, String name) {
        List<org.w3c.dom.Element> out = new ArrayList<>();
        for (org.w3c.dom.Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof org.w3c.dom.Element c && c.getLocalName().equals(name)) {
                out.add(c);
            }
        }
        return out;
    }

    /** A URL of the MPD at {@code /live/{channel}/manifest.mpd} as a path on the node. */
    static String resolve(String channel, String url) {
        return url.startsWith("/") ? url : "/live/" + channel + "/" + url;
    }

    static HttpRequest.Builder created(String id, int breakSeconds) {
        return req("/api/v1/channels").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                .put("id", id).put("slate", slate).put("loop", new JsonArray().add(new JsonObject().put("asset", content))
                        .add(new JsonObject().put("break", breakSeconds))).encode())).header("Content-Type", "application/json");
    }

    @Test
    void aDashSessionGetsOnePeriodPerAdWithItsOwnSegmentsAndContentResumesAtTheBreaksEnd() throws Exception {
        assertEquals(201, send(created("dashch", 8)).statusCode());
        String sid = "s-red-dash";
        Map<String, Long> starts = new LinkedHashMap<>(); // Period id -> start, over every reload
        List<MpdPeriod> last = List.of();
        String text = "";
        long until = System.nanoTime() + 40_000_000_000L;
        MpdPeriod ad = null;
        MpdPeriod after = null;
        Map<String, Long> hlsAdStarts = new LinkedHashMap<>(); // break id -> PDT of its first ad segment in HLS
        while (System.nanoTime() < until) {
            HttpResponse<String> r = send(req("/live/dashch/manifest.mpd?sid=" + sid));
            if (r.statusCode() == 200) {
                text = r.body();
                last = periods(text);
                for (MpdPeriod p : last) {
                    Long before = starts.putIfAbsent(p.id(), p.start());
                    if (before != null) {
                        assertEquals(before, p.start(), "Period " + p.id() + " keeps its start across reloads\n" + text);
                    }
                }
                for (int i = 0; i + 1 < last.size(); i++) {
                    if (last.get(i).id().startsWith("ad-") && last.get(i).media().get("360p") != null
                            && last.get(i).media().get("360p").size() == 8 && !last.get(i + 1).id().startsWith("ad-")) {
                        ad = last.get(i);
                        after = last.get(i + 1);
                    }
                }
                if (ad != null) {
                    break;
                }
            }
            // the session's HLS playlist of the same break, for its program date-times
            for (Seg x : segments(send(req("/live/dashch/360p/index.m3u8?sid=" + sid)).body())) {
                if (x.uri().startsWith("/ads/" + sid + "/") && x.uri().contains("/0/360p/seg_0.m4s") && !hlsAdStarts.containsKey(x.uri().split("/")[3])) {
                    hlsAdStarts.put(x.uri().split("/")[3], x.pdt()); // the first segment of the break's first ad
                }
            }
            Thread.sleep(400);
        }
        assertTrue(ad != null, "the session's MPD showed the whole ad and content after it:\n" + text);
        String breakId = ad.id().substring(3, ad.id().lastIndexOf('-'));
        assertEquals("ad-" + breakId + "-0", ad.id());
        assertEquals(ad.start() + 8000, after.start(), 300, "content resumes at the break's end\n" + text);
        // (the channel's slate was its own Period, under the pod whole: the content after keeps its own id)
        assertFalse(starts.keySet().stream().anyMatch(id -> id.startsWith("ad-" + breakId + "-1")), "one ad, one Period");
        MpdPeriod before = last.get(last.indexOf(ad) - 1);
        assertFalse(before.id().startsWith("ad-"), "content before the pod\n" + text);
        for (int i = 0; i < 8; i++) {
            assertEquals(ad.start() + i * 1000, ad.walls().get("360p").get(i), 5, "ad segment " + i + " in time");
        }
        // the same instant as the session's HLS playlist gives the ad (its program date-time)
        assertTrue(hlsAdStarts.containsKey(breakId), "the same session's HLS playlist showed the ad: " + hlsAdStarts);
        assertEquals(hlsAdStarts.get(breakId), ad.start(), 2, "DASH Period start = HLS program date-time of the ad");

        // every object the ad Period names: 200, decodable, the red creative; the segments earn the beacons
        for (String rep : ad.media().keySet()) {
            byte[] init = bytes(resolve("dashch", ad.init().get(rep)));
            assertTrue(ad.init().get(rep).startsWith("/ads/" + sid + "/" + breakId + "/0/" + rep + "/"), ad.init().get(rep));
            for (String url : ad.media().get(rep)) {
                byte[] seg = bytes(resolve("dashch", url));
                if (rep.equals("360p") && url.equals(ad.media().get(rep).get(0))) {
                    double[] c = AdTestMedia.meanColour(init, seg);
                    assertTrue(c[0] > 150 && c[2] < 80, "the red creative: " + java.util.Arrays.toString(c));
                }
            }
        }
        TestNode.await(sid + "'s six beacons", Duration.ofSeconds(10), () -> tracked.stream().filter(t -> t.startsWith(sid + ":")).count() >= 6);
        assertEquals(List.of(sid + ":impression", sid + ":start", sid + ":firstQuartile", sid + ":midpoint", sid + ":thirdQuartile",
                sid + ":complete"), tracked.stream().filter(t -> t.startsWith(sid + ":")).toList());
        // content after: the live segments themselves
        assertEquals(200, TestNode.HTTP.send(req(resolve("dashch", after.init().get("360p"))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());

        // a failed decision: the shared MPD's Periods (content or slate), no ad
        List<MpdPeriod> failed = periods(send(req("/live/dashch/manifest.mpd?sid=s-fail-dash")).body());
        assertTrue(failed.stream().noneMatch(p -> p.id().startsWith("ad-")), "no ad Period for a failed decision");
        assertTrue(failed.stream().allMatch(p -> p.media().values().stream().flatMap(List::stream).noneMatch(u -> u.contains("/ads/"))));
    }

    @Test
    void aSessionJoiningDuringABreakGetsTheAdsThatStartAfterItJoinedInHlsAndDash() throws Exception {
        assertEquals(201, send(created("latech", 16)).statusCode());
        String early = "s-two-early";
        String late = "s-two-late";
        String lateDash = "s-two-late-dash";
        Map<Long, Seg> earlySeen = new LinkedHashMap<>();
        Map<Long, Seg> lateSeen = new LinkedHashMap<>();
        long breakDate = -1;
        String breakId = null;
        long joinedAt = -1;
        List<MpdPeriod> dash = List.of();
        String lastLate = "";
        long until = System.nanoTime() + 60_000_000_000L;
        java.util.regex.Pattern range = java.util.regex.Pattern.compile("#EXT-X-DATERANGE:ID=\"([^\"]*)\",START-DATE=\"([^\"]+)\"");
        while (System.nanoTime() < until) {
            HttpResponse<String> r = send(req("/live/latech/360p/index.m3u8?sid=" + early));
            if (r.statusCode() != 200) {
                Thread.sleep(300);
                continue;
            }
            segments(r.body()).forEach(x -> earlySeen.putIfAbsent(x.msn(), x));
            java.util.regex.Matcher m = range.matcher(r.body());
            if (breakDate < 0 && m.find()) {
                breakId = m.group(1);
                breakDate = Instant.parse(m.group(2)).toEpochMilli();
            }
            List<Seg> tail = segments(r.body());
            long edge = tail.isEmpty() ? 0 : tail.get(tail.size() - 1).pdt();
            if (breakDate > 0 && joinedAt < 0 && edge >= breakDate + 5000) {
                joinedAt = edge; // five seconds of the first 8 s ad have aired: the late sessions show up now
            }
            if (joinedAt > 0) {
                HttpResponse<String> l = send(req("/live/latech/360p/index.m3u8?sid=" + late));
                lastLate = l.body();
                for (Seg x : segments(lastLate)) {
                    Seg before = lateSeen.putIfAbsent(x.msn(), x);
                    if (before != null) {
                        assertEquals(strip(before.uri()), strip(x.uri()), "late: msn " + x.msn() + " renamed\n" + lastLate);
                    }
                }
                dash = periods(send(req("/live/latech/manifest.mpd?sid=" + lateDash)).body());
                Seg newest = segments(lastLate).get(segments(lastLate).size() - 1);
                long resume = breakDate + 16_000 - 300;
                if (newest.pdt() >= resume + 1000 && dash.stream().anyMatch(p -> !p.id().startsWith("ad-") && p.start() >= resume)) {
                    break;
                }
            }
            Thread.sleep(400);
        }
        assertTrue(joinedAt > 0, "the break aired");
        final long b = breakDate;
        final String id = breakId;
        // the session there from the start: red then blue, 16 s from the break's start
        List<Seg> earlyAds = earlySeen.values().stream().filter(x -> x.uri().startsWith("/ads/" + early + "/" + id + "/")).toList();
        assertEquals(16, earlyAds.size(), "the early session's whole pod: " + earlySeen.values());
        assertEquals(b, earlyAds.get(0).pdt(), 50);
        // the late one: no part of the red ad, the blue ad at 8 s into the break, content (the slate) before it
        List<Seg> lateAds = lateSeen.values().stream().filter(x -> x.uri().startsWith("/ads/")).toList();
        assertTrue(lateAds.stream().noneMatch(x -> x.uri().startsWith("/ads/" + late + "/" + id + "/0/")), "the ad begun before the join is skipped");
        assertEquals(8, lateAds.size(), "the blue ad whole: " + lateSeen.values());
        assertTrue(lateAds.get(0).uri().startsWith("/ads/" + late + "/" + id + "/1/"), lateAds.get(0).uri());
        assertEquals(b + 8000, lateAds.get(0).pdt(), 50, "the blue ad at its place in the break");
        Seg beforeBlue = lateSeen.get(lateAds.get(0).msn() - 1);
        assertTrue(beforeBlue != null && beforeBlue.uri().startsWith("seg-") && beforeBlue.pdt() >= b, "the elapsed part plays as content: " + beforeBlue);
        Seg afterBlue = lateSeen.get(lateAds.get(lateAds.size() - 1).msn() + 1);
        assertTrue(afterBlue != null && afterBlue.uri().startsWith("seg-"), "content after the pod\n" + lastLate);
        assertEquals(b + 16_000, afterBlue.pdt(), 300, "content resumes where it does for everyone");
        // DASH: the same choice, one Period for the blue ad
        List<String> adPeriods = dash.stream().map(MpdPeriod::id).filter(x -> x.startsWith("ad-" + id + "-")).toList();
        assertEquals(List.of("ad-" + id + "-1"), adPeriods, "the late DASH session's ad Periods: " + dash);
        MpdPeriod blue = dash.stream().filter(p -> p.id().equals("ad-" + id + "-1")).findFirst().orElseThrow();
        assertEquals(b + 8000, blue.start(), 50);
    }

    @Test
    void sessionsWatchingBeforeABreakFindTheirPodsDecidedAheadAndTheAdServerSeesEachSessionOnce() throws Exception {
        assertEquals(201, send(created("aheadch", 8)).statusCode());
        List<String> sids = List.of("s-ahead-1", "s-ahead-2", "s-ahead-3", "s-ahead-4");
        Map<String, Long> known = new HashMap<>(); // sid -> when its first playlist was answered
        Map<String, Map<String, Long>> firstInView = new HashMap<>(); // sid -> break -> ms of the first reload showing it
        Map<String, Map<String, Long>> inViewAt = new HashMap<>(); // sid -> break -> when that reload was sent
        Map<String, java.util.Set<String>> pods = new HashMap<>(); // sid -> breaks its playlists listed ads of
        java.util.regex.Pattern range = java.util.regex.Pattern.compile("#EXT-X-DATERANGE:ID=\"([^\"]+)\"");
        long until = System.nanoTime() + 40_000_000_000L;
        while (System.nanoTime() < until) {
            for (String sid : sids) {
                long sent = System.currentTimeMillis();
                long t0 = System.nanoTime();
                HttpResponse<String> r = send(req("/live/aheadch/360p/index.m3u8?sid=" + sid));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (r.statusCode() != 200) {
                    continue; // not on air yet
                }
                known.putIfAbsent(sid, sent);
                java.util.regex.Matcher m = range.matcher(r.body());
                while (m.find()) {
                    firstInView.computeIfAbsent(sid, k -> new HashMap<>()).putIfAbsent(m.group(1), ms);
                    inViewAt.computeIfAbsent(sid, k -> new HashMap<>()).putIfAbsent(m.group(1), sent);
                }
                for (Seg seg : segments(r.body())) {
                    if (seg.uri().startsWith("/ads/" + sid + "/")) {
                        pods.computeIfAbsent(sid, k -> new java.util.HashSet<>()).add(seg.uri().split("/")[3]);
                    }
                }
            }
            Thread.sleep(300);
        }
        long end = System.currentTimeMillis();
        for (String sid : sids) {
            // a break that came into view a whole loop (4 s content, 8 s break) after the session was known
            // was announced while it watched: its pod was decided ahead
            List<String> ahead = inViewAt.getOrDefault(sid, Map.of()).entrySet().stream()
                    .filter(e -> e.getValue() >= known.get(sid) + 12_000).map(Map.Entry::getKey).toList();
            assertFalse(ahead.isEmpty(), sid + ": a break after a whole loop of watching: " + inViewAt.get(sid));
            for (String id : ahead) {
                long ms = firstInView.get(sid).get(id);
                System.out.println("[ssai-ahead] " + sid + " break " + id + ": first playlist showing it answered in " + ms + " ms");
                assertTrue(ms < AHEAD_DELAY_MS / 3, sid + ": the first playlist showing break " + id + " waited " + ms
                        + " ms, the ad server takes " + AHEAD_DELAY_MS + " ms: its decision was not made ahead");
                if (inViewAt.get(sid).get(id) < end - 3_000) { // its first ad segment is listed by now
                    assertTrue(pods.getOrDefault(sid, java.util.Set.of()).contains(id), sid + " listed its pod for " + id + ": " + pods);
                }
                // the request named the break as announced (its date may be a few ms off where it landed)
                String prefix = id.substring(0, id.lastIndexOf('-') + 1);
                long date = Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
                long asked = aheadAsked.stream().filter(a -> a.startsWith(sid + "@" + prefix))
                        .mapToLong(a -> Long.parseLong(a.substring(a.lastIndexOf('-') + 1)))
                        .filter(d -> Math.abs(d - date) <= 5_000).count();
                assertEquals(1, asked, sid + ": the ad server saw the session once for break " + id + ": " + aheadAsked);
            }
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
