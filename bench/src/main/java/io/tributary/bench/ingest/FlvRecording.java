package io.tributary.bench.ingest;

import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The ingest benchmark's source: one FLV recorded once with the JavaCV-bundled ffmpeg
 * (H.264 ~2.4 Mbit/s CBR-like, 1280x720 30 fps, 2 s GOP, 2 B-frames, AAC 128 kbit/s
 * 48 kHz stereo), then replayed by every publisher. Noise is added to the test picture
 * so the encoder really spends its bitrate.
 */
public final class FlvRecording {

    public static final int SECONDS = 20;
    public static final String VIDEO_BITRATE = "2400k";
    public static final String AUDIO_BITRATE = "128k";

    private FlvRecording() {
    }

    public static Path ensure(Path workDir) throws IOException, InterruptedException {
        Path flv = workDir.resolve("ingest-2400k-720p30-gop2s.flv");
        if (Files.isRegularFile(flv) && Files.size(flv) > 1_000_000) {
            return flv;
        }
        Files.createDirectories(workDir);
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Path tmp = workDir.resolve("recording.tmp.flv");
        List<String> cmd = BenchSupport.locked(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,noise=alls=12:allf=t",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", Integer.toString(SECONDS),
                "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p",
                "-b:v", VIDEO_BITRATE, "-minrate", VIDEO_BITRATE, "-maxrate", VIDEO_BITRATE, "-bufsize", "2400k",
                "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-bf", "2",
                "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2", "-ar", "48000",
                "-f", "flv", tmp.toString()));
        System.out.println("recording " + SECONDS + " s FLV with " + ffmpeg + " ...");
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("LD_LIBRARY_PATH", libraryPath(Path.of(ffmpeg).getParent(), workDir.resolve("ffmpeg-lib")));
        Process p = pb.start();
        if (p.waitFor() != 0 || !Files.isRegularFile(tmp)) {
            throw new IOException("ffmpeg failed with exit code " + p.exitValue());
        }
        Files.move(tmp, flv, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return flv;
    }

    /**
     * The bundled binary links libva.so.2 and libva-drm.so.2 while the JavaCPP cache holds them
     * as libva.so and libva-drm.so: link the versioned names in a private directory.
     */
    private static String libraryPath(Path cache, Path links) throws IOException {
        Files.createDirectories(links);
        for (String lib : List.of("libva", "libva-drm")) {
            Path link = links.resolve(lib + ".so.2");
            Path target = cache.resolve(lib + ".so");
            if (Files.exists(target) && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, target);
            }
        }
        return links + ":" + cache;
    }

    public static void main(String[] args) throws Exception {
        Path flv = ensure(BenchSupport.root().resolve("bench/work"));
        System.out.println(flv + " " + Files.size(flv) + " bytes");
    }
}
