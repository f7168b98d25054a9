package io.tributary.delivery;

import io.tributary.media.testing.Mp4Boxes;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a player puts each LL-HLS part is where the media says it is. hls.js and Shaka place a part
 * at its segment's PROGRAM-DATE-TIME plus the DURATIONs of the parts before it, then map that onto
 * the part's own decode time (tfdt): Shaka re-derives its SourceBuffer offset from every part and
 * resets the buffer when it moves by 1 ms or more. So, per rendition, (date + durations) - tfdt must
 * be one constant for every part of every segment, video and audio must share it, and a part is
 * INDEPENDENT exactly when its first sample is a sync sample.
 */
class PartTimingTest {

    @Test
    void everyPartStartsWhereThePlaylistSaysAndTracksShareOneClock() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_HLS_PART_TARGET", "0.333"))) {
            TestPublication pub = live.publish("timing").sendPacedInBackground(12.0);
            String video = live.videoRendition("timing");
            live.awaitSegmentsInEach("timing", List.of(video, "audio"), 3, Duration.ofSeconds(30));

            double[] videoOffset = offsets(live, video);
            double[] audioOffset = offsets(live, "audio");
            // video decode times are on the PDT's millisecond clock: the same to float precision
            assertTrue(videoOffset[1] - videoOffset[0] < 1e-6,
                    "video: one date-minus-decode-time offset for every part, was " + videoOffset[0] + " .. " + videoOffset[1]);
            // audio frames (1024 samples) fall between milliseconds; its dates are rounded to one
            assertTrue(audioOffset[1] - audioOffset[0] <= 0.001 + 1e-9,
                    "audio: offsets within the date's 1 ms rounding, was " + audioOffset[0] + " .. " + audioOffset[1]);
            assertTrue(Math.abs(audioOffset[0] - videoOffset[0]) <= 0.001 + 1e-9,
                    "audio and video dates map to one clock: " + audioOffset[0] + " vs " + videoOffset[0]);
            assertNull(pub.senderFailure());
        }
    }

    /** Min and max over every listed part of (segment date + earlier part durations - tfdt), seconds. */
    private static double[] offsets(LiveNode live, String rendition) {
        String base = "/live/timing/" + rendition + "/";
        Playlist p = live.playlist(base + "index.m3u8");
        double timescale = timescale(TestNode.getBytes(live.node(), base + "init-0.mp4").body());
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int parts = 0;
        double date = Double.NaN;
        double inSegment = 0;
        List<String> seen = new ArrayList<>();
        for (Playlist.Line l : p.lines) {
            if ("EXT-X-PROGRAM-DATE-TIME".equals(l.tag())) {
                date = Instant.parse(l.value()).toEpochMilli() / 1000.0;
                inSegment = 0;
            } else if ("EXT-X-PART".equals(l.tag())) {
                String uri = l.attr("URI").replaceAll("\\?.*", "");
                double duration = Double.parseDouble(l.attr("DURATION"));
                byte[] part = TestNode.getBytes(live.node(), base + uri).body();
                Mp4Boxes.Box traf = Mp4Boxes.find(Mp4Boxes.parse(part), "moof").child("traf");
                double offset = date + inSegment - traf.child("tfdt").u64(4) / timescale;
                min = Math.min(min, offset);
                max = Math.max(max, offset);
                boolean independent = "YES".equals(l.attr("INDEPENDENT"));
                assertEquals(firstSampleIsSync(traf.child("trun")), independent,
                        rendition + " " + uri + ": INDEPENDENT=YES exactly when the part starts with a sync sample");
                inSegment += duration;
                parts++;
                seen.add(uri);
            }
        }
        assertTrue(parts >= 6, rendition + ": parts listed with their segment's date: " + seen + "\n" + p.text);
        return new double[] {min, max};
    }

    private static double timescale(byte[] init) {
        Mp4Boxes.Box mdhd = Mp4Boxes.find(Mp4Boxes.parse(init), "moov").path("trak/mdia/mdhd");
        return mdhd.u32(mdhd.version() == 1 ? 20 : 12);
    }

    /** ISO/IEC 14496-12 trun: the first sample's flags (first_sample_flags or its own entry); not non-sync. */
    private static boolean firstSampleIsSync(Mp4Boxes.Box trun) {
        int flags = trun.flags();
        int pos = 8; // version/flags, sample_count
        if ((flags & 0x1) != 0) {
            pos += 4; // data_offset
        }
        long sampleFlags;
        if ((flags & 0x4) != 0) {
            sampleFlags = trun.u32(pos);
        } else {
            if ((flags & 0x100) != 0) {
                pos += 4;
            }
            if ((flags & 0x200) != 0) {
                pos += 4;
            }
            assertTrue((flags & 0x400) != 0, "per-sample flags present");
            sampleFlags = trun.u32(pos);
        }
        return (sampleFlags & 0x00010000L) == 0; // sample_is_non_sync_sample
    }
}
