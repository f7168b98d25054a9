package io.tributary.media.cmaf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.testing.SyntheticAvSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVIndexEntry;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Independent readback: fragments written here are demuxed by FFmpeg's mov demuxer and decoded
 * by its H.264/AAC decoders through JavaCV, and everything FFmpeg reports is compared with what
 * was written.
 */
class CmafFfmpegReadbackTest {

    /** libavformat's AVINDEX_KEYFRAME (not exported by the Java bindings). */
    private static final int AVINDEX_KEYFRAME = 1;
    private static final int WIDTH = 640;
    private static final int HEIGHT = 360;
    private static final int FPS = 30;
    private static final int GOP = 30;
    private static final int VIDEO_TIMESCALE = 90_000;
    private static final int VIDEO_TRACK = 1;
    private static final int AUDIO_TRACK = 2;
    /** ~0.5 s fragments: every other video fragment starts a GOP. */
    private static final int VIDEO_FRAGMENT_SAMPLES = 15;
    private static final int AUDIO_FRAGMENT_SAMPLES = 24;

    /** What one fragmented track looks like once written: samples in track timescale, per fragment. */
    record Written(int timescale, List<Long> dts, List<CmafSample> samples, List<byte[]> fragments,
            List<Integer> fragmentStarts) {
        long pts(int i) {
            return dts.get(i) + samples.get(i).compositionOffset();
        }
    }

    private static AvcConfig avc;
    private static AacConfig aac;
    private static int audioFrameSize;
    private static Written video;
    private static Written audio;
    private static byte[] videoInit;
    private static byte[] audioInit;

    @BeforeAll
    static void encode() {
        List<MediaSample> all;
        try (SyntheticAvSource src = new SyntheticAvSource(WIDTH, HEIGHT, FPS, GOP, 2, true)) {
            avc = AvcConfig.parse(src.avcDecoderConfigurationRecord());
            aac = AacConfig.parse(src.audioSpecificConfig());
            audioFrameSize = src.audioFrameSize();
            all = new ArrayList<>(src.next(2.0));
            all.addAll(src.next(2.0));
        }
        List<MediaSample> v = all.stream().filter(s -> s.track() == Track.VIDEO).toList();
        List<MediaSample> a = all.stream().filter(s -> s.track() == Track.AUDIO).toList();
        assertTrue(v.size() >= 4 * FPS - 3, "video samples: " + v.size());
        assertTrue(a.stream().anyMatch(s -> s.dts() > 3900), "audio must span ~4 s");
        assertTrue(v.stream().anyMatch(s -> s.compositionOffset() > 0), "B-frames expected");
        video = writeVideo(v);
        audio = writeAudio(a);
        videoInit = CmafInitSegment.video(avc, VIDEO_TRACK, VIDEO_TIMESCALE);
        audioInit = CmafInitSegment.audio(aac, AUDIO_TRACK);
    }

