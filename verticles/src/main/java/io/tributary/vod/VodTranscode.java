package io.tributary.vod;

import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One asset through the VOD pipeline, blocking (a worker thread's whole job): the source is
 * decoded once by FFmpeg; every decoded picture goes to each rung's libx264 encoder (scaled there)
 * with a fixed GOP of one segment target and no scene-cut keyframes, so every rung cuts its CMAF
 * segments at the same pictures; the audio is encoded once to AAC. FFmpeg's HLS muxer writes the
 * fMP4 init and segments of each rendition; {@link VodPackage} then reads them and writes the
 * playlists, the trick-play playlists, the MPD and the poster. Public for the transcode benchmark,
 * which runs it against the ffmpeg command line.
 */
public final class VodTranscode {

    /** Told about progress from the transcoding thread; {@link #cancelled()} stops the work. */
    public interface Progress {
        void at(long mediaMicrosDone, long durationMicros);

        boolean cancelled();
    }

    /** The input is not media FFmpeg can transcode: retrying cannot help. */
    static final class BadMediaException extends IOException {
        BadMediaException(String message) {
            super(message);
        }
    }

    static final class CancelledException extends IOException {
        CancelledException() {
            super("cancelled");
        }
    }

    /** What the pipeline made: the renditions in ladder order and the media duration. */
    public record Result(List<VodPackage.Rendition> renditions, double seconds) {
    }

    public static final long AUDIO_BITRATE = 128_000;

    private VodTranscode() {
    }

    /** Transcodes {@code source} into {@code out} (created; must not exist). */
    public static Result run(Path source, Path out, double segmentTarget, List<LadderRung> ladder, Progress progress)
            throws IOException {
        return run(source, out, segmentTarget, ladder, null, progress);
    }

    /**
     * As {@link #run(Path, Path, double, List, Progress)}; with {@code conform}, into its rungs exactly
     * (its sizes whatever the source's, its frame rate by dropping or repeating pictures, its video
     * timescale) instead of {@code ladder} resolved against the source.
     */
    public static Result run(Path source, Path out, double segmentTarget, List<LadderRung> ladder, ConformLadder conform,
                             Progress progress) throws IOException {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(source.toFile());
        // pictures stay 4:2:0 from the decoder to the encoders (no RGB round trip); each rung's scaler resizes
        grabber.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        try {
            grabber.start();
        } catch (FFmpegFrameGrabber.Exception e) {
            throw new BadMediaException("not media FFmpeg can read: " + e.getMessage());
        }
        List<FFmpegFrameRecorder> recorders = new ArrayList<>();
        try {
            int width = grabber.getImageWidth();
            int height = grabber.getImageHeight();
            if (grabber.getVideoStream() < 0 || width <= 0 || height <= 0) {
                throw new BadMediaException("no video stream in the input (format " + grabber.getFormat() + ")");
            }
            double fps = conform != null ? conform.fps() : grabber.getVideoFrameRate();
            if (!(fps > 0) || fps > 240) {
                fps = 30;
            }
            List<LadderRung> rungs = conform != null ? conform.rungs() : Ladder.encoded(Ladder.resolve(ladder, width, height));
            if (rungs.isEmpty()) { // smaller than the lowest rung: one rendition at the source's size
                LadderRung low = ladder.get(ladder.size() - 1);
                rungs = List.of(low.withSize(Math.max(2, width & ~1), Math.max(2, height & ~1)));
            }
            int gop = Math.max(1, (int) Math.round(fps * segmentTarget));
            Files.createDirectories(out);
            List<FFmpegFrameRecorder> video = new ArrayList<>();
            for (LadderRung r : rungs) {
                FFmpegFrameRecorder rec = recorder(out.resolve(r.name()), segmentTarget, r.width(), r.height(), 0);
                // B-frames decode a picture before it shows: signed composition offsets (trun version 1) with
                // the decode timeline moved so every IDR decodes when it shows, and so each segment's tfdt is
                // its first picture's time; no edit list (players that ignore one would see pictures late).
                // A creative conformed to a live ladder takes the stream's video timescale too.
                rec.setOption("hls_segment_options", "movflags=+negative_cts_offsets:use_editlist=0"
                        + (conform != null ? ":video_track_timescale=" + conform.timescale() : ""));
                rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
                rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                rec.setFrameRate(fps);
                rec.setGopSize(gop);
                rec.setVideoBitrate((int) r.bitrate());
                rec.setVideoOption("preset", "veryfast");
                // IDRs only every gop pictures, the same ones in every rung; closed GOPs
                rec.setVideoOption("x264-params", "keyint=" + gop + ":min-keyint=" + gop + ":scenecut=0:open-gop=0"
                        + ":vbv-maxrate=" + r.maxrate() / 1000 + ":vbv-bufsize=" + r.bufsize() / 1000);
                rec.start();
                recorders.add(rec);
                video.add(rec);
            }
            FFmpegFrameRecorder audio = null;
            if (grabber.getAudioStream() >= 0 && grabber.getAudioChannels() > 0) {
                audio = recorder(out.resolve("audio"), segmentTarget, 0, 0, Math.min(2, grabber.getAudioChannels()));
                audio.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
                audio.setSampleRate(grabber.getSampleRate());
                audio.setAudioBitrate((int) AUDIO_BITRATE);
                audio.start();
                recorders.add(audio);
            }
            long duration = Math.max(0, grabber.getLengthInTime());
            long done = 0;
            long told = 0;
            Frame f;
            while ((f = grabber.grab()) != null) {
                if (progress.cancelled()) {
                    throw new CancelledException();
                }
                if (f.image != null) {
                    for (FFmpegFrameRecorder rec : video) {
                        if (conform != null) {
                            record(rec, f, fps);
                            continue;
                        }
                        if (f.timestamp > rec.getTimestamp()) {
                            rec.setTimestamp(f.timestamp);
                        }
                        rec.record(f, avutil.AV_PIX_FMT_YUV420P);
                    }
                    done = Math.max(done, f.timestamp);
                } else if (f.samples != null && audio != null) {
                    audio.record(f);
                }
                if (done - told >= 250_000) {
                    told = done;
                    progress.at(done, duration);
                }
            }
            for (FFmpegFrameRecorder rec : recorders) {
                rec.stop();
            }
            progress.at(Math.max(done, duration), Math.max(done, duration));
            List<VodPackage.Rendition> renditions = new ArrayList<>();
            for (LadderRung r : rungs) {
                renditions.add(VodPackage.Rendition.video(r.name(), r.width(), r.height(), fps, out.resolve(r.name())));
            }
            if (audio != null) {
                renditions.add(VodPackage.Rendition.audio("audio", audio.getAudioChannels(), out.resolve("audio")));
            }
            return new Result(renditions, duration / 1e6);
        } catch (FFmpegFrameRecorder.Exception | FFmpegFrameGrabber.Exception e) {
            throw new BadMediaException("FFmpeg: " + e.getMessage());
        } finally {
            for (FFmpegFrameRecorder rec : recorders) {
                try {
                    rec.release();
                } catch (FFmpegFrameRecorder.Exception ignored) {
                    // freeing after a failure: the failure is what is reported
                }
            }
            grabber.release();
        }
    }

    /**
     * A picture at the conform frame rate: dropped while the rendition is ahead of it by half a frame,
     * repeated while behind, so the output keeps the source's length at every picture's time.
     */
    private static void record(FFmpegFrameRecorder rec, Frame f, double fps) throws FFmpegFrameRecorder.Exception {
        double half = 500_000 / fps;
        if (f.timestamp + half < rec.getTimestamp()) {
            return;
        }
        for (int i = 0; i < 8 && rec.getTimestamp() + 3 * half < f.timestamp; i++) {
            rec.record(f, avutil.AV_PIX_FMT_YUV420P); // a gap of a frame or more: its picture stands in
        }
        rec.record(f, avutil.AV_PIX_FMT_YUV420P);
    }

    /** A recorder writing one rendition as fMP4 HLS into {@code dir} (the playlist FFmpeg writes is not served). */
    private static FFmpegFrameRecorder recorder(Path dir, double segmentTarget, int width, int height, int channels)
            throws IOException {
        Files.createDirectories(dir);
        FFmpegFrameRecorder rec = new FFmpegFrameRecorder(dir.resolve("ffmpeg.m3u8").toString(), width, height, channels);
        rec.setFormat("hls");
        rec.setOption("hls_time", String.format(Locale.ROOT, "%.3f", segmentTarget));
        rec.setOption("hls_playlist_type", "vod");
        rec.setOption("hls_list_size", "0");
        rec.setOption("hls_segment_type", "fmp4");
        rec.setOption("hls_fmp4_init_filename", "init.mp4");
        rec.setOption("hls_segment_filename", dir.resolve("seg_%d.m4s").toString());
        return rec;
    }

    /** Removes a directory tree, if there. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
