package io.tributary.vod;

import io.tributary.media.cmaf.Fmp4Reader;
import io.tributary.media.transcode.Ladder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VOD pipeline on a real source (moving pictures and a tone, 25 fps, B-frames from libx264):
 * every video segment starts, by its tfdt, its sidx and the MPD's SegmentTimeline, at the time its
 * first picture is shown, and no sample of any track is shown at another time than FFmpeg muxed it
 * (audio and video start together as they did).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VodPresentationTest {

    @TempDir
    Path dir;

    /** One sample's presentation time in ticks, and the segment and fragment it is in. */
    private record Shown(String file, long pts) {
    }

    @Test
    void everyVideoSegmentStartsAtItsFirstPictureAndNothingIsShownAtAnotherTime() throws Exception {
        Path src = VodTestMedia.write(dir.resolve("tide.mp4"), 320, 240, 4, 25);
        Path out = dir.resolve("out");
        VodTranscode.Result result = VodTranscode.run(src, out, 1.0, Ladder.VOD, new VodTranscode.Progress() {
            @Override
            public void at(long mediaMicrosDone, long durationMicros) {
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        });
        Map<String, List<Shown>> muxed = new HashMap<>();
        boolean delayed = false;
        for (VodPackage.Rendition r : result.renditions()) {
            muxed.put(r.name(), shown(r.dir()));
            if (r.video()) {
                Fmp4Reader.Track t = Fmp4Reader.init(Files.readAllBytes(r.dir().resolve("init.mp4")));
                delayed |= Fmp4Reader.samples(t, Files.readAllBytes(r.dir().resolve("seg_0.m4s"))).get(0).compositionOffset() > 0;
            }
        }
        assertTrue(delayed, "the encoder reorders pictures (else this test proves nothing)");

        List<VodPackage.Packaged> packaged = VodPackage.write(out, result.renditions(), 1.0);

        String mpd = Files.readString(out.resolve("manifest.mpd"), StandardCharsets.UTF_8);
        double videoStart = -1;
        double audioStart = -1;
        for (VodPackage.Packaged p : packaged) {
            VodPackage.Rendition r = p.rendition();
            List<Shown> now = shown(r.dir());
            assertEquals(muxed.get(r.name()), now, r.name() + ": every sample shown when FFmpeg muxed it");
            double first = now.stream().mapToLong(Shown::pts).min().orElseThrow() / (double) p.timescale();
            if (!r.video()) {
                audioStart = first;
                continue;
            }
            videoStart = Math.max(videoStart, first);
            Fmp4Reader.Track track = Fmp4Reader.init(Files.readAllBytes(r.dir().resolve("init.mp4")));
            List<Long> timeline = new ArrayList<>();
            for (String file : p.files()) {
                byte[] bytes = Files.readAllBytes(r.dir().resolve(file));
                long firstShown = Long.MAX_VALUE;
                List<Fmp4Reader.Fragment> fragments = Fmp4Reader.fragments(track, bytes);
                for (Fmp4Reader.Fragment f : fragments) {
                    for (Fmp4Reader.Sample s : f.samples()) {
                        firstShown = Math.min(firstShown, s.dts() + s.compositionOffset());
                    }
                }
                Fmp4Reader.Sample idr = fragments.get(0).samples().get(0);
                assertTrue(idr.sync(), r.name() + "/" + file + " opens on an IDR");
                assertEquals(firstShown, idr.dts() + idr.compositionOffset(), r.name() + "/" + file + ": the IDR is shown first");
                assertEquals(firstShown, fragments.get(0).baseDecodeTime(), r.name() + "/" + file + ": tfdt is when its first picture shows");
                assertEquals(firstShown, sidxTime(bytes), r.name() + "/" + file + ": the sidx's earliest presentation time");
                timeline.add(firstShown);
            }
            assertEquals(timeline, mpdTimeline(mpd, r.name()), r.name() + ": the MPD's SegmentTimeline");
        }
        assertTrue(videoStart >= 0 && audioStart >= 0, "both tracks packaged");
        // what FFmpeg muxed (checked above per sample), so the asset's own A/V offset, a few frames at most
        assertTrue(Math.abs(videoStart - audioStart) < 0.1, "video at " + videoStart + " s, audio at " + audioStart + " s");

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

        // packaging again (a retried job over the same files) changes nothing
        Map<String, byte[]> before = new HashMap<>();
        for (String file : top.files()) {
            before.put(file, Files.readAllBytes(top.rendition().dir().resolve(file)));
        }
        VodPackage.write(out, result.renditions(), 1.0);
        for (String file : top.files()) {
            assertTrue(java.util.Arrays.equals(before.get(file), Files.readAllBytes(top.rendition().dir().resolve(file))), file);
        }
    }

    /** Every sample of a rendition, in decode order, with the time it is shown. */
    private static List<Shown> shown(Path rendition) throws Exception {
        Fmp4Reader.Track track = Fmp4Reader.init(Files.readAllBytes(rendition.resolve("init.mp4")));
        List<Shown> out = new ArrayList<>();
        for (int n = 0; Files.exists(rendition.resolve("seg_" + n + ".m4s")); n++) {
            String file = "seg_" + n + ".m4s";
            for (Fmp4Reader.Sample s : Fmp4Reader.samples(track, Files.readAllBytes(rendition.resolve(file)))) {
                out.add(new Shown(file, s.dts() + s.compositionOffset()));
            }
        }
        assertFalse(out.isEmpty(), rendition + " has samples");
        return out;
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
