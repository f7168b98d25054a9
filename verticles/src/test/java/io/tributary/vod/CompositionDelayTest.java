package io.tributary.vod;

import io.tributary.media.cmaf.CmafFragment;
import io.tributary.media.cmaf.CmafSample;
import io.tributary.media.cmaf.Fmp4Reader;
import io.tributary.media.codec.MediaFormatException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The in-place re-timing on its own: what moves, what does not, and a fragment it cannot trust. */
class CompositionDelayTest {

    private static final Fmp4Reader.Track VIDEO = new Fmp4Reader.Track(true, 12800, "avc1", new byte[0], 0, 0, 0);

    /** I P B B in decode order, shown I B B P: the IDR 1024 ticks (two frames) after its decode time. */
    private static byte[] gop(long decodeTime) {
        return CmafFragment.write(1, 1, decodeTime, List.of(new CmafSample(512, 1024, true, new byte[] {1, 2}),
                new CmafSample(512, 2048, false, new byte[] {3}), new CmafSample(512, 0, false, new byte[] {4}),
                new CmafSample(512, 0, false, new byte[] {5})));
    }

    @Test
    void decodeTimesMoveLaterByTheDelayAndEverySampleShowsWhenItDid() {
        byte[] bytes = gop(25600);
        List<Fmp4Reader.Sample> before = Fmp4Reader.samples(VIDEO, bytes);
        CompositionDelay.shift(bytes, 1024);
        List<Fmp4Reader.Sample> after = Fmp4Reader.samples(VIDEO, bytes);
        assertEquals(25600 + 1024, Fmp4Reader.fragments(VIDEO, bytes).get(0).baseDecodeTime());
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            Fmp4Reader.Sample b = before.get(i);
            Fmp4Reader.Sample a = after.get(i);
            assertEquals(b.dts() + 1024, a.dts(), "sample " + i + " decodes later");
            assertEquals(b.dts() + b.compositionOffset(), a.dts() + a.compositionOffset(), "sample " + i + " shows when it did");
            assertEquals(b.duration(), a.duration());
            assertEquals(b.sync(), a.sync());
            assertEquals(Arrays.toString(b.data()), Arrays.toString(a.data()));
        }
        assertEquals(0, after.get(0).compositionOffset(), "the IDR shows at its decode time");
        assertEquals(-1024, after.get(2).compositionOffset(), "a B-frame shows before its decode time (signed)");
    }

    @Test
    void aTrunWhoseEntriesRunPastItsBoxIsRefusedNotWrittenOver() {
        byte[] bytes = gop(0);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int trun = indexOf(bytes, "trun") - 4;
        b.putInt(trun + 12, 1000); // sample count far past the box
        byte[] copy = bytes.clone();
        assertThrows(MediaFormatException.class, () -> CompositionDelay.shift(bytes, 1024));
        assertEquals(Arrays.toString(copy), Arrays.toString(bytes), "nothing changed");
    }

    private static int indexOf(byte[] bytes, String type) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int i = 0; i + 4 <= bytes.length; i++) {
            if (bytes[i] == t[0] && bytes[i + 1] == t[1] && bytes[i + 2] == t[2] && bytes[i + 3] == t[3]) {
                return i;
            }
        }
        throw new AssertionError("no " + type);
    }
}
