package io.tributary.playback;

import io.tributary.Node;
import io.tributary.dvr.DvrTimes;
import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recording of a signed stream is signed too: {@code /dvr} playlists open only with a token for
 * the stream, carry it into every URI (media playlists, recorded inits and segments), at the origin
 * and through the edge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedRecordingsTest {

    private static final String SECRET = "cms-shared-secret-dvr-0123456789";
    private final PlaybackToken cms = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8));
    private Path dataDir;
    private Node node;
    private TestPublication publication;
    private long t0;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("signed-dvr");
        node = TestNode.start(Map.of("TRIBUTARY_DVR_ENABLED", "true", "TRIBUTARY_DATA_DIR", dataDir.toString(),
                "TRIBUTARY_PLAYBACK_SECRET", SECRET, "TRIBUTARY_PLAYBACK_ACCESS_RULES", "sig-*=signed",
                "TRIBUTARY_TRANSCODE_LADDER", "none"));
        publication = LiveNode.publish(node, "sig-r", LiveNode.smallSource()).send(6.5).sendPacedInBackground(20);
        String t = token();
        TestNode.await("a live playlist", Duration.ofSeconds(30),
                () -> get(node.httpUrl("/live/sig-r/video/index.m3u8?token=" + t)).body().contains("#EXT-X-PROGRAM-DATE-TIME"));
        Matcher m = Pattern.compile("#EXT-X-PROGRAM-DATE-TIME:(\\S+)").matcher(get(node.httpUrl("/live/sig-r/video/index.m3u8?token=" + t)).body());
        assertTrue(m.find());
        t0 = Instant.parse(m.group(1)).toEpochMilli();
    }

    @AfterAll
    void stop() throws Exception {
        if (publication != null) {
            publication.close();
        }
        TestNode.stop(node);
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private String token() {
        return cms.mint(new Claims(Kind.STREAM, "sig-r", System.currentTimeMillis() / 1000 + 300, ""));
    }

    @Test
    void recordingsOfASignedStreamNeedItsTokenWhichTravelsIntoEveryUri() {
        String t = token();
        String from = "from=" + DvrTimes.seconds(t0);
        for (String door : List.of(node.httpUrl(""), "http://127.0.0.1:" + node.roles().edgePort())) {
            TestNode.await("a recorded start-over window at " + door, Duration.ofSeconds(40),
                    () -> get(door + "/dvr/sig-r/video/index.m3u8?" + from + "&token=" + t).body().split("#EXTINF").length > 2);
            assertEquals(403, get(door + "/dvr/sig-r/index.m3u8?" + from).statusCode());
            assertEquals(403, get(door + "/dvr/sig-r/index.m3u8?" + from + "&token="
                    + cms.mint(new Claims(Kind.STREAM, "other", System.currentTimeMillis() / 1000 + 300, ""))).statusCode());
            String mv = get(door + "/dvr/sig-r/index.m3u8?" + from + "&token=" + t).body();
            List<String> variants = uris(mv);
            assertFalse(variants.isEmpty(), mv);
            variants.forEach(u -> assertTrue(u.contains("token=" + t) && u.contains("from="), u));
            String media = get(door + "/dvr/sig-r/video/index.m3u8?" + from + "&token=" + t).body();
            List<String> objects = uris(media);
            assertTrue(objects.size() >= 3, media);
            for (String u : objects.subList(0, 3)) {
                assertTrue(u.contains("token=" + t), u);
                assertEquals(200, get(door + "/dvr/sig-r/video/" + u).statusCode(), u);
                assertEquals(403, get(door + "/dvr/sig-r/video/" + u.replaceAll("[?&]token=[^&]*", "")).statusCode(), u);
            }
            String mpd = get(door + "/dvr/sig-r/manifest.mpd?" + from + "&token=" + t).body();
            assertTrue(mpd.contains("token=" + t + "\""), mpd);
        }
    }

    private static List<String> uris(String playlist) {
        List<String> out = new ArrayList<>();
        for (String line : playlist.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.add(line.trim());
            }
            Matcher m = Pattern.compile("URI=\"([^\"]+)\"").matcher(line);
            while (line.startsWith("#") && m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static HttpResponse<String> get(String url) {
        return TestNode.getUrl(url);
    }
}
