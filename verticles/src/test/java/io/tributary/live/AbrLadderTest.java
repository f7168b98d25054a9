package io.tributary.live;

import io.tributary.Node;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.testing.Mp4Boxes;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed ladder on a 720p publish: what a player on any network gets. */
class AbrLadderTest {

    @Test
    void seedLadderOnA720pSource() throws Exception {
        try (LiveNode live = LiveNode.start(Map.of())) { // the seed ladder is the default
            Node node = live.node();
            TestPublication pub = live.publish("abr", new SyntheticAvSource(1280, 720, 30, 60, 0, true)).sendPacedInBackground(14);
            live.awaitSegmentsInEach("abr", List.of("720p", "360p"), 3, Duration.ofSeconds(30));

            // never upscale: no 1080p; 720p is the source passed through, 360p is encoded
            Playlist multivariant = new Playlist(TestNode.get(node, "/live/abr/index.m3u8").body());
            List<Playlist.Line> variants = multivariant.tags("EXT-X-STREAM-INF");
            assertEquals(2, variants.size(), multivariant.text);
            assertEquals("1280x720", variants.get(0).attr("RESOLUTION"));
            assertEquals("640x360", variants.get(1).attr("RESOLUTION"));
            assertEquals(404, TestNode.get(node, "/live/abr/1080p/index.m3u8").statusCode());
            assertTrue(Long.parseLong(variants.get(0).attr("BANDWIDTH")) > Long.parseLong(variants.get(1).attr("BANDWIDTH")));

            for (String rung : List.of("720p", "360p")) {
                Playlist p = new Playlist(TestNode.get(node, "/live/abr/" + rung + "/index.m3u8").body());
                // CODECS in the multivariant playlist is the encoded stream's own
                byte[] init = TestNode.getBytes(node, "/live/abr/" + rung + "/" + p.tag("EXT-X-MAP").attr("URI")).body();
                byte[] avcC = Mp4Boxes.find(Mp4Boxes.parse(init), "moov").path("trak/mdia/minf/stbl/stsd/avc1/avcC").payload();
                String codec = AvcConfig.parse(avcC).codecString();
                String expected = rung.equals("720p") ? variants.get(0).attr("CODECS") : variants.get(1).attr("CODECS");
                assertTrue(expected.startsWith(codec + ","), rung + ": " + expected + " vs " + codec);
                assertTrue(p.has("EXT-X-RENDITION-REPORT"));
            }

            // segment N starts at the same media time in every rung
            Playlist hi = new Playlist(TestNode.get(node, "/live/abr/720p/index.m3u8").body());
            Playlist lo = new Playlist(TestNode.get(node, "/live/abr/360p/index.m3u8").body());
            int compared = 0;
            for (Playlist.Segment a : hi.segments()) {
                for (Playlist.Segment b : lo.segments()) {
                    if (a.msn() == b.msn()) {
                        assertEquals(firstDecodeTime(node, "720p", a.uri()), firstDecodeTime(node, "360p", b.uri()), "segment " + a.msn());
                        assertEquals(a.duration(), b.duration(), 0.001, "segment " + a.msn());
                        compared++;
                    }
                }
            }
            assertTrue(compared >= 2, "segments compared: " + compared);

            // DASH: one video AdaptationSet with a Representation per rung, at the rung's own size
            org.w3c.dom.Document mpd = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new java.io.ByteArrayInputStream(TestNode.getBytes(node, "/live/abr/manifest.mpd").body()));
            org.w3c.dom.NodeList reps = mpd.getElementsByTagName("Representation");
            Map<String, String> widths = new java.util.HashMap<>();
            for (int i = 0; i < reps.getLength(); i++) {
                org.w3c.dom.Element e = (org.w3c.dom.Element) reps.item(i);
                widths.put(e.getAttribute("id"), e.getAttribute("width"));
            }
            assertEquals("1280", widths.get("720p"));
            assertEquals("640", widths.get("360p"));
            assertTrue(widths.containsKey("audio"), widths.toString());

            // per-rung transcoder gauges for the encoded rung only
            String metrics = TestNode.get(node, "/metrics").body();
            java.util.regex.Matcher rt = java.util.regex.Pattern
                    .compile("tributary_transcode_realtime_factor\\{rendition=\"360p\",stream_id=\"abr\"} ([0-9.]+)").matcher(metrics);
            assertTrue(rt.find(), "360p realtime factor gauge");
            assertTrue(Double.parseDouble(rt.group(1)) > 1.0, "a 360p encoder keeps up with a paced 720p source: " + rt.group(1));
            assertTrue(metrics.contains("tributary_transcode_queue_depth{rendition=\"360p\",stream_id=\"abr\"}"));
            assertFalse(metrics.contains("tributary_transcode_encode_fps{rendition=\"720p\""), "the bypassed rung does not encode");
            // the 360p rung's output bit rate: near its 600 kbit/s target, and near what its segments carry
            java.util.regex.Matcher br = java.util.regex.Pattern
                    .compile("tributary_transcode_output_bitrate_bits_per_second\\{rendition=\"360p\",stream_id=\"abr\"} ([0-9.E]+)")
                    .matcher(metrics);
            assertTrue(br.find(), "360p output bitrate gauge");
            double bitrate = Double.parseDouble(br.group(1));
            List<Playlist.Segment> recent = lo.segments().subList(lo.segments().size() - 2, lo.segments().size());
            double segmentBits = 0;
            double segmentSeconds = 0;
            for (Playlist.Segment seg : recent) {
                segmentBits += 8.0 * TestNode.getBytes(node, "/live/abr/360p/" + seg.uri()).body().length;
                segmentSeconds += seg.duration();
            }
            double carried = segmentBits / segmentSeconds;
            assertTrue(bitrate > 100_000 && bitrate < 800_000, "360p at 600 kbit/s (maxrate 660): " + bitrate);
            assertTrue(bitrate > 0.6 * carried && bitrate < 1.4 * carried, bitrate + " bit/s vs its last segments' " + carried);
            assertTrue(metrics.contains("tributary_transcode_pixel_rate_pixels_per_second " + (640 * 360 * 30) + ".0"),
                    "the ladder holds 360p30's pixel rate");

            assertDecodes(node, "360p", 640, 360);
            assertDecodes(node, "720p", 1280, 720);
            assertNull(pub.senderFailure());
            pub.joinSender(20_000);
            pub.close();
        }
    }

    @Test
    void aSourceSmallerThanEveryRungPlaysAsItIs() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed"))) {
            Node node = live.node();
            TestPublication pub = live.publish("tiny").send(4.2);
            live.awaitSegments("tiny", "video", 2, Duration.ofSeconds(10));
            Playlist multivariant = new Playlist(TestNode.get(node, "/live/tiny/index.m3u8").body());
            assertEquals("320x240", multivariant.tag("EXT-X-STREAM-INF").attr("RESOLUTION"));
            assertEquals(1, multivariant.tags("EXT-X-STREAM-INF").size());
            pub.close();
        }
    }

    private static long firstDecodeTime(Node node, String rung, String uri) {
        byte[] seg = TestNode.getBytes(node, "/live/abr/" + rung + "/" + uri).body();
        return Mp4Boxes.find(Mp4Boxes.parse(seg), "moof").path("traf/tfdt").u64(4);
    }

    private static void assertDecodes(Node node, String rung, int width, int height) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(node.httpUrl("/live/abr/" + rung + "/index.m3u8"))) {
            g.setOption("rw_timeout", "10000000");
            g.start();
            int images = 0;
            for (int i = 0; i < 100 && images < 20; i++) {
                Frame f = g.grabImage();
                assertNotNull(f, rung + " ended early");
                assertEquals(width, f.imageWidth, rung);
                assertEquals(height, f.imageHeight, rung);
                images++;
            }
            assertEquals(20, images);
            g.stop();
        }
    }
}
