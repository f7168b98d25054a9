package io.tributary.media.ts;

import io.tributary.media.scte35.Crc32Mpeg2;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real MPEG-TS for the demuxer tests: FFmpeg (through JavaCV) encodes a test pattern and a tone
 * with libx264 (or libx265) and AAC into its mpegts muxer; FFmpeg's own demuxer reads it back as
 * the reference. SCTE-35 sections can be injected as an extra PID, the PMT rewritten to announce it.
 */
public final class TsFixtures {

    public static final int WIDTH = 320;
    public static final int HEIGHT = 240;
    public static final int FPS = 25;
    public static final int SAMPLE_RATE = 48_000;
    public static final int SCTE35_PID = 0x1F0;

    private TsFixtures() {
    }

    /** What FFmpeg's demuxer sees: one entry per packet, times in 90 kHz ticks. */
    public record RefPacket(boolean video, long pts, long dts, boolean key, byte[] data) {
    }

    public static byte[] encode(int frames, String videoCodec) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Path file = Files.createTempFile("tributary-ts", ".ts");
        try {
            try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toString(), WIDTH, HEIGHT, 2)) {
                recorder.setFormat("mpegts");
                recorder.setVideoCodecName(videoCodec);
                recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                recorder.setFrameRate(FPS);
                recorder.setGopSize(FPS);
                recorder.setVideoOption("preset", "veryfast");
                recorder.setVideoOption("bf", "2");
                if (videoCodec.equals("libx265")) {
                    recorder.setVideoOption("x265-params", "log-level=error:keyint=" + FPS);
                }
                recorder.setVideoBitrate(300_000);
                recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
                recorder.setSampleRate(SAMPLE_RATE);
                recorder.setAudioChannels(2);
                recorder.setAudioBitrate(96_000);
                recorder.start();
                Frame image = new Frame(WIDTH, HEIGHT, Frame.DEPTH_UBYTE, 3);
                ByteBuffer pixels = (ByteBuffer) image.image[0];
                int stride = image.imageStride;
                int samplesPerFrame = SAMPLE_RATE / FPS;
                ShortBuffer pcm = ShortBuffer.allocate(samplesPerFrame * 2);
                long sampleIndex = 0;
                for (int f = 0; f < frames; f++) {
                    for (int y = 0; y < HEIGHT; y++) {
                        for (int x = 0; x < WIDTH; x++) {
                            int v = ((x + y + f * 4) / 16) % 2 == 0 ? 220 : 30;
                            int i = y * stride + x * 3;
                            pixels.put(i, (byte) v);
                            pixels.put(i + 1, (byte) ((x * 255) / WIDTH));
                            pixels.put(i + 2, (byte) ((f * 5) & 0xFF));
                        }
                    }
                    recorder.record(image, avutil.AV_PIX_FMT_BGR24);
                    pcm.clear();
                    for (int s = 0; s < samplesPerFrame; s++, sampleIndex++) {
                        short v = (short) (Math.sin(2 * Math.PI * 440 * sampleIndex / SAMPLE_RATE) * 8000);
                        pcm.put(v).put(v);
                    }
                    pcm.flip();
                    recorder.recordSamples(SAMPLE_RATE, 2, pcm);
                }
                recorder.stop();
            }
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** FFmpeg's mpegts demuxer over the same bytes: every packet of the video and audio stream. */
    public static List<RefPacket> ffmpegPackets(byte[] ts) throws Exception {
        Path file = Files.createTempFile("tributary-ts-ref", ".ts");
        try {
            Files.write(file, ts);
            List<RefPacket> packets = new ArrayList<>();
            try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toString())) {
                grabber.start();
                int videoIndex = grabber.getVideoStream();
                int audioIndex = grabber.getAudioStream();
                AVPacket p;
                while ((p = grabber.grabPacket()) != null) {
                    if (p.stream_index() == videoIndex || p.stream_index() == audioIndex) {
                        packets.add(new RefPacket(p.stream_index() == videoIndex, p.pts(), p.dts(),
                                (p.flags() & avcodec.AV_PKT_FLAG_KEY) != 0, bytes(p)));
                    }
                    avcodec.av_packet_unref(p);
                }
                grabber.stop();
            }
            return packets;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static byte[] bytes(AVPacket p) {
        byte[] b = new byte[p.size()];
        p.data().get(b);
        return b;
    }

    // ---- SCTE-35 injection ----

    /** A section to inject right before the first video packet whose PES PTS is at or past {@code atPts}. */
    public record Injection(long atPts, byte[] section) {
    }

    /**
     * Rewrites the PMT to add stream type 0x86 on {@link #SCTE35_PID} (with the "CUEI" registration
     * descriptor) and inserts each section as its own packets. FFmpeg's PMT fits one packet.
     */
    public static byte[] inject(byte[] ts, List<Injection> injections) {
        int pmtPid = -1;
        int videoPid = -1;
        int cc = 0;
        int next = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream(ts.length + 4096);
        for (int p = 0; p + 188 <= ts.length; p += 188) {
            int pid = (ts[p + 1] & 0x1F) << 8 | (ts[p + 2] & 0xFF);
            boolean pusi = (ts[p + 1] & 0x40) != 0;
            int payload = payloadOffset(ts, p);
            if (pid == 0 && pusi && pmtPid < 0) {
                int s = payload + 1 + (ts[payload] & 0xFF);
                pmtPid = (ts[s + 10] & 0x1F) << 8 | (ts[s + 11] & 0xFF);
            }
            if (pid == pmtPid && pusi) {
                int s = payload + 1 + (ts[payload] & 0xFF);
                videoPid = firstVideoPid(ts, s);
                out.write(rewritePmt(ts, p, s), 0, 188);
                continue;
            }
            if (pid == videoPid && pusi && next < injections.size()) {
                int pes = payload;
                if ((ts[pes + 7] & 0x80) != 0) {
                    long pts = ptsAt(ts, pes + 9);
                    while (next < injections.size() && pts >= injections.get(next).atPts) {
                        for (byte[] packet : sectionPackets(injections.get(next).section, cc)) {
                            out.write(packet, 0, 188);
                            cc = (cc + 1) & 0xF;
                        }
                        next++;
                    }
                }
            }
            out.write(ts, p, 188);
        }
        if (next < injections.size()) {
            throw new IllegalStateException("only " + next + " of " + injections.size() + " sections placed");
        }
        return out.toByteArray();
    }

    private static int payloadOffset(byte[] ts, int p) {
        int afc = (ts[p + 3] >> 4) & 3;
        return (afc & 2) != 0 ? p + 5 + (ts[p + 4] & 0xFF) : p + 4;
    }

    private static int firstVideoPid(byte[] ts, int s) {
        int sectionLength = (ts[s + 1] & 0x0F) << 8 | (ts[s + 2] & 0xFF);
        int i = s + 12 + ((ts[s + 10] & 0x0F) << 8 | (ts[s + 11] & 0xFF));
        int end = s + 3 + sectionLength - 4;
        while (i < end) {
            int type = ts[i] & 0xFF;
            int pid = (ts[i + 1] & 0x1F) << 8 | (ts[i + 2] & 0xFF);
            if (type == 0x1B || type == 0x24) {
                return pid;
            }
            i += 5 + ((ts[i + 3] & 0x0F) << 8 | (ts[i + 4] & 0xFF));
        }
        throw new IllegalStateException("no video stream in the PMT");
    }

    private static byte[] rewritePmt(byte[] ts, int p, int s) {
        int sectionLength = (ts[s + 1] & 0x0F) << 8 | (ts[s + 2] & 0xFF);
        byte[] body = java.util.Arrays.copyOfRange(ts, s, s + 3 + sectionLength - 4); // without CRC
        byte[] entry = {(byte) 0x86, (byte) (0xE0 | SCTE35_PID >> 8), (byte) SCTE35_PID, (byte) 0xF0, 6,
            0x05, 4, 'C', 'U', 'E', 'I'};
        byte[] section = new byte[body.length + entry.length + 4];
        System.arraycopy(body, 0, section, 0, body.length);
        System.arraycopy(entry, 0, section, body.length, entry.length);
        int newLength = sectionLength + entry.length;
        section[1] = (byte) ((section[1] & 0xF0) | newLength >> 8);
        section[2] = (byte) newLength;
        int crc = Crc32Mpeg2.compute(section, 0, section.length - 4);
        for (int k = 0; k < 4; k++) {
            section[section.length - 4 + k] = (byte) (crc >>> (24 - 8 * k));
        }
        byte[] packet = new byte[188];
        java.util.Arrays.fill(packet, (byte) 0xFF);
        System.arraycopy(ts, p, packet, 0, s - p);
        System.arraycopy(section, 0, packet, s - p, section.length);
        return packet;
    }

    /** One section as packets of {@link #SCTE35_PID}, pointer_field 0, stuffed with 0xFF. */
    public static List<byte[]> sectionPackets(byte[] section, int firstCc) {
        List<byte[]> packets = new ArrayList<>();
        int pos = 0;
        int cc = firstCc;
        boolean first = true;
        while (pos < section.length || first) {
            byte[] pkt = new byte[188];
            java.util.Arrays.fill(pkt, (byte) 0xFF);
            pkt[0] = 0x47;
            pkt[1] = (byte) ((first ? 0x40 : 0) | SCTE35_PID >> 8);
            pkt[2] = (byte) SCTE35_PID;
            pkt[3] = (byte) (0x10 | cc);
            int o = 4;
            if (first) {
                pkt[o++] = 0; // pointer_field
            }
            int n = Math.min(188 - o, section.length - pos);
            System.arraycopy(section, pos, pkt, o, n);
            pos += n;
            packets.add(pkt);
            cc = (cc + 1) & 0xF;
            first = false;
        }
        return packets;
    }

    static long ptsAt(byte[] b, int p) {
        return ((long) (b[p] & 0x0E) << 29) | ((b[p + 1] & 0xFF) << 22) | ((b[p + 2] & 0xFE) << 14)
                | ((b[p + 3] & 0xFF) << 7) | ((b[p + 4] & 0xFF) >>> 1);
    }
}