    /** ms -> 90 kHz; each duration is the next dts minus this one, the last repeats the one before. */
    private static Written writeVideo(List<MediaSample> v) {
        int n = v.size();
        List<Long> dts = new ArrayList<>();
        for (MediaSample s : v) {
            dts.add(s.dts() * (VIDEO_TIMESCALE / 1000));
        }
        List<CmafSample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int duration = (int) (i + 1 < n ? dts.get(i + 1) - dts.get(i) : dts.get(i) - dts.get(i - 1));
            MediaSample s = v.get(i);
            samples.add(new CmafSample(duration, s.compositionOffset() * (VIDEO_TIMESCALE / 1000), s.keyframe(),
                    s.data()));
        }
        return fragment(VIDEO_TIMESCALE, VIDEO_TRACK, dts, samples, VIDEO_FRAGMENT_SAMPLES);
    }

    /** AAC frames are a fixed 1024 samples; the timeline starts at the first frame's ms dts. */
    private static Written writeAudio(List<MediaSample> a) {
        int rate = aac.sampleRate();
        long t = Math.round(a.get(0).dts() * rate / 1000.0);
        List<Long> dts = new ArrayList<>();
        List<CmafSample> samples = new ArrayList<>();
        for (MediaSample s : a) {
            dts.add(t);
            samples.add(new CmafSample(audioFrameSize, 0, true, s.data()));
            t += audioFrameSize;
        }
        return fragment(rate, AUDIO_TRACK, dts, samples, AUDIO_FRAGMENT_SAMPLES);
    }

    private static Written fragment(int timescale, int trackId, List<Long> dts, List<CmafSample> samples, int per) {
        List<byte[]> fragments = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        for (int from = 0, seq = 1; from < samples.size(); from += per, seq++) {
            int to = Math.min(samples.size(), from + per);
            fragments.add(CmafFragment.write(seq, trackId, dts.get(from), samples.subList(from, to)));
            starts.add(from);
        }
        return new Written(timescale, dts, samples, fragments, starts);
    }

    private static Path file(Path dir, String name, byte[] init, List<byte[]> fragments) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(init);
        fragments.forEach(out::writeBytes);
        Path p = dir.resolve(name);
        Files.write(p, out.toByteArray());
        return p;
    }

    record Packet(long pts, long dts, boolean key, byte[] data) { }

    /** What the mov demuxer reports: packets, the stream time base and its index (built from trun). */
    record Demuxed(List<Packet> packets, int timeBaseNum, int timeBaseDen, List<Long> indexDts,
            List<Boolean> indexKey) { }

    /** Demuxes without decoding. */
    private static Demuxed demux(Path file) throws Exception {
        List<Packet> packets = new ArrayList<>();
        List<Long> indexDts = new ArrayList<>();
        List<Boolean> indexKey = new ArrayList<>();
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        try {
            g.start();
            assertEquals(1, g.getFormatContext().nb_streams());
            AVStream st = g.getFormatContext().streams(0);
            AVPacket p;
            while ((p = g.grabPacket()) != null) {
                byte[] data = new byte[p.size()];
                p.data().position(0).get(data);
                packets.add(new Packet(p.pts(), p.dts(), (p.flags() & avcodec.AV_PKT_FLAG_KEY) != 0, data));
            }
            // packet key flags for H.264 come from FFmpeg's parser; the index holds trun's sample flags
            for (int i = 0; i < avformat.avformat_index_get_entries_count(st); i++) {
                AVIndexEntry e = avformat.avformat_index_get_entry(st, i);
                indexDts.add(e.timestamp());
                indexKey.add((e.flags() & AVINDEX_KEYFRAME) != 0);
            }
            return new Demuxed(packets, st.time_base().num(), st.time_base().den(), indexDts, indexKey);
        } finally {
            g.release();
        }
    }

    private static void assertPacketsMatch(Written w, int from, int to, Demuxed d) {
        assertEquals(1, d.timeBaseNum());
        assertEquals(w.timescale(), d.timeBaseDen(), "stream time base = track timescale");
        assertEquals(to - from, d.packets().size(), "packet count");
        assertEquals(to - from, d.indexKey().size(), "index entries");
        for (int i = from; i < to; i++) {
            Packet p = d.packets().get(i - from);
            CmafSample s = w.samples().get(i);
            assertEquals(w.dts().get(i), p.dts(), "dts of sample " + i);
            assertEquals(w.pts(i), p.pts(), "pts of sample " + i);
            assertEquals(s.sync(), p.key(), "packet key flag of sample " + i);
            assertEquals(w.dts().get(i), d.indexDts().get(i - from), "index dts of sample " + i);
            assertEquals(s.sync(), d.indexKey().get(i - from), "index sync flag of sample " + i);
            assertArrayEquals(s.data(), p.data(), "payload of sample " + i);
        }
    }

    /** Decoded video frames' timestamps in microseconds, checking every frame's size. */
    private static List<Long> decodeVideo(Path file) throws Exception {
        List<Long> timestamps = new ArrayList<>();
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        try {
            g.start();
            assertEquals(WIDTH, g.getImageWidth());
            assertEquals(HEIGHT, g.getImageHeight());
            Frame f;
            while ((f = g.grabImage()) != null) {
                assertNotNull(f.image, "decoded image");
                assertEquals(WIDTH, f.imageWidth);
                assertEquals(HEIGHT, f.imageHeight);
                timestamps.add(f.timestamp);
            }
        } finally {
            g.release();
        }
        return timestamps;
    }

    private static List<Long> expectedVideoPtsMicros(Written w, int from, int to) {
        List<Long> pts = new ArrayList<>();
        for (int i = from; i < to; i++) {
            pts.add(w.pts(i) * 1_000_000L / w.timescale());
        }
        pts.sort(null);
        return pts;
    }

    @Test
    void videoFragmentsDemuxAndDecode(@TempDir Path dir) throws Exception {
        List<Integer> starts = video.fragmentStarts();
        int keyStarts = 0;
        for (int s : starts) {
            if (video.samples().get(s).sync()) {
                keyStarts++;
            }
        }
        assertTrue(keyStarts >= 2 && keyStarts < starts.size(), "fragments must start both on and off GOP starts");

        Path file = file(dir, "video.mp4", videoInit, video.fragments());
        assertPacketsMatch(video, 0, video.samples().size(), demux(file));
        List<Long> decoded = decodeVideo(file);
        assertEquals(expectedVideoPtsMicros(video, 0, video.samples().size()), decoded,
                "every frame decodes, in pts order, at the written times");
    }

    @Test
    void segmentOfConcatenatedFragmentsFromMidStreamDecodes(@TempDir Path dir) throws Exception {
        // the second GOP as a segment of two fragments (two LL-HLS parts), played from a fresh init
        int firstFragment = -1;
        for (int k = 1; k < video.fragmentStarts().size(); k++) {
            if (video.samples().get(video.fragmentStarts().get(k)).sync()) {
                firstFragment = k;
                break;
            }
        }
        assertTrue(firstFragment > 0);
        List<byte[]> segment = video.fragments().subList(firstFragment, firstFragment + 2);
        int from = video.fragmentStarts().get(firstFragment);
        int to = video.fragmentStarts().get(firstFragment + 2);
        assertFalse(video.samples().get(video.fragmentStarts().get(firstFragment + 1)).sync(),
                "second part starts mid-GOP");

        Path file = file(dir, "segment.mp4", videoInit, segment);
        assertPacketsMatch(video, from, to, demux(file));
        assertEquals(expectedVideoPtsMicros(video, from, to), decodeVideo(file));
    }

    @Test
    void audioFragmentsDemuxAndDecode(@TempDir Path dir) throws Exception {
        Path file = file(dir, "audio.mp4", audioInit, audio.fragments());
        int n = audio.samples().size();
        assertPacketsMatch(audio, 0, n, demux(file));

        long decodedSamples = 0;
        int frames = 0;
        long firstTimestamp = -1;
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        try {
            g.setSampleFormat(avutil.AV_SAMPLE_FMT_S16); // interleaved shorts
            g.start();
            assertEquals(aac.sampleRate(), g.getSampleRate());
            assertEquals(aac.channels(), g.getAudioChannels());
            Frame f;
            while ((f = g.grabSamples()) != null) {
                if (firstTimestamp < 0) {
                    firstTimestamp = f.timestamp;
                }
                assertEquals(aac.channels(), f.audioChannels);
                decodedSamples += ((ShortBuffer) f.samples[0]).remaining() / aac.channels();
                frames++;
            }
        } finally {
            g.release();
        }
        assertEquals(n, frames, "one decoded frame per AAC frame");
        assertEquals((long) n * audioFrameSize, decodedSamples, "decoded sample count");
        assertEquals(audio.dts().get(0) * 1_000_000L / audio.timescale(), firstTimestamp, "first frame time");
        long durationTicks = audio.dts().get(n - 1) + audioFrameSize - audio.dts().get(0);
        assertEquals((long) n * audioFrameSize, durationTicks, "contiguous timeline");
    }
}
