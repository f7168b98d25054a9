package io.tributary.media.cmaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.testing.SyntheticAvSource;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two single-track CMAF streams, both on track 1 as the live packager writes them, merged into
 * one two-track file that FFmpeg demuxes and decodes: both streams present, times continuous
 * from the shift given, every video frame and the audio decoded.
 */
class CmafTrackMergeTest {

    private static final int FPS = 30;

    @Test
    void ffmpegDecodesBothTracksOfTheMergedFile(@TempDir Path dir) throws Exception {
        List<MediaSample> all;
        AvcConfig avc;
        AacConfig aac;
        int frameSize;
        try (SyntheticAvSource src = new SyntheticAvSource(320, 180, FPS, FPS, 0, true)) {
            avc = AvcConfig.parse(src.avcDecoderConfigurationRecord());
            aac = AacConfig.parse(src.audioSpecificConfig());
            frameSize = src.audioFrameSize();
            all = new ArrayList<>(src.next(2.0));
            all.addAll(src.next(2.0));
        }
        List<MediaSample> v = all.stream().filter(s -> s.track() == Track.VIDEO).toList();
        List<MediaSample> a = all.stream().filter(s -> s.track() == Track.AUDIO).toList();
        // video: two 2 s segments (one GOP each), decode times from a large origin (as after hours live)
        long origin = 3_600L * 90_000;
        List<byte[]> videoSegments = new ArrayList<>();
        for (int from = 0; from < v.size(); from += FPS * 2) {
            List<CmafSample> samples = new ArrayList<>();
            int to = Math.min(v.size(), from + FPS * 2);
            for (int i = from; i < to; i++) {
                samples.add(new CmafSample(3000, 0, v.get(i).keyframe(), v.get(i).data()));
            }
            videoSegments.add(CmafFragment.write(from / (FPS * 2) + 1, 1, origin + from * 3000L, samples));
        }
        List<byte[]> audioSegments = new ArrayList<>();
        int per = 43;
        for (int from = 0; from < a.size(); from += per) {
            List<CmafSample> samples = new ArrayList<>();
            int to = Math.min(a.size(), from + per);
            for (int i = from; i < to; i++) {
                samples.add(new CmafSample(frameSize, 0, true, a.get(i).data()));
            }
            audioSegments.add(CmafFragment.write(from / per + 1, 1, 3_600L * aac.sampleRate() + (long) from * frameSize, samples));
        }
        byte[] vInit = CmafInitSegment.video(avc, 1, 90_000);
        byte[] aInit = CmafInitSegment.audio(aac, 1);
        assertEquals(1, CmafTrackMerge.trackId(aInit));
        byte[] init = CmafTrackMerge.mergeInits(vInit, aInit, 2);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(init);
        int seq = 1;
        int ai = 0;
        for (byte[] vs : videoSegments) {
            seq = CmafTrackMerge.retrack(vs, 1, seq, -origin);
            out.writeBytes(vs);
            for (int k = 0; k < 2 && ai < audioSegments.size(); k++, ai++) {
                byte[] as = audioSegments.get(ai);
                seq = CmafTrackMerge.retrack(as, 2, seq, -3_600L * aac.sampleRate());
                out.writeBytes(as);
            }
        }
        while (ai < audioSegments.size()) {
            byte[] as = audioSegments.get(ai++);
            seq = CmafTrackMerge.retrack(as, 2, seq, -3_600L * aac.sampleRate());
            out.writeBytes(as);
        }
        assertEquals(0, CmafTrackMerge.firstDecodeTime(videoSegments.get(0)));
        Path file = dir.resolve("merged.mp4");
        Files.write(file, out.toByteArray());

        int pictures = 0;
        int audioFrames = 0;
        long lastVideoUs = -1;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.start();
            assertTrue(g.hasVideo() && g.hasAudio(), "both tracks: video " + g.hasVideo() + " audio " + g.hasAudio());
            assertEquals(320, g.getImageWidth());
            Frame f;
            while ((f = g.grab()) != null) {
                if (f.image != null) {
                    pictures++;
                    lastVideoUs = f.timestamp;
                } else if (f.samples != null) {
                    audioFrames++;
                }
            }
        }
        assertEquals(v.size(), pictures, "every video frame decoded");
        assertTrue(audioFrames >= a.size() - 2, "audio frames decoded: " + audioFrames + " of " + a.size());
        // rebased: the last picture sits just under 4 s, not at the hour
        assertTrue(lastVideoUs > 3_800_000 && lastVideoUs < 4_000_000, "last picture at " + lastVideoUs + " us");
    }

    @Test
    void malformedBoxesAreRefused() {
        byte[] junk = {0, 0, 0, 99, 'm', 'o', 'o', 'f', 0, 0};
        assertThrows(IllegalArgumentException.class, () -> CmafTrackMerge.retrack(junk, 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> CmafTrackMerge.mergeInits(new byte[16], new byte[16], 2));
    }
}
