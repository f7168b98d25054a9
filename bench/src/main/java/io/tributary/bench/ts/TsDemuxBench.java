package io.tributary.bench.ts;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.media.ts.TsDemuxer;
import io.tributary.media.ts.TsFixtures;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameGrabber;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * MPEG-TS demux throughput on one thread: Tributary's sans-IO {@link TsDemuxer} (fed 1316-byte
 * chunks, as SRT delivers them) against FFmpeg's mpegts demuxer (libavformat through JavaCV,
 * av_read_frame over the same file from the page cache, probing excluded), alternating rounds in
 * one run. The stream: 20 s of 1280x720 25 fps H.264 at 2.5 Mbit/s + 96 kbit/s AAC, from FFmpeg.
 */
public final class TsDemuxBench {

    private static final long ROUND_NANOS = 3_000_000_000L;

    public static void main(String[] args) throws Exception {
        byte[] ts = TsFixtures.encode(500, "libx264", 1280, 720, 2_500_000);
        double mediaSeconds = 500 / 25.0;
        double streamMbps = ts.length * 8 / mediaSeconds / 1e6;
        Path file = Files.createTempFile("tributary-bench", ".ts");
        Files.write(file, ts);
        List<Double> ours = new ArrayList<>();
        List<Double> ffmpeg = new ArrayList<>();
        long samples = 0;
        try (BenchLock lock = BenchLock.acquire("ts-demux")) {
            for (int round = 0; round < 6; round++) {
                double o = ours(ts);
                double f = ffmpeg(file);
                if (round > 0) { // the first round warms the JIT and the page cache
                    ours.add(o);
                    ffmpeg.add(f);
                }
            }
            TsDemuxer d = new TsDemuxer();
            for (int p = 0; p < ts.length; p += 1316) {
                samples += d.feed(ts, p, Math.min(1316, ts.length - p)).size();
            }
            samples += d.flush().size();
        } finally {
            Files.deleteIfExists(file);
        }
        double oursMed = median(ours);
        double ffMed = median(ffmpeg);
        Report r = new Report("MPEG-TS demux throughput");
        r.line(Machine.describe());
        r.line(Report.f("Stream: %d bytes, %.1f s, %.2f Mbit/s (720p25 H.264 + AAC, FFmpeg mpegts muxer); %d events per pass",
                ts.length, mediaSeconds, streamMbps, samples));
        r.section("Results (median of 5 rounds of 3 s each, one thread)");
        r.line("| demuxer | MB/s | streams of this bitrate per core | ratio |");
        r.line("|---|---|---|---|");
        r.line(Report.f("| Tributary TsDemuxer (1316-byte feeds) | %.1f | %.0f | %.2f |", oursMed,
                oursMed * 8 / streamMbps, oursMed / ffMed));
        r.line(Report.f("| FFmpeg mpegts (av_read_frame) | %.1f | %.0f | 1.00 |", ffMed, ffMed * 8 / streamMbps));
        r.line("");
        r.line("Rounds, MB/s: ours " + rounded(ours) + "; FFmpeg " + rounded(ffmpeg)
                + " (the machine is shared: rounds vary; the ratio is of medians)");
        r.write(Path.of("bench/results/ts-demux.md"));
    }

    private static double ours(byte[] ts) {
        long bytes = 0;
        long t0 = System.nanoTime();
        long sink = 0;
        while (System.nanoTime() - t0 < ROUND_NANOS) {
            TsDemuxer d = new TsDemuxer();
            for (int p = 0; p < ts.length; p += 1316) {
                sink += d.feed(ts, p, Math.min(1316, ts.length - p)).size();
            }
            sink += d.flush().size();
            bytes += ts.length;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (sink == 0) {
            throw new IllegalStateException("nothing demuxed");
        }
        return bytes / s / 1e6;
    }

    private static double ffmpeg(Path file) throws Exception {
        long bytes = 0;
        long nanos = 0;
        long size = Files.size(file);
        while (nanos < ROUND_NANOS) {
            try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toString())) {
                g.setOption("probesize", "32768");
                g.setOption("analyzeduration", "0");
                g.start();
                long t0 = System.nanoTime();
                AVPacket p;
                while ((p = g.grabPacket()) != null) {
                    avcodec.av_packet_unref(p);
                }
                nanos += System.nanoTime() - t0;
                bytes += size;
                g.stop();
            }
        }
        return bytes / (nanos / 1e9) / 1e6;
    }

    private static List<String> rounded(List<Double> v) {
        return v.stream().map(x -> Report.f("%.0f", x)).toList();
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
