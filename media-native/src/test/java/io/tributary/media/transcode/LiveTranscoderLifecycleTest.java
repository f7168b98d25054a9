package io.tributary.media.transcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.transcode.LadderRung.Mode;
import io.tributary.media.transcode.TranscodeTestKit.Recorder;
import io.tributary.media.transcode.TranscodeTestKit.Source;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LiveTranscoderLifecycleTest {

    static final List<LadderRung> LADDER = List.of(
            LadderRung.of("240p", 426, 240, 400_000, Mode.ENCODE),
            LadderRung.of("180p", 320, 180, 250_000, Mode.ENCODE));

    @Test
    void closeMidGopEndsEveryThreadAndRefusesOffers() throws Exception {
        Source src = TranscodeTestKit.source(640, 360, 30, 60, 2.0);
        Recorder rec = new Recorder();
        LiveTranscoder t = new LiveTranscoder(AvcConfig.parse(src.avcC()), LADDER, rec);
        assertEquals(3, TranscodeTestKit.transcoderThreads().size(), TranscodeTestKit.transcoderThreads().toString());
        // 45 frames of a 60-frame GOP, offered in a burst so queues are full when close() lands
        for (MediaSample s : src.samples().subList(0, 45)) {
            t.offer(s);
        }
        long t0 = System.nanoTime();
        t.close();
        long closeMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closeMs < 2000, "close took " + closeMs + " ms");
        assertEquals(List.of(), TranscodeTestKit.transcoderThreads());
        assertThrows(IllegalStateException.class, () -> t.offer(src.samples().get(45)));
        t.close(); // idempotent
        assertTrue(rec.errors.isEmpty(), rec.errors.toString());
    }

    /**
     * Open/feed/close cycles, half drained with finish() and half closed mid-stream: resident memory
     * must level off (codec contexts, frames, packets and scalers all freed).
     *
     * <p>Runs in a child JVM set up so RSS measures native leaks rather than noise: a pre-touched
     * fixed heap (otherwise heap pages turn resident as G1 spreads over its regions), one malloc
     * arena and a fixed mmap threshold (otherwise each transcoder's fresh threads land in glibc
     * arenas whose retained free memory makes RSS wander by tens of MB). Calibration on this
     * machine: leaking the two encoders costs ~8 MB per cycle; a correct build moves < 0.5 MB in
     * total over 40 cycles, so the bound catches a leak of one 640x360 frame per cycle.
     */
    @Test
    void repeatedCyclesDoNotGrowResidentMemory() throws Exception {
        int warmup = 10;
        int cycles = 40;
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-cp", System.getProperty("java.class.path"),
                CycleMain.class.getName(), String.valueOf(warmup), String.valueOf(cycles));
        pb.environment().put("MALLOC_ARENA_MAX", "1");
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "65536");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("RSS warm=(\\d+) end=(\\d+) threads=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        long warm = Long.parseLong(m.group(1));
        long end = Long.parseLong(m.group(2));
        assertEquals("0", m.group(3), "transcoder threads left");
        System.out.printf("RSS after %d warm-up cycles %d kB, after %d more %d kB: %+d kB%n", warmup, warm, cycles,
                end, end - warm);
        assertTrue(end - warm < 8 * 1024, "RSS grew " + (end - warm) + " kB over " + cycles + " cycles");
    }
}
