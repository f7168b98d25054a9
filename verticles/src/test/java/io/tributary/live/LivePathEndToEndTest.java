package io.tributary.live;

import io.tributary.Node;
import io.tributary.demo.TestPatternBroadcaster;
import io.tributary.media.testing.Mp4Boxes;
import io.tributary.testing.LiveNode;
import io.tributary.testing.FfmpegPlayer;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live path as users run it: two FFmpeg broadcasters (JavaCV) publish RTMP to one
 * node at once, and FFmpeg's HLS demuxer plays each back over HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LivePathEndToEndTest {

    private LiveNode live;
    private Node node;
    /** B-frames, 2 s GOP at 25 fps, small picture. */
    private TestPatternBroadcaster withBFrames;
    /** No B-frames, 1 s GOP at 30 fps, larger picture. */
    private TestPatternBroadcaster lowLatency;

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none")); // tests the passthrough packager
        node = live.node();
        withBFrames = new TestPatternBroadcaster(node.rtmpUrl("bframes"), 320, 240, 25, 50, 2, true);
        lowLatency = new TestPatternBroadcaster(node.rtmpUrl("zerolatency"), 640, 360, 30, 30, 0, true);
        withBFrames.start();
        lowLatency.start();
        for (String key : List.of("bframes", "zerolatency")) {
            // three complete segments, so the playlists have some history
            live.awaitSegments(key, "video", 3, Duration.ofSeconds(40));
        }
    }

    @AfterAll
    void stop() {
        if (withBFrames != null) {
            withBFrames.close();
        }
        if (lowLatency != null) {
            lowLatency.close();
        }
        live.close();
    }

    @Test
    void ffmpegPlaysBothStreamsBackAtTheirSizes() throws Exception {
        assertPlaysBack("bframes", 320, 240);
        assertPlaysBack("zerolatency", 640, 360);
    }

    private void assertPlaysBack(String key, int width, int height) throws Exception {
        FfmpegPlayer.assertPlaysBack(node.httpUrl("/live/" + key + "/index.m3u8"), width, height, 40);
    }

    @Test
    void multivariantPlaylistDescribesTheStream() {
        HttpResponse<String> r = TestNode.get(node, "/live/zerolatency/index.m3u8");
        assertEquals(200, r.statusCode());
        assertEquals("application/vnd.apple.mpegurl", r.headers().firstValue("content-type").orElse(""));
        Playlist p = new Playlist(r.body());
        Playlist.Line media = p.tag("EXT-X-MEDIA");
        assertEquals("AUDIO", media.attr("TYPE"));
        // the query carries the playback session id (see session tests); the path is what this test is about
        assertEquals("audio/index.m3u8", withoutQuery(media.attr("URI")));
        Playlist.Line inf = p.tag("EXT-X-STREAM-INF");
        assertEquals("640x360", inf.attr("RESOLUTION"));
        assertTrue(inf.attr("CODECS").matches("avc1\\.[0-9a-f]{6},mp4a\\.40\\.2"), inf.attr("CODECS"));
        assertEquals("30.000", inf.attr("FRAME-RATE"));
        assertEquals(media.attr("GROUP-ID"), inf.attr("AUDIO"));
        assertTrue(Long.parseLong(inf.attr("BANDWIDTH")) > 100_000, "bandwidth measured from segments");
        assertEquals(List.of("video/index.m3u8"), p.lines.stream().filter(l -> l.uri() != null).map(l -> withoutQuery(l.uri())).toList());
    }

    private static String withoutQuery(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    @Test
    void mediaPlaylistsAreLowLatencyHlsTagByTag() {
        for (String key : List.of("bframes", "zerolatency")) {
            for (String rendition : List.of("video", "audio")) {
                Playlist p = new Playlist(TestNode.get(node, "/live/" + key + "/" + rendition + "/index.m3u8").body());
                String where = key + "/" + rendition + ": ";
                assertEquals("9", p.tag("EXT-X-VERSION").value(), where + "version");
                int target = Integer.parseInt(p.tag("EXT-X-TARGETDURATION").value());
                assertEquals(2, target, where + "target duration");
                Playlist.Line control = p.tag("EXT-X-SERVER-CONTROL");
                assertEquals("YES", control.attr("CAN-BLOCK-RELOAD"), where);
                double partTarget = Double.parseDouble(p.tag("EXT-X-PART-INF").attr("PART-TARGET"));
                assertEquals(0.5, partTarget, 1e-9, where + "part target");
                assertTrue(Double.parseDouble(control.attr("PART-HOLD-BACK")) >= 3 * partTarget, where + "PART-HOLD-BACK");
                assertTrue(Double.parseDouble(control.attr("CAN-SKIP-UNTIL")) >= 6 * target, where + "CAN-SKIP-UNTIL");
                assertTrue(p.tag("EXT-X-MAP").attr("URI").startsWith("init-"), where + "map");
                assertTrue(p.has("EXT-X-PROGRAM-DATE-TIME"), where + "PDT");
                assertTrue(p.tag("EXT-X-PRELOAD-HINT").attr("URI").startsWith("part-"), where + "preload hint");
                assertEquals("PART", p.tag("EXT-X-PRELOAD-HINT").attr("TYPE"));
                Playlist.Line report = p.tag("EXT-X-RENDITION-REPORT");
                assertEquals(rendition.equals("video") ? "../audio/index.m3u8" : "../video/index.m3u8", report.attr("URI"), where);
                assertNotNull(report.attr("LAST-MSN"));
                assertNotNull(report.attr("LAST-PART"));
                assertFalse(p.has("EXT-X-ENDLIST"), where + "live");

                List<Playlist.Segment> segments = p.segments();
                for (Playlist.Segment s : segments) {
                    assertTrue(s.duration() <= target + 0.5, where + "segment " + s.msn() + " lasts " + s.duration());
                    double sum = 0;
                    for (Playlist.Line part : s.parts()) {
                        double d = Double.parseDouble(part.attr("DURATION"));
                        assertTrue(d <= partTarget + 0.001, where + "part longer than PART-TARGET: " + d);
                        sum += d;
                    }
                    if (!s.parts().isEmpty()) {
                        assertEquals(s.duration(), sum, 0.002, where + "parts add up to segment " + s.msn());
                        assertEquals("YES", s.parts().get(0).attr("INDEPENDENT"), where + "segment starts independent");
                    }
                }
                if (rendition.equals("video")) {
                    // 2 s GOP at 25 fps: segments of 2.0 s; 1 s GOP: every other keyframe
                    assertEquals(2.0, segments.get(1).duration(), 0.05, where + "segment duration");
                }
            }
        }
    }

    @Test
    void segmentsAndPartsAreServedAsCmaf() {
        Playlist p = new Playlist(TestNode.get(node, "/live/bframes/video/index.m3u8").body());
        Playlist.Segment seg = p.segments().get(p.segments().size() - 1);
        HttpResponse<byte[]> segment = TestNode.getBytes(node, "/live/bframes/video/" + seg.uri());
        assertEquals(200, segment.statusCode());
        // the hotness tier's TTL (S1/S2/S3 of default.yaml), whichever tier the stream ranks in now
        assertTrue(segment.headers().firstValue("cache-control").orElse("").matches("public, max-age=(120|30|6)"),
                segment.headers().firstValue("cache-control").orElse(""));
        // a segment is its parts back to back
        int offset = 0;
        for (Playlist.Line part : seg.parts()) {
            byte[] bytes = TestNode.getBytes(node, "/live/bframes/video/" + part.attr("URI")).body();
            for (int i = 0; i < bytes.length; i++) {
                assertEquals(bytes[i], segment.body()[offset + i], "segment byte " + (offset + i));
            }
            offset += bytes.length;
        }
        assertEquals(segment.body().length, offset);
        // B-frames arrive with composition offsets, and the fragments keep them
        boolean compositionOffsets = false;
        int fragments = 0;
        for (Mp4Boxes.Box box : Mp4Boxes.parse(segment.body())) {
            if (box.type().equals("moof")) {
                fragments++;
                Mp4Boxes.Box trun = box.path("traf/trun");
                long samples = trun.u32(4);
                // version 1, flags 0xF01: data offset, then duration, size, flags, offset per sample
                for (int i = 0; i < samples; i++) {
                    compositionOffsets |= trun.u32(12 + 16 * i + 12) != 0;
                }
            }
        }
        assertEquals(seg.parts().size(), fragments, "one fragment per part");
        assertTrue(compositionOffsets, "composition offsets present");
        byte[] init = TestNode.getBytes(node, "/live/bframes/video/" + p.tag("EXT-X-MAP").attr("URI")).body();
        Mp4Boxes.find(Mp4Boxes.parse(init), "moov").path("trak/mdia/minf/stbl/stsd/avc1/avcC");
    }

    @Test
    void streamsApiListsBothStreams() {
        JsonArray list = new JsonArray(TestNode.get(node, "/api/v1/streams").body());
        assertEquals(2, list.size());
        JsonObject b = list.getJsonObject(0);
        assertEquals("bframes", b.getString("key"));
        assertEquals("live", b.getString("state"));
        assertEquals(320, b.getInteger("width"));
        assertEquals(240, b.getInteger("height"));
        assertEquals("mp4a.40.2", b.getJsonObject("codecs").getString("audio"));
        assertTrue(b.getLong("bitrate") > 0);
        String metrics = TestNode.get(node, "/metrics").body();
        assertTrue(metrics.contains("tributary_publishers 2.0"), "publishers gauge");
        assertTrue(metrics.contains("tributary_ingest_frames_total{stream_id=\"bframes\",track=\"video\"}"), "frames by stream");
    }
}
