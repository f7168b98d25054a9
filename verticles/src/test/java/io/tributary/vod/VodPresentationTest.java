package io.tributary.vod;

import io.tributary.media.cmaf.Fmp4Reader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VOD pipeline on a real source (moving pictures and a tone starting together, 25 fps, B-frames
 * from libx264): every video segment starts, by its tfdt, its sidx and the MPD's SegmentTimeline,
 * at the time its first picture shows, with no edit list for a player to apply or ignore; the
 * first picture and the first audio sample are at the same time, as in the source.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VodPresentationTest {

    @TempDir
    Path dir;

    @Test
    void everyVideoSegmentStartsAtItsFirstPictureWithNoEditListAndAudioStartsWithIt() throws Exception {
        Path out = dir.resolve("out");
        List<VodPackage.Packaged> packaged = VodTestMedia.pipeline(VodTestMedia.write(dir.resolve("tide.mp4"), 320, 240, 4, 25), out);

        String mpd = Files.readString(out.resolve("manifest.mpd"), StandardCharsets.UTF_8);
        double videoStart = -1;
        double audioStart = -1;
        for (VodPackage.Packaged p : packaged) {
            VodPackage.Rendition r = p.rendition();
            byte[] init = Files.readAllBytes(r.dir().resolve("init.mp4"));
            Fmp4Reader.Track track = Fmp4Reader.init(init);
            List<Long> timeline = new ArrayList<>();
            long earliest = Long.MAX_VALUE;
            boolean reordered = false;
            for (String file : p.files()) {
                byte[] bytes = Files.readAllBytes(r.dir().resolve(file));
                List<Fmp4Reader.Fragment> fragments = Fmp4Reader.fragments(track, bytes);
                long firstShown = Long.MAX_VALUE;
                for (Fmp4Reader.Fragment f : fragments) {
                    for (Fmp4Reader.Sample s : f.samples()) {
                        firstShown = Math.min(firstShown, s.dts() + s.compositionOffset());
                        reordered |= s.compositionOffset() < 0;
                    }
                }
                earliest = Math.min(earliest, firstShown);
                if (!r.video()) {
                    continue;
                }
                String at = r.name() + "/" + file;
                Fmp4Reader.Sample idr = fragments.get(0).samples().get(0);
                assertTrue(idr.sync(), at + " opens on an IDR");
                assertEquals(0, idr.compositionOffset(), at + ": the IDR shows when it decodes");
                assertEquals(firstShown, fragments.get(0).baseDecodeTime(), at + ": tfdt is when its first picture shows");
                assertEquals(firstShown, sidxTime(bytes), at + ": the sidx's earliest presentation time");
                timeline.add(firstShown);
            }
            if (!r.video()) {
                audioStart = earliest / (double) p.timescale();
                continue;
            }
            assertTrue(reordered, r.name() + ": B-frames shown before they decode, by signed offsets (else this test proves nothing)");
            assertFalse(hasBox(init, "moov", "trak", "edts"), r.name() + ": no edit list in the init segment");
            assertEquals(timeline, mpdTimeline(mpd, r.name()), r.name() + ": the MPD's SegmentTimeline");
            assertTrue(mpd.contains("media=\"" + r.name() + "/seg_$Number$.m4s\" startNumber=\"0\" presentationTimeOffset=\"" + timeline.get(0) + "\""),
                    r.name() + ": the presentation time offset is the first picture's time: " + mpd);
            videoStart = videoStart < 0 ? earliest / (double) p.timescale() : videoStart;
            assertEquals(videoStart, earliest / (double) p.timescale(), 1e-9, r.name() + " starts with the other rungs");
        }
        assertTrue(videoStart >= 0 && audioStart >= 0, "both tracks packaged");
        // within one AAC frame (21 ms at 48 kHz): the 80 ms B-frame delay an earlier packaging left in the video is gone
        assertTrue(Math.abs(videoStart - audioStart) < 0.022, "video at " + videoStart + " s, audio at " + audioStart + " s");

        // the I-frame playlist still names each segment's opening keyframe: its byte range ends at that sample
        VodPackage.Packaged top = packaged.get(0);
        String iframes = Files.readString(top.rendition().dir().resolve("iframes.m3u8"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("#EXT-X-BYTERANGE:(\\d+)@(\\d+)\\n(\\S+)").matcher(iframes);
        int listed = 0;
        Fmp4Reader.Track track = Fmp4Reader.init(Files.readAllBytes(top.rendition().dir().resolve("init.mp4")));
        while (m.find()) {
            byte[] bytes = Files.readAllBytes(top.rendition().dir().resolve(m.group(3)));
            Fmp4Reader.Fragment f = Fmp4Reader.fragments(track, bytes).get(0);
            assertEquals(f.offset(), Long.parseLong(m.group(2)));
            assertEquals(f.moofSize() + 8 + f.samples().get(0).data().length, Long.parseLong(m.group(1)));
            listed++;
        }
        assertEquals(top.files().size(), listed, iframes);
        assertFalse(top.files().isEmpty());
    }

    /** Whether the box path (each type a child of the one before) is in {@code bytes}' top-level boxes. */
    private static boolean hasBox(byte[] bytes, String... path) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int from = 0;
        int to = bytes.length;
        for (String type : path) {
            int found = -1;
            for (int at = from; at + 8 <= to && b.getInt(at) >= 8; at += b.getInt(at)) {
                if (new String(bytes, at + 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
                    found = at;
                    break;
                }
            }
            if (found < 0) {
                return false;
            }
            from = found + 8;
            to = found + b.getInt(found);
        }
        return true;
    }

    /** The earliest presentation time of a segment's (first) sidx. */
    private static long sidxTime(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int at = 0; at + 8 <= bytes.length; at += b.getInt(at)) {
            if (new String(bytes, at + 4, 4, StandardCharsets.ISO_8859_1).equals("sidx")) {
                return bytes[at + 8] == 1 ? b.getLong(at + 20) : b.getInt(at + 20) & 0xffffffffL;
            }
        }
        throw new AssertionError("no sidx");
    }

    /** The S@t values of a Representation's SegmentTimeline. */
    private static List<Long> mpdTimeline(String mpd, String representation) {
        int from = mpd.indexOf("<Representation id=\"" + representation + "\"");
        int to = mpd.indexOf("</Representation>", from);
        assertTrue(from >= 0 && to > from, mpd);
        List<Long> out = new ArrayList<>();
        Matcher m = Pattern.compile("<S t=\"(\\d+)\"").matcher(mpd.substring(from, to));
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }
}
