package io.tributary.edge;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Node;
import io.tributary.cluster.registry.StreamRegistry;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What viewers of an edge get over HTTP beyond the origin's bytes: gzip of playlists and MPDs
 * (never of media), and an MPD clock on the edge itself. A real origin node with a real RTMP
 * publisher, reached through a counting pass-through that forwards the edge's Accept-Encoding.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class EdgeHttpTest {

    private static final String KEY = "zipped";

    private final HttpClient viewers = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private LiveNode live;
    private Node origin;
    private Vertx edgeVertx;
    private CountingProxy proxy;
    private int edgePort;
    private String rendition;

    /** {@code testVertx} (the counting pass-through's) comes from {@link VertxExtension}, closed after the class. */
    @BeforeAll
    void start(Vertx testVertx) throws Exception {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        origin = live.node();
        proxy = await(CountingProxy.start(testVertx, origin.httpUrl("")));
        StreamRegistry registry = key -> Future.succeededFuture(proxy.url());
        edgeVertx = Vertx.vertx();
        edgePort = TestNode.freePort();
        EdgeFetcher fetcher = new EdgeFetcher(edgeVertx, EdgeSettings.defaults("127.0.0.1", edgePort), registry,
                new SimpleMeterRegistry(), k -> Duration.ofSeconds(30), null);
        await(EdgeVerticle.deploy(edgeVertx, fetcher, 2));

        // a live stream that stops producing after three segments: its playlists stay the same while
        // a test compares responses, and it stays dynamic (the publisher is still connected)
        live.publish(KEY).send(8.2);
        live.awaitVideoSegments(KEY, 3, Duration.ofSeconds(15));
        rendition = live.videoRendition(KEY);
    }

    @AfterAll
    void stop() throws Exception {
        if (edgeVertx != null) {
            await(edgeVertx.close());
        }
        live.close();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private HttpResponse<byte[]> edgeGet(String target, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edgePort + target))
                .timeout(Duration.ofSeconds(20));
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return viewers.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).get(30, TimeUnit.SECONDS);
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    /**
     * The same manifest asked for without and then with gzip; retried until the second came from
     * the cached object the first did (a playlist lives one second in the cache).
     */
    private HttpResponse<byte[]>[] plainThenGzip(String target) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            HttpResponse<byte[]> plain = edgeGet(target, null);
            HttpResponse<byte[]> gzip = edgeGet(target, "gzip, deflate, br");
            assertEquals(200, plain.statusCode(), new String(plain.body(), StandardCharsets.UTF_8));
            assertEquals(200, gzip.statusCode());
            if ("HIT".equals(header(gzip, "x-cache"))) {
                @SuppressWarnings("unchecked")
                HttpResponse<byte[]>[] both = new HttpResponse[]{plain, gzip};
                return both;
            }
        }
        throw new AssertionError("no two requests for " + target + " within one cached object in 5 attempts");
    }

    @Test
    void playlistsAreGzippedForViewersThatAcceptItAndTheCacheHoldsIdentityBytes() throws Exception {
        String playlist = "/live/" + KEY + "/" + rendition + "/index.m3u8";
        HttpResponse<byte[]>[] both = plainThenGzip(playlist);
        HttpResponse<byte[]> plain = both[0];
        HttpResponse<byte[]> gzip = both[1];

        assertNull(header(plain, "content-encoding"));
        assertEquals("Accept-Encoding", header(plain, "vary"));
        String text = new String(plain.body(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("#EXTM3U"), text);
        assertEquals(TestNode.get(origin, playlist).body(), text, "the edge serves the origin's playlist");

        assertEquals("gzip", header(gzip, "content-encoding"));
        assertEquals("Accept-Encoding", header(gzip, "vary"));
        assertEquals(header(plain, "content-type"), header(gzip, "content-type"));
        assertArrayEquals(plain.body(), gunzip(gzip.body()), "gzip decompresses to the plain playlist");
        assertTrue(gzip.body().length < plain.body().length, gzip.body().length + " gzip bytes for " + plain.body().length);

        // gzip refused explicitly, or only other codings: identity
        for (String refuses : new String[]{"gzip;q=0", "br", "identity", "gzip;q=0, *"}) {
            HttpResponse<byte[]> r = edgeGet(playlist, refuses);
            assertNull(header(r, "content-encoding"), refuses);
            assertTrue(new String(r.body(), StandardCharsets.UTF_8).startsWith("#EXTM3U"), refuses);
        }
        assertEquals(Set.of("identity"), proxy.acceptEncodings, "what the edge asked the origin for");
    }

    @Test
    void segmentsPartsAndInitAreNeverCompressed() throws Exception {
        String base = "/live/" + KEY + "/" + rendition + "/";
        Playlist pl = new Playlist(TestNode.get(origin, base + "index.m3u8").body());
        Playlist.Segment segment = pl.segments().get(1);
        String[] media = {
                segment.uri(),
                pl.tags("EXT-X-PART").get(0).attr("URI"),
                pl.tag("EXT-X-MAP").attr("URI")};
        for (String object : media) {
            String path = base + object;
            byte[] expected = TestNode.getBytes(origin, path).body();
            for (int i = 0; i < 2; i++) { // a miss, then a hit
                HttpResponse<byte[]> r = edgeGet(path, "gzip");
                assertEquals(200, r.statusCode(), path);
                assertNull(header(r, "content-encoding"), path);
                assertNull(header(r, "vary"), path);
                assertArrayEquals(expected, r.body(), path);
            }
        }
    }

    @Test
    void theMpdOfAnEdgeNamesTheEdgesClockAndTheEdgeAnswersIt() throws Exception {
        String target = "/live/" + KEY + "/manifest.mpd";
        HttpResponse<byte[]>[] both = plainThenGzip(target);
        HttpResponse<byte[]> plain = both[0];
        assertNull(header(plain, "content-encoding"));
        assertEquals("gzip", header(both[1], "content-encoding"));
        assertArrayEquals(plain.body(), gunzip(both[1].body()), "gzip decompresses to the plain MPD");

        String originClock = utcTiming(TestNode.get(origin, target).body());
        assertEquals(origin.httpUrl("/api/v1/time"), originClock, "the origin names its own clock");
        String timeUrl = utcTiming(new String(plain.body(), StandardCharsets.UTF_8));
        assertEquals("http://127.0.0.1:" + edgePort + "/api/v1/time", timeUrl);

        HttpResponse<byte[]> time = viewers.sendAsync(HttpRequest.newBuilder(URI.create(timeUrl)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofByteArray()).get(20, TimeUnit.SECONDS);
        assertEquals(200, time.statusCode());
        String now = new String(time.body(), StandardCharsets.UTF_8);
        assertTrue(now.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), now);
        long skewMs = Math.abs(Duration.between(Instant.now(), Instant.parse(now)).toMillis());
        assertTrue(skewMs < 2000, "edge clock " + now + " is " + skewMs + " ms from now");
        assertEquals("no-store", header(time, "cache-control"));
        assertEquals("*", header(time, "access-control-allow-origin"));
        assertEquals(0, proxy.count("/api/v1/time"), "the edge answers the clock itself");

        // a viewer that reached the edge under another name, through a TLS terminator, gets that name
        String other = rawGet(target, "edge.example:8443", "https");
        assertEquals("https://edge.example:8443/api/v1/time", utcTiming(other));

        // a front proxy's X-Forwarded-Host names the host; a malformed one is ignored, never echoed
        assertEquals("http://cdn.example:443/api/v1/time",
                utcTiming(rawGet(target, "edge.example:8443", "http", "X-Forwarded-Host: cdn.example:443")));
        for (String bad : new String[]{"cdn.example\"><x", "a b", "cdn.example/path", "cdn.example:99999999"}) {
            String mpd = rawGet(target, "edge.example:8443", "http", "X-Forwarded-Host: " + bad);
            assertEquals("http://edge.example:8443/api/v1/time", utcTiming(mpd), bad);
        }
    }

    /**
     * The UTCTiming value of an MPD: the MPD's own (its child), which every other one (a
     * ProducerReferenceTime's) must repeat.
     */
    private static String utcTiming(String mpd) throws Exception {
        Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(mpd.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        Element utc = null;
        for (org.w3c.dom.Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals("UTCTiming")) {
                assertNull(utc, "one UTCTiming of the MPD: " + mpd);
                utc = e;
            }
        }
        assertNotNull(utc, mpd);
        assertEquals("urn:mpeg:dash:utc:http-iso:2014", utc.getAttribute("schemeIdUri"));
        NodeList all = root.getElementsByTagName("UTCTiming");
        for (int i = 0; i < all.getLength(); i++) {
            assertEquals(utc.getAttribute("value"), ((Element) all.item(i)).getAttribute("value"), "every clock the MPD names is one");
        }
        return utc.getAttribute("value");
    }

    /** A GET with a Host header of our choosing (the JDK client sets Host itself), body as text. */
    private String rawGet(String target, String host, String forwardedProto, String... headers) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), edgePort)) {
            s.setSoTimeout(10_000);
            StringBuilder extra = new StringBuilder();
            for (String h : headers) {
                extra.append(h).append("\r\n");
            }
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nX-Forwarded-Proto: "
                    + forwardedProto + "\r\n" + extra + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            s.getInputStream().transferTo(out);
            String response = out.toString(StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }
}
