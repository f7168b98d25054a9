package io.tributary.media.timeline;

import io.tributary.media.hls.LlHlsPlaylist;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.testing.Mp4Boxes;
import io.tributary.media.testing.SyntheticAvSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How samples are cut into parts and segments, on real x264 output. */
class TrackPackagerTest {

    private static RenditionTimeline timeline() {
        return new RenditionTimeline("video", 2, 0.5, 10, 2);
    }

    private static TrackPackager video(RenditionTimeline t, double part) {
        return new TrackPackager(t, 90_000, part, 2.0, true);
    }

    private static void feed(TrackPackager p, List<MediaSample> samples) {
        for (MediaSample s : samples) {
            if (s.track() == Track.VIDEO) {
                p.offer(s.dts() * 90, s.compositionOffset() * 90, s.keyframe(), s.data(), 1_000_000 + s.dts());
            }
        }
    }

    @Test
    void partsNeverExceedTheTargetAndSegmentsStartOnKeyframes() {
        for (double part : new double[]{0.5, 0.333, 0.2}) {
            try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 2, false)) {
                RenditionTimeline t = timeline();
                feed(video(t, part), src.next(9.0));
                RenditionSnapshot s = t.snapshot();
                assertEquals(4, s.listed().size(), "9 s of 2 s segments -> 4 complete");
                for (MediaSegment seg : s.listed()) {
                    assertEquals(2.0, seg.duration(), 0.0001, "segment " + seg.msn());
                    assertTrue(seg.parts().get(0).independent(), "segment starts with a keyframe");
                    for (MediaPart p : seg.parts()) {
                        assertTrue(p.duration() <= part + 0.001, "part " + p.duration() + " > " + part);
                        // short parts only at the end of a segment (>= 85 % otherwise)
                        if (p.index() < seg.parts().size() - 1) {
                            assertTrue(p.duration() >= 0.85 * part - 0.034, "part " + p.duration());
                        }
                    }
                    // the 1 s GOP puts a keyframe in the middle of each segment: that part is independent too
                    assertTrue(seg.parts().stream().filter(MediaPart::independent).count() >= 2);
                }
                assertEquals(seg0Pdt(s), 1_000_000L, "PDT from the first sample");
            }
        }
    }

    private static long seg0Pdt(RenditionSnapshot s) {
        return s.listed().get(0).programDateTime();
    }

    @Test
    void aLongerGopMakesALongerSegmentAndRaisesTheTarget() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 25, 75, 0, false)) { // 3 s GOP
            RenditionTimeline t = timeline();
            feed(video(t, 0.5), src.next(10.0));
            RenditionSnapshot s = t.snapshot();
            assertEquals(3.0, s.listed().get(0).duration(), 0.001);
            assertEquals(3, s.targetDuration());
        }
    }

    @Test
    void fragmentsCarryDecodeTimesAndSampleFlags() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 2, false)) {
            RenditionTimeline t = timeline();
            List<MediaSample> samples = src.next(4.5);
            feed(video(t, 0.5), samples);
            MediaSegment seg = t.snapshot().listed().get(1);
            long expectedStart = seg.parts().isEmpty() ? 0 : 2000 * 90;
            Mp4Boxes.Box first = Mp4Boxes.find(Mp4Boxes.parse(seg.parts().get(0).bytes()), "moof");
            assertEquals(expectedStart, first.path("traf/tfdt").u64(4), "tfdt of segment 1 = 2 s at 90 kHz");
            long samplesInSegment = 0;
            for (MediaPart p : seg.parts()) {
                samplesInSegment += Mp4Boxes.find(Mp4Boxes.parse(p.bytes()), "moof").path("traf/trun").u32(4);
            }
            assertEquals(60, samplesInSegment, "2 s at 30 fps");
        }
    }

    @Test
    void blockingConditionsFollowTheSpec() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 0, false)) {
            RenditionTimeline t = timeline();
            TrackPackager p = video(t, 0.5);
            feed(p, src.next(4.6)); // segments 0, 1 complete; segment 2 has one part
            RenditionSnapshot s = t.snapshot();
            assertEquals(2, s.open().msn());
            assertEquals(1, s.open().parts().size());
            assertTrue(s.satisfies(1, -1));
            assertTrue(s.satisfies(2, 0));
            assertFalse(s.satisfies(2, 1), "part 2.1 does not exist yet");
            assertFalse(s.satisfies(2, -1), "segment 2 is not complete");
            assertTrue(s.mayStillHave(2, 1));
            assertFalse(s.mayStillHave(1, 7), "segment 1 is closed");
            assertEquals(2, s.edgeMsn());
            assertEquals(2, s.lastMsn());
            assertEquals(0, s.lastPart());
            assertNull(s.part(2, 1));
            feed(p, src.next(0.6));
            assertTrue(t.snapshot().satisfies(2, 1));
        }
    }

    @Test
    void followerCutsWhereTheLeaderCut() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 0, true)) {
            RenditionTimeline vt = timeline();
            RenditionTimeline at = new RenditionTimeline("audio", 2, 0.5, 10, 2);
            TrackPackager v = video(vt, 0.5);
            int rate = src.sampleRate();
            TrackPackager a = new TrackPackager(at, rate, 0.5, 2.0, false);
            boolean videoStarted = false;
            for (MediaSample s : src.next(8.1)) {
                if (s.track() == Track.VIDEO) {
                    if (v.offer(s.dts() * 90, s.compositionOffset() * 90, s.keyframe(), s.data(), s.dts())) {
                        a.requestCut(s.dts() * rate / 1000);
                        videoStarted = true;
                    }
                } else if (videoStarted) { // as LiveStream does: audio waits for the first video segment
                    a.offer(s.dts() * rate / 1000, 0, true, s.data(), s.dts());
                }
            }
            List<MediaSegment> video = vt.snapshot().listed();
            List<MediaSegment> audio = at.snapshot().listed();
            assertEquals(video.size(), audio.size(), "same segment count: video "
                    + video.stream().map(x -> x.msn() + ":" + x.duration()).toList() + " audio "
                    + audio.stream().map(x -> x.msn() + ":" + x.duration()).toList());
            for (int i = 0; i < video.size(); i++) {
                assertEquals(video.get(i).msn(), audio.get(i).msn());
                assertEquals(video.get(i).duration(), audio.get(i).duration(), 1024.0 / rate + 1e-6, "segment " + i);
            }
        }
    }

    @Test
    void flushClosesTheSegmentAndTheTimelineCarriesADiscontinuity() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 0, false)) {
            RenditionTimeline t = timeline();
            TrackPackager p = video(t, 0.5);
            feed(p, src.next(3.0));
            long end = p.flush();
            assertEquals(3000 * 90, end, 2 * 90, "end = last dts + one frame (ms timestamps round)");
            assertNull(t.snapshot().open());
            assertEquals(2, t.snapshot().listed().size());
            t.discontinuity();
            List<MediaSample> more = src.next(2.5);
            long shift = 3000 - more.get(0).dts();
            for (MediaSample s : more) {
                if (s.track() == Track.VIDEO) {
                    p.offer((s.dts() + shift) * 90, 0, s.keyframe(), s.data(), 0);
                }
            }
            MediaSegment resumed = t.snapshot().listed().get(2);
            assertEquals(2, resumed.msn());
            assertTrue(resumed.discontinuity());
            String playlist = LlHlsPlaylist.render(t.snapshot(), false, "", List.of());
            assertTrue(playlist.contains("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME"), playlist);
        }
    }

    @Test
    void everyPreloadHintNamesAPartThatComes() {
        // every snapshot a reader can see, as the writer publishes them
        List<RenditionSnapshot> seen = new java.util.ArrayList<>();
        RenditionTimeline[] holder = new RenditionTimeline[1];
        TimelineListener watcher = new TimelineListener() {
            @Override
            public void partPublished(RenditionTimeline timeline, MediaSegment segment, MediaPart part) {
                seen.add(timeline.snapshot());
            }

            @Override
            public void segmentCompleted(RenditionTimeline timeline, MediaSegment segment, byte[] init) {
                seen.add(timeline.snapshot());
            }
        };
        holder[0] = new RenditionTimeline("video", 2, 0.333, 10, 2, watcher);
        holder[0].init(new byte[]{1});
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 0, false)) {
            feed(new TrackPackager(holder[0], 90_000, 0.333, 2.0, true), src.next(9.0));
        }
        RenditionSnapshot last = holder[0].snapshot();
        assertTrue(last.listed().size() >= 3, "segments were cut");
        int boundaries = 0;
        for (RenditionSnapshot s : seen) {
            if (s.open() == null) {
                continue;
            }
            long msn = s.open().msn();
            int hinted = s.open().parts().size();
            // the hinted part exists in the end, unless it is the newest segment's, still to come
            MediaSegment done = last.segment(msn);
            if (done != null) {
                assertTrue(hinted < done.parts().size(), "snapshot " + s.version() + " hints part " + msn + "." + hinted
                        + " but segment " + msn + " ended with " + done.parts().size() + " parts");
            }
            if (hinted == 0 && !s.listed().isEmpty()) {
                boundaries++;
                // the finished segment is listed in the same snapshot that opens the next one
                assertEquals(msn - 1, s.listed().get(s.listed().size() - 1).msn());
                assertTrue(LlHlsPlaylist.render(s, false, "", List.of())
                        .contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-" + msn + ".0.m4s\""), "the hint names the next segment");
            }
        }
        assertTrue(boundaries >= 3, "the hint moved to the next segment at each boundary: " + boundaries);
    }
}
