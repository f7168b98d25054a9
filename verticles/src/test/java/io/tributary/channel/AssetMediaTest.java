package io.tributary.channel;

import io.tributary.media.cmaf.CmafFragment;
import io.tributary.media.cmaf.CmafSample;
import io.tributary.media.cmaf.Fmp4Reader;
import io.tributary.vod.VodTestMedia;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A FAST playout reads an asset so that it airs from its first picture: as the VOD pipeline
 * packages it now (each IDR decodes when it shows), and as an older build packaged it (decode
 * times starting at 0, every picture shown the B-frame delay later), which airs the same pictures
 * at the same times without being transcoded again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AssetMediaTest {

    @TempDir
    Path dir;

    @Test
    void anAssetAirsFromItsFirstPictureAsPackagedNowAndAsAnOlderBuildPackagedIt() throws Exception {
        Path now = dir.resolve("now");
        List<String> rungs = VodTestMedia.videoRenditions(VodTestMedia.write(dir.resolve("tide.mp4"), 320, 240, 3, 25), now);
        Path older = dir.resolve("older");
        copy(now, older);
        int delay = 1024; // two pictures at 25 fps in a 12800 timescale, as libx264's B-frames gave
        for (String rung : rungs) {
            delayPictures(older.resolve(rung), delay);
        }

        AssetMedia a = AssetMedia.load("now", now, rungs, true);
        AssetMedia b = AssetMedia.load("older", older, rungs, true);
        assertEquals(0, a.origin);
        assertEquals(80, b.origin, "the older asset's first picture shows 80 ms into its files");
        AssetMedia.AudioCursor ca = a.audioFrom(0);
        AssetMedia.AudioCursor cb = b.audioFrom(0);
        for (int k = 0; k < a.chunks(); k++) {
            List<AssetMedia.Timed> va = a.chunk(k, ca);
            List<AssetMedia.Timed> vb = b.chunk(k, cb);
            if (k == 0) {
                AssetMedia.Timed first = va.get(0);
                assertTrue(first.video() && first.sync() && first.mediaMs() == 0 && first.ctsMs() == 0,
                        "the programme opens on its IDR at 0, shown as it decodes: " + first);
                assertTrue(va.stream().anyMatch(t -> t.ctsMs() < 0), "B-frames shown before they decode (else this test proves nothing)");
                AssetMedia.Timed sound = vb.stream().filter(t -> !t.video()).findFirst().orElseThrow();
                assertTrue(sound.mediaMs() >= 0 && sound.mediaMs() < 22,
                        "the older asset's audio airs from its first picture (what precedes it is left out): " + sound);
            }
            assertEquals(describe(video(va)), describe(video(vb)), "chunk " + k + ": the same pictures at the same times");
            assertFalse(video(vb).isEmpty());
        }
    }

    private static List<AssetMedia.Timed> video(List<AssetMedia.Timed> chunk) {
        return chunk.stream().filter(AssetMedia.Timed::video).toList();
    }

    private static List<String> describe(List<AssetMedia.Timed> samples) {
        List<String> out = new ArrayList<>();
        for (AssetMedia.Timed t : samples) {
            out.add(t.rendition() + " " + t.mediaMs() + "+" + t.ctsMs() + (t.sync() ? " sync " : " ") + Arrays.hashCode(t.data()));
        }
        return out;
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** A rendition's segments as an older build wrote them: decode times kept, every picture shown {@code delay} later. */
    private static void delayPictures(Path rendition, int delay) throws Exception {
        Fmp4Reader.Track track = Fmp4Reader.init(Files.readAllBytes(rendition.resolve("init.mp4")));
        int sequence = 1;
        for (int n = 0; Files.exists(rendition.resolve("seg_" + n + ".m4s")); n++) {
            Path file = rendition.resolve("seg_" + n + ".m4s");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Fmp4Reader.Fragment f : Fmp4Reader.fragments(track, Files.readAllBytes(file))) {
                List<CmafSample> samples = f.samples().stream()
                        .map(s -> new CmafSample((int) s.duration(), s.compositionOffset() + delay, s.sync(), s.data())).toList();
                out.write(CmafFragment.write(sequence++, 1, f.baseDecodeTime(), samples));
            }
            Files.write(file, out.toByteArray());
        }
    }
}
