package io.tributary.ssai;

import io.tributary.Node;
import io.tributary.media.vast.VastAd;
import io.tributary.media.vast.VastDocument;
import io.tributary.media.vast.VastParser;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ad decisions on a real node (VOD on an embedded PostgreSQL, transcode workers): against the
 * built-in VAST server over the catalog's ads, and against a test ad server on loopback that
 * plays wrapper chains, a creative to condition, a timeout, a 500, an empty VAST and garbage.
 * Decisions are asked on the event bus exactly as the per-session splice asks them. The test ad
 * server's port is allowed explicitly ({@code ssai.allowed-addresses}); a second loopback listener
 * (the trap) stands for a private service an ad server points the node at, and must get nothing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AdDecisionTest {

    @TempDir
    static Path dir;
    static Node node;
    static Vertx adServerVertx;
    static HttpServer adServer;
    static HttpServer trap;
    /** Every request the trap got: must stay empty. */
    static final List<String> trapped = new CopyOnWriteArrayList<>();
    static byte[] spot;
    /** Every request the test ad server got: path and query. */
    static final List<String> requests = new CopyOnWriteArrayList<>();
    static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    static String adA;
    static String adB;

    @BeforeAll
    static void start() throws Exception {
        spot = Files.readAllBytes(VodTestMedia.write(dir.resolve("spot.mp4"), 320, 180, 3, 25));
        adServerVertx = Vertx.vertx();
        trap = adServerVertx.createHttpServer().requestHandler(req -> {
            trapped.add(req.uri());
            req.response().putHeader("Content-Type", "application/xml").end(inline("http://127.0.0.1:" + req.localAddress().port()));
        });
        trap.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String trapBase = "http://127.0.0.1:" + trap.actualPort();
        adServer = adServerVertx.createHttpServer().requestHandler(req -> {
            requests.add(req.uri());
            hits.computeIfAbsent(req.path(), k -> new AtomicInteger()).incrementAndGet();
            String base = "http://127.0.0.1:" + req.localAddress().port();
            String xml = switch (req.path()) {
                case "/chain" -> wrapper("w1", base + "/chain2", base);
                case "/chain2" -> wrapper("w2", base + "/inline", base);
                case "/inline" -> inline(base);
                case "/inline-missing" -> inline(base).replace("spot-1", "spot-missing").replace("/spot.mp4", "/missing.mp4");
                case "/inline-streaming" -> inline(base).replace("spot-1", "spot-hls")
                        .replaceAll("<MediaFile delivery=\"progressive\"[^\n]*\n", "");
                case "/wrap-slow" -> wrapper("ws", base + "/slow", base);
                case "/wrap-500" -> wrapper("w5", base + "/500", base);
                case "/wrap-empty" -> wrapper("we", base + "/empty", base);
                case "/empty" -> "<VAST version=\"4.1\"><Error>" + base + "/err?who=root&amp;code=[ERRORCODE]</Error></VAST>";
                case "/garbage" -> "<VAST version=\"4.1\"><Ad id=\"1\"><InLine></VAST>";
                // the ad server points the node at a private address: a wrapper, a redirect, a media file, error URLs
                case "/wrap-private" -> wrapper("wp", trapBase + "/vast", base).replace("</Wrapper>",
                        "<Error><![CDATA[" + trapBase + "/err?who=wp&code=[ERRORCODE]]]></Error></Wrapper>");
                case "/wrap-redirect" -> wrapper("wr", base + "/to-trap", base);
                case "/inline-metadata" -> inline(base).replace("spot-1", "spot-md").replace("who=inline", "who=md")
                        .replace(base + "/spot.mp4", "http://169.254.169.254/latest/spot.mp4");
                case "/inline-private" -> inline(base).replace("spot-1", "spot-pv").replace("who=inline", "who=pv")
                        .replace(base + "/spot.mp4", trapBase + "/spot.mp4");
                // a media file that fetches fine but is no video: its transcode fails later
                case "/inline-junk" -> inline(base).replace("spot-1", "spot-junk").replace("who=inline", "who=junk")
                        .replace("/spot.mp4", "/junk.mp4");
                case "/deep" -> wrapper("d" + req.getParam("n"), base + "/deep?n=" + (Integer.parseInt(req.getParam("n", "0")) + 1), base);
                default -> null;
            };
            if (xml != null) {
                req.response().putHeader("Content-Type", "application/xml").end(xml);
            } else if (req.path().equals("/spot.mp4")) {
                req.response().putHeader("Content-Type", "video/mp4").end(io.vertx.core.buffer.Buffer.buffer(spot));
            } else if (req.path().equals("/junk.mp4")) {
                byte[] noise = new byte[50_000];
                new java.util.Random(7).nextBytes(noise);
                req.response().putHeader("Content-Type", "video/mp4").end(io.vertx.core.buffer.Buffer.buffer(noise));
            } else if (req.path().equals("/to-trap")) {
                req.response().setStatusCode(302).putHeader("Location", trapBase + "/vast").end();
            } else if (req.path().equals("/missing.mp4")) {
                req.response().setStatusCode(404).end();
            } else if (req.path().equals("/500")) {
                req.response().setStatusCode(500).end("down");
            } else if (req.path().equals("/slow")) {
                adServerVertx.setTimer(10_000, t -> req.response().end("<VAST version=\"4.1\"/>"));
            } else {
                req.response().setStatusCode(204).end(); // tracking and error pixels
            }
        });
        adServer.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String ads = "http://127.0.0.1:" + adServer.actualPort();
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "2");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_SSAI_DECISION_TIMEOUT", "1500ms");
        env.put("TRIBUTARY_SSAI_WRAPPER_DEPTH", "3");
        env.put("TRIBUTARY_SSAI_FREQUENCY_CAP", "2");
        env.put("TRIBUTARY_SSAI_VAST_URL_RULES", String.join(",",
                "ext-chain=" + ads + "/chain?sid=[SESSION]&dur=[DURATION]&st=[STREAM]&mtp=[THROUGHPUT]&cb=[CACHEBUSTING]",
                "ext-wslow=" + ads + "/wrap-slow", "ext-w500=" + ads + "/wrap-500", "ext-wempty=" + ads + "/wrap-empty",
                "ext-slow=" + ads + "/slow", "ext-500=" + ads + "/500", "ext-empty=" + ads + "/empty",
                "ext-garbage=" + ads + "/garbage", "ext-deep=" + ads + "/deep?n=0",
                "ext-missing=" + ads + "/inline-missing", "ext-streaming=" + ads + "/inline-streaming",
                "ext-wprivate=" + ads + "/wrap-private", "ext-wredirect=" + ads + "/wrap-redirect",
                "ext-metadata=" + ads + "/inline-metadata", "ext-private=" + ads + "/inline-private", "ext-junk=" + ads + "/inline-junk"));
        // the test ad server is on loopback: allowed by its port, and only it
        env.put("TRIBUTARY_SSAI_ALLOWED_ADDRESSES", "127.0.0.1:" + adServer.actualPort());
        node = TestNode.start(env);
        // the ad pool: two catalog assets tagged "ad", 2 s and 3 s
        adA = upload(VodTestMedia.write(dir.resolve("a.mp4"), 320, 180, 2, 25), "ad-a");
        adB = upload(VodTestMedia.write(dir.resolve("b.mp4"), 320, 180, 3, 25), "ad-b");
        awaitReady(adA);
        awaitReady(adB);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        if (adServerVertx != null) {
            adServerVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    static String wrapper(String id, String next, String base) {
        return """
                <VAST version="4.0"><Ad id="%s"><Wrapper><AdSystem>Exchange</AdSystem>
                <VASTAdTagURI><![CDATA[%s]]></VASTAdTagURI>
                <Impression><![CDATA[%s/imp?w=%s]]></Impression>
                <Error><![CDATA[%s/err?who=%s&code=[ERRORCODE]]]></Error>
                <Creatives><Creative><Linear><TrackingEvents>
                <Tracking event="complete"><![CDATA[%s/complete?w=%s]]></Tracking>
                </TrackingEvents></Linear></Creative></Creatives></Wrapper></Ad></VAST>
                """.formatted(id, next, base, id, base, id, base, id);
    }

    static String inline(String base) {
        return """
                <VAST version="4.1"><Ad id="spot-1" sequence="1"><InLine><AdSystem>TestAds</AdSystem><AdTitle>Spot</AdTitle>
                <Impression><![CDATA[%1$s/imp?w=inline]]></Impression>
                <Error><![CDATA[%1$s/err?who=inline&code=[ERRORCODE]]]></Error>
                <Creatives><Creative id="cr-spot-1"><Linear><Duration>00:00:03</Duration>
                <TrackingEvents><Tracking event="start"><![CDATA[%1$s/start]]></Tracking>
                <Tracking event="complete"><![CDATA[%1$s/complete?w=inline]]></Tracking></TrackingEvents>
                <MediaFiles>
                <MediaFile delivery="streaming" type="application/x-mpegURL" width="320" height="180"><![CDATA[%1$s/spot.m3u8]]></MediaFile>
                <MediaFile delivery="progressive" type="video/mp4" width="320" height="180" bitrate="300"><![CDATA[%1$s/spot.mp4]]></MediaFile>
                </MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>
                """.formatted(base);
    }

    static String upload(Path file, String title) throws Exception {
        HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=" + title + "&tags=ad")))
                .POST(HttpRequest.BodyPublishers.ofFile(file)).header("Content-Type", "application/octet-stream").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body()).getString("id");
    }

    static JsonObject asset(String id) {
        return new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body());
    }

    static void awaitReady(String id) {
        TestNode.await("asset " + id + " ready", Duration.ofSeconds(180), () -> {
            String state = asset(id).getString("state");
            assertNotEquals("failed", state, id);
            return "ready".equals(state);
        });
    }

    static AdPod decide(String session, String stream, long durationMs) throws Exception {
        JsonObject reply = node.vertx().eventBus().<JsonObject>request(AdDecisionRequest.ADDRESS,
                        new AdDecisionRequest(session, stream, "brk-" + session, durationMs, 2500).toJson(),
                        new DeliveryOptions().setSendTimeout(20_000))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
        AdPod pod = AdPod.fromJson(reply);
        assertEquals(pod.filledMs(), reply.getLong("filledMs"));
        return pod;
    }

    static ReplyException refused(String session, String stream, long durationMs) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> decide(session, stream, durationMs));
        assertTrue(e.getCause() instanceof ReplyException, String.valueOf(e.getCause()));
        return (ReplyException) e.getCause();
    }

    static VastDocument vast(String query) throws Exception {
        HttpResponse<String> r = TestNode.get(node, "/ads/vast?" + query);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/xml"));
        return VastParser.parse(r.body().getBytes(StandardCharsets.UTF_8));
    }

    static boolean errorCalled(String who, int code) {
        return requests.stream().anyMatch(u -> u.startsWith("/err?who=" + who + "&code=" + code));
    }

    // ---- the built-in ad server

    @Test
    void theBuiltInServerAnswersVast4PodsFromTheCatalogsAds() throws Exception {
        VastDocument doc = vast("duration=30&session=vast-1&stream=news");
        assertEquals("4.1", doc.version());
        assertEquals(2, doc.ads().size(), "both ads fit in 30 s");
        Set<String> ids = new HashSet<>();
        long total = 0;
        for (int i = 0; i < doc.ads().size(); i++) {
            VastAd ad = doc.ads().get(i);
            ids.add(ad.id());
            assertEquals(i + 1, ad.sequence());
            assertEquals(AdDecisionVerticle.BUILT_IN_AD_SYSTEM, ad.adSystem());
            var linear = ad.playable();
            total += linear.durationMs();
            assertTrue(linear.mediaFiles().get(0).url().endsWith("/vod/" + ad.id() + "/index.m3u8"));
            assertEquals(200, TestNode.getUrl(linear.mediaFiles().get(0).url()).statusCode(), "its media file plays");
            assertTrue(ad.impressions().get(0).contains("/ads/track?ad=" + ad.id()));
            assertEquals(List.of("start", "firstQuartile", "midpoint", "thirdQuartile", "complete"), List.copyOf(linear.tracking().keySet()));
        }
        assertEquals(Set.of(adA, adB), ids);
        assertTrue(total <= 30_000);
        // 2.5 s fits the 2 s ad only
        VastDocument small = vast("duration=2.5&session=vast-2");
        assertEquals(List.of(adA), small.ads().stream().map(VastAd::id).toList());
        // tracking URLs are counted
        double before = Scrape.of(node).sum("tributary_ssai_tracked_events_total");
        assertEquals(204, TestNode.getUrl(small.ads().get(0).impressions().get(0)).statusCode());
        assertEquals(204, TestNode.getUrl(small.ads().get(0).playable().tracking().get("midpoint").get(0)).statusCode());
        Scrape after = Scrape.of(node);
        assertEquals(before + 2, after.sum("tributary_ssai_tracked_events_total"));
        assertTrue(after.value("tributary_ssai_tracked_events_total", "event=\"midpoint\"") >= 1);
    }

    @Test
    void theBuiltInServerCapsHowOftenOneSessionGetsOneAd() throws Exception {
        // only the 2 s ad fits 2.5 s; the cap is 2 per session
        assertEquals(1, vast("duration=2.5&session=capped").ads().size());
        assertEquals(1, vast("duration=2.5&session=capped").ads().size());
        assertEquals(0, vast("duration=2.5&session=capped").ads().size(), "a third time is over the cap");
        assertEquals(1, vast("duration=2.5&session=other").ads().size(), "another session is not capped");
    }

    @Test
    void theBuiltInServerRefusesBadQueriesWith400() {
        for (String q : List.of("", "duration=abc", "duration=0", "duration=99999", "duration=10&session=" + "x".repeat(200),
                "duration=10&session=a%20b", "duration=10&stream=%3Cscript%3E")) {
            HttpResponse<String> r = TestNode.get(node, "/ads/vast?" + q);
            assertEquals(400, r.statusCode(), q + ": " + r.body());
            assertFalse(r.body().contains("Exception"), r.body());
        }
        assertEquals(400, TestNode.get(node, "/ads/track?e=start&ad=../../etc").statusCode());
    }

    @Test
    void decisionsFromTheBuiltInServerFillTheBreakAndTwoSessionsGetDifferentAds() throws Exception {
        AdPod one = decide("viewer-1", "news", 3500);
        AdPod two = decide("viewer-2", "news", 3500);
        assertEquals(1, one.ads().size(), one.toJson().encode());
        assertEquals(1, two.ads().size(), two.toJson().encode());
        assertNotEquals(one.ads().get(0).assetId(), two.ads().get(0).assetId(), "rotation: the next session starts at the next ad");
        for (AdPod pod : List.of(one, two)) {
            assertEquals("brk-" + (pod == one ? "viewer-1" : "viewer-2"), pod.breakId());
            assertTrue(pod.filledMs() <= 3500);
            AdPod.Ad ad = pod.ads().get(0);
            assertEquals(ad.creativeId(), ad.assetId(), "the built-in server's creatives are the catalog's assets");
            assertEquals(Math.round(asset(ad.assetId()).getDouble("duration") * 1000), ad.durationMs());
            assertTrue(ad.tracking().get("impression").get(0).contains("session=viewer-"));
            assertEquals(1, ad.errorUrls().size());
        }
        // a long break takes both, in the server's sequence, never past the end
        AdPod both = decide("viewer-3", "news", 30_000);
        assertEquals(2, both.ads().size());
        assertTrue(both.filledMs() <= 30_000 && both.filledMs() >= 4_500, both.toJson().encode());
        // a break shorter than every ad: the server has no ad for it, and the decision says so
        assertEquals(404, refused("viewer-4", "news", 1000).failureCode());
        Scrape s = Scrape.of(node);
        assertTrue(s.value("tributary_ssai_decisions_total", "result=\"filled\"") >= 3);
        assertTrue(s.value("tributary_ssai_decision_seconds_count") >= 4);
    }

    @Test
    void aBadRequestIsRefusedWith400() {
        assertEquals(400, refused("", "news", 1000).failureCode());
        assertEquals(400, refused("s", "bad key!", 1000).failureCode());
        assertEquals(400, refused("s", "news", 0).failureCode());
    }

    // ---- an outside ad server

    @Test
    void aWrapperChainIsFollowedAndTheCreativeIsConditionedOnceThenPlayed() throws Exception {
        // first break: the creative is not conditioned yet: left out, and its conditioning started
        AdPod first = decide("ext-viewer-1", "ext-chain", 10_000);
        assertEquals(0, first.ads().size(), first.toJson().encode());
        String chainCall = requests.stream().filter(u -> u.startsWith("/chain?")).findFirst().orElseThrow();
        assertTrue(chainCall.startsWith("/chain?sid=ext-viewer-1&dur=10&st=ext-chain&mtp=2500&cb="), chainCall);
        assertTrue(chainCall.matches(".*&cb=\\d{8}"), chainCall);
        assertEquals(1, hits.get("/chain2").get());
        assertEquals(1, hits.get("/inline").get());
        // the VOD pipeline conditions it as an asset tagged ad-creative
        String[] creative = new String[1];
        TestNode.await("the creative's asset", Duration.ofSeconds(60), () -> {
            JsonArray items = new JsonObject(TestNode.get(node, "/api/v1/assets?tag=" + AdCreatives.TAG).body()).getJsonArray("items");
            // other tests condition creatives of their own: this one's title names its creative id
            creative[0] = items.stream().map(o -> (JsonObject) o).filter(o -> o.getString("title", "").endsWith("|cr-spot-1"))
                    .map(o -> o.getString("id")).findFirst().orElse(null);
            return creative[0] != null;
        });
        assertTrue(Scrape.of(node).value("tributary_ssai_creatives_pending") >= 0);
        // a second session meanwhile does not fetch it again
        decide("ext-viewer-2", "ext-chain", 10_000);
        awaitReady(creative[0]);
        assertEquals(1, hits.get("/spot.mp4").get(), "the media file is fetched once");
        AdPod pod = decide("ext-viewer-3", "ext-chain", 10_000);
        assertEquals(1, pod.ads().size(), pod.toJson().encode());
        AdPod.Ad ad = pod.ads().get(0);
        assertEquals("spot-1", ad.adId());
        assertEquals("cr-spot-1", ad.creativeId());
        assertEquals(creative[0], ad.assetId());
        assertTrue(ad.durationMs() > 2500 && ad.durationMs() <= 3500, "the conditioned media's length: " + ad.durationMs());
        String base = "http://127.0.0.1:" + adServer.actualPort();
        // the wrappers' impressions, errors and tracking are the inline ad's too, outermost first
        assertEquals(List.of(base + "/imp?w=w1", base + "/imp?w=w2", base + "/imp?w=inline"), ad.tracking().get("impression"));
        assertEquals(List.of(base + "/complete?w=w1", base + "/complete?w=w2", base + "/complete?w=inline"), ad.tracking().get("complete"));
        assertEquals(List.of(base + "/start"), ad.tracking().get("start"));
        assertEquals(3, ad.errorUrls().size());
        TestNode.await("no creative pending", Duration.ofSeconds(15),
                () -> Scrape.of(node).value("tributary_ssai_creatives_pending") == 0);
        // a 2 s break cannot hold the 3 s ad: never past the end
        assertEquals(0, decide("ext-viewer-4", "ext-chain", 2000).ads().size());
    }

    @Test
    void aWrapperWhoseAdServerTimesOutGets301AndTheDecisionFails() throws Exception {
        long t0 = System.nanoTime();
        ReplyException e = refused("s-wslow", "ext-wslow", 10_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(404, e.failureCode(), e.getMessage());
        assertTrue(ms < 4000, "the decision timeout (1.5 s) holds: " + ms + " ms");
        TestNode.await("error 301 to the wrapper", Duration.ofSeconds(10), () -> errorCalled("ws", 301));
    }

    @Test
    void aWrapperWhoseAdServerAnswers500Gets301() throws Exception {
        refused("s-w500", "ext-w500", 10_000);
        TestNode.await("error 301 to the wrapper", Duration.ofSeconds(10), () -> errorCalled("w5", 301));
    }

    @Test
    void aWrapperWithNoAdBehindItGets303AndSoDoesTheEmptyAnswersOwnErrorUrl() throws Exception {
        refused("s-wempty", "ext-wempty", 10_000);
        TestNode.await("error 303 to the wrapper", Duration.ofSeconds(10), () -> errorCalled("we", 303));
        TestNode.await("error 303 to the empty answer's root Error", Duration.ofSeconds(10), () -> errorCalled("root", 303));
    }

    @Test
    void aChainDeeperThanTheLimitGets302() throws Exception {
        refused("s-deep", "ext-deep", 10_000);
        TestNode.await("error 302 to the wrappers", Duration.ofSeconds(10), () -> errorCalled("d0", 302) && errorCalled("d3", 302));
        assertEquals(4, hits.get("/deep").get(), "wrapper-depth 3: the top document and three wrappers below it, no more");
    }

    @Test
    void aCreativeWhoseMediaFileCannotBeFetchedGets405AndStaysOutOfThePod() throws Exception {
        assertEquals(0, decide("s-missing", "ext-missing", 10_000).ads().size());
        TestNode.await("error 405 to the ad", Duration.ofSeconds(20), () -> errorCalled("inline", 405));
        assertEquals(1, hits.get("/missing.mp4").get());
        TestNode.await("no creative pending", Duration.ofSeconds(15),
                () -> Scrape.of(node).value("tributary_ssai_creatives_pending") == 0);
    }

    @Test
    void aCreativeWithOnlyAStreamingMediaFileGets403() throws Exception {
        assertEquals(0, decide("s-streaming", "ext-streaming", 10_000).ads().size());
        TestNode.await("error 403 to the ad", Duration.ofSeconds(10), () -> errorCalled("inline", 403));
    }

    @Test
    void topLevelFailuresAreCountedByKind() throws Exception {
        Scrape before = Scrape.of(node);
        assertEquals(504, refused("s-slow", "ext-slow", 10_000).failureCode());
        assertEquals(502, refused("s-500", "ext-500", 10_000).failureCode());
        assertEquals(404, refused("s-empty", "ext-empty", 10_000).failureCode());
        assertEquals(502, refused("s-garbage", "ext-garbage", 10_000).failureCode());
        Scrape after = Scrape.of(node);
        for (String result : List.of("timeout", "http-error", "no-ads", "parse-error")) {
            double b = before.value("tributary_ssai_decisions_total", "result=\"" + result + "\"");
            double a = after.value("tributary_ssai_decisions_total", "result=\"" + result + "\"");
            assertTrue(a >= (Double.isNaN(b) ? 0 : b) + 1, result + ": " + b + " -> " + a);
        }
        TestNode.await("error 303 to the empty answer's root Error", Duration.ofSeconds(10), () -> errorCalled("root", 303));
        assertTrue(after.value("tributary_ssai_beacons_total", "result=\"sent\"") >= 1);
    }

    // ---- private addresses in VAST answers

    static double refusedUrls(String use) {
        double v = Scrape.of(node).value("tributary_ssai_refused_urls_total", "use=\"" + use + "\"");
        return Double.isNaN(v) ? 0 : v;
    }

    @Test
    void aWrapperPointingAtAPrivateAddressIsNotFetchedAndTheDecisionFailsWith301() throws Exception {
        double before = refusedUrls("vast");
        double beaconsBefore = refusedUrls("beacon");
        assertEquals(404, refused("s-wprivate", "ext-wprivate", 10_000).failureCode(), "no ad: the break plays as content");
        TestNode.await("error 301 to the wrapper", Duration.ofSeconds(10), () -> errorCalled("wp", 301));
        TestNode.await("the trap's error URL refused", Duration.ofSeconds(10), () -> refusedUrls("beacon") >= beaconsBefore + 1);
        assertTrue(refusedUrls("vast") >= before + 1);
        assertEquals(List.of(), trapped, "the private listener got no request: neither the wrapper's VAST nor its error URL");
    }

    @Test
    void aRedirectToAPrivateAddressIsNotFollowed() throws Exception {
        assertEquals(404, refused("s-wredirect", "ext-wredirect", 10_000).failureCode());
        TestNode.await("error 301 to the wrapper", Duration.ofSeconds(10), () -> errorCalled("wr", 301));
        assertEquals(1, hits.get("/to-trap").get());
        assertEquals(List.of(), trapped);
    }

    @Test
    void aMediaFileAtAPrivateAddressIsNotFetchedAndGets401() throws Exception {
        double before = refusedUrls("media");
        // cloud metadata: no listener there to ask, so the refusal is seen in the error code and the count
        assertEquals(0, decide("s-metadata", "ext-metadata", 10_000).ads().size(), "no ad: the break plays as content");
        TestNode.await("error 401 to the ad", Duration.ofSeconds(20), () -> errorCalled("md", 401));
        assertEquals(0, decide("s-private", "ext-private", 10_000).ads().size());
        TestNode.await("error 401 to the ad", Duration.ofSeconds(20), () -> errorCalled("pv", 401));
        assertTrue(refusedUrls("media") >= before + 2);
        assertEquals(List.of(), trapped, "the private listener got no request for the media file");
        assertFalse(errorCalled("md", 405) || errorCalled("pv", 405), "refused, not a fetch that failed");
    }

    // ---- a creative whose transcode fails after its media file was fetched

    @Test
    void aCreativeWhoseTranscodeFailsLaterGets405Once() throws Exception {
        assertEquals(0, decide("s-junk-1", "ext-junk", 10_000).ads().size());
        TestNode.await("the junk creative's asset failed", Duration.ofSeconds(90), () -> {
            JsonArray items = new JsonObject(TestNode.get(node, "/api/v1/assets?tag=" + AdCreatives.TAG).body()).getJsonArray("items");
            return items.stream().map(o -> (JsonObject) o)
                    .anyMatch(o -> o.getString("title", "").contains("spot-junk") && "failed".equals(o.getString("state")));
        });
        TestNode.await("error 405 to the ad", Duration.ofSeconds(20), () -> errorCalled("junk", 405));
        assertEquals(1, hits.get("/junk.mp4").get(), "the media file was fetched, once");
        // later decisions and the pending sweep (every 5 s) see the failed asset again: no second error
        assertEquals(0, decide("s-junk-2", "ext-junk", 10_000).ads().size());
        Thread.sleep(6000);
        assertEquals(1, requests.stream().filter(u -> u.startsWith("/err?who=junk&code=405")).count());
        assertEquals(0, requests.stream().filter(u -> u.startsWith("/err?who=junk&code=") && !u.startsWith("/err?who=junk&code=405")).count());
    }
}
