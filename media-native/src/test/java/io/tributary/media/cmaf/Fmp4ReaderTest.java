package io.tributary.media.cmaf;

import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.codec.MediaFormatException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the writer puts in a CMAF init and fragments, the reader gives back sample for sample. */
class Fmp4ReaderTest {

    @Test
    void videoSamplesComeBackWithTheirTimesFlagsAndBytes() throws Exception {
        byte[] init = CmafInitSegment.video(AvcConfig.parse(CmafStructureTest.AVCC), 1, 90_000);
        Fmp4Reader.Track track = Fmp4Reader.init(init);
        assertTrue(track.video());
        assertEquals(90_000, track.timescale());
        assertArrayEquals(CmafStructureTest.AVCC, track.config());

        List<CmafSample> first = List.of(new CmafSample(3600, 7200, true, new byte[] {0, 0, 0, 2, 0x65, 1}),
                new CmafSample(3600, 0, false, new byte[] {0, 0, 0, 1, 0x41}));
        List<CmafSample> second = List.of(new CmafSample(3000, 3600, false, new byte[] {0, 0, 0, 1, 0x41, 9, 9}));
        ByteArrayOutputStream segment = new ByteArrayOutputStream();
        segment.write(CmafFragment.write(1, 1, 900_000, first));
        segment.write(CmafFragment.write(2, 1, 907_200, second));
        List<Fmp4Reader.Sample> samples = Fmp4Reader.samples(track, segment.toByteArray());
        assertEquals(3, samples.size());
        assertEquals(900_000, samples.get(0).dts());
        assertEquals(7200, samples.get(0).compositionOffset());
        assertTrue(samples.get(0).sync());
        assertArrayEquals(first.get(0).data(), samples.get(0).data());
        assertEquals(903_600, samples.get(1).dts());
        assertFalse(samples.get(1).sync());
        assertEquals(907_200, samples.get(2).dts());
        assertEquals(3000, samples.get(2).duration());
        assertArrayEquals(second.get(0).data(), samples.get(2).data());
    }

    @Test
    void audioGivesItsAudioSpecificConfig() {
        byte[] init = CmafInitSegment.audio(AacConfig.parse(CmafStructureTest.ASC), 1);
        Fmp4Reader.Track track = Fmp4Reader.init(init);
        assertFalse(track.video());
        assertEquals(AacConfig.parse(CmafStructureTest.ASC).sampleRate(), track.timescale());
        assertArrayEquals(CmafStructureTest.ASC, track.config());
        byte[] fragment = CmafFragment.write(1, 1, 0, List.of(new CmafSample(1024, 0, true, new byte[] {1, 2, 3})));
        List<Fmp4Reader.Sample> samples = Fmp4Reader.samples(track, fragment);
        assertEquals(1, samples.size());
        assertTrue(samples.get(0).sync());
    }

    @Test
    void truncatedMediaIsAFormatErrorNotACrash() {
        byte[] init = CmafInitSegment.video(AvcConfig.parse(CmafStructureTest.AVCC), 1, 90_000);
        Fmp4Reader.Track track = Fmp4Reader.init(init);
        byte[] fragment = CmafFragment.write(1, 1, 0, List.of(new CmafSample(3600, 0, true, new byte[100])));
        for (int cut = 1; cut < fragment.length; cut += 7) {
            byte[] partial = Arrays.copyOf(fragment, cut);
            try {
                Fmp4Reader.samples(track, partial);
            } catch (MediaFormatException expected) {
                // refused with a reason
            }
        }
        assertThrows(MediaFormatException.class, () -> Fmp4Reader.init(Arrays.copyOf(init, 40)));
    }
}
