package io.tributary.bench.ssai;

import io.tributary.bench.support.BenchLock;
import io.tributary.media.hls.AdRun;
import io.tributary.media.hls.LlHlsPlaylist;
import io.tributary.media.hls.PodPlacement;
import io.tributary.media.hls.SplicedPlaylist;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.media.timeline.RenditionTimeline;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per-session media playlist with a pod (SSAI stitch): the splice of the shared playlist's text
 * ({@link SplicedPlaylist#render}) per request, p50/p99/max, target p99 <= 2 ms. Reference in the
 * same run: a full render of the same LL-HLS playlist ({@link LlHlsPlaylist#render}), what a
 * per-session re-render would cost. The playlist: 2 s segments of four 0.5 s parts, a 12-segment
 * window, the live edge open, a 30 s break of 15 ad segments in the middle of the window.
 * Args: [rounds] (default 200000). Writes bench/results/ssai-playlist.md (or the path in -Dout).
 */
public final class SessionPlaylistBench {

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        long t0 = 1_800_000_000_000L;
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 12, 4);
        t.init(new byte[]{1});
        for (int s = 0; s < 40; s++) {
            t.startSegment(t0 + s * 2000L, s * 180_000L);
            for (int p = 0; p < 4; p++) {
                t.addPart(0.5, p == 0, new byte[]{(byte) s, (byte) p});
            }
            if (s == 30) {
                t.cue("brk", true, t0 + 30 * 2000L, 30, null);
            }
        }
        t.startSegment(t0 + 40 * 2000L, 40 * 180_000L);
        t.addPart(0.5, true, new byte[]{9});
        RenditionSnapshot snap = t.snapshot();
        String shared = LlHlsPlaylist.render(snap, false, "sid=bench-session-0001", List.of());
        List<String> uris = new ArrayList<>();
        List<Double> durations = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            uris.add("/ads/bench-session-0001/brk-1/0/360p/seg_" + i + ".m4s");
            durations.add(2.0);
        }
        AdRun ad = new AdRun("/ads/bench-session-0001/brk-1/0/360p/init.mp4", uris, durations);
        // the break starts at segment 34 (inside the window 29..40)
        PodPlacement pod = new PodPlacement("brk-1", t0 + 34 * 2000L, List.of(ad), 200);
        String spliced = SplicedPlaylist.render(shared, List.of(pod), 0, 0);
        if (!spliced.contains("seg_0.m4s")) {
            throw new IllegalStateException("the bench's pod is not in the window:\n" + spliced);
        }
        long[] splice = new long[rounds];
        long[] full = new long[rounds];
        int sink = 0;
        try (BenchLock lock = BenchLock.acquire("ssai-playlist")) {
            for (int warm = 0; warm < 2; warm++) {
                for (int i = 0; i < rounds; i++) {
                    long a = System.nanoTime();
                    sink += SplicedPlaylist.render(shared, List.of(pod), 0, 0).length();
                    long b = System.nanoTime();
                    sink += LlHlsPlaylist.render(snap, false, "sid=bench-session-0001", List.of()).length();
                    long c = System.nanoTime();
                    splice[i] = b - a;
                    full[i] = c - b;
                }
            }
        }
        String load = String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        String report = "# Per-session HLS playlist with a pod (SSAI stitch)\n\n"
                + "Date " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors() + " cores, load average " + load
                + " (a loaded, shared machine: smoke figures, not quiet-machine figures). " + rounds + " renders each, after as many warm-up.\n\n"
                + "| render | p50 µs | p99 µs | max µs |\n|---|---|---|---|\n"
                + row("splice of the shared text (per session)", splice)
                + row("reference: full LlHlsPlaylist.render", full)
                + "\nPlaylist: " + shared.length() + " bytes shared, " + spliced.length() + " spliced; target p99 <= 2000 µs. (sink " + (sink & 1) + ")\n";
        System.out.print(report);
        String out = System.getProperty("out");
        if (out != null) {
            Files.writeString(Path.of(out), report);
        }
    }

    private static String row(String name, long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |%n", name, s[s.length / 2] / 1e3,
                s[(int) (s.length * 0.99)] / 1e3, s[s.length - 1] / 1e3);
    }
}
