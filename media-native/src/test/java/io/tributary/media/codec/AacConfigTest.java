package io.tributary.media.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tributary.media.testing.SyntheticAvSource;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AacConfigTest {

    @ParameterizedTest(name = "{0} Hz, {1} ch")
    @CsvSource({"44100,2", "48000,2", "48000,1", "22050,1", "32000,6"})
    void parsesRealEncoderConfigs(int rate, int channels) {
        byte[] asc;
        try (SyntheticAvSource src = SyntheticAvSource.builder().size(64, 64).audioFormat(rate, channels).build()) {
            asc = src.audioSpecificConfig();
        }
        AacConfig c = AacConfig.parse(asc);
        assertEquals(2, c.objectType());
        assertEquals(rate, c.sampleRate());
        assertEquals(channels, c.channels());
        assertEquals("mp4a.40.2", c.codecString());
        assertArrayEquals(asc, c.audioSpecificConfig());
    }

    @Test
    void explicitSampleRate() {
        byte[] asc = new BitWriter().bits(2, 5).bits(0xF, 4).bits(50_000, 24).bits(2, 4).bits(0, 3).rbsp();
        AacConfig c = AacConfig.parse(asc);
        assertEquals(50_000, c.sampleRate());
        assertEquals(2, c.channels());
    }

    @Test
    void escapedObjectType() {
        // 31 escapes to 32 + 6 bits: 42 (USAC)
        byte[] asc = new BitWriter().bits(31, 5).bits(10, 6).bits(4, 4).bits(1, 4).bits(0, 8).rbsp();
        AacConfig c = AacConfig.parse(asc);
        assertEquals(42, c.objectType());
        assertEquals(44100, c.sampleRate());
        assertEquals(1, c.channels());
        assertEquals("mp4a.40.42", c.codecString());
    }

    @Test
    void explicitHeAacKeepsCoreRate() {
        // SBR: core 24 kHz, extension 48 kHz, underlying AAC-LC
        byte[] asc = new BitWriter().bits(5, 5).bits(6, 4).bits(2, 4).bits(3, 4).bits(2, 5).bits(0, 3).rbsp();
        AacConfig c = AacConfig.parse(asc);
        assertEquals(5, c.objectType());
        assertEquals(24000, c.sampleRate());
        assertEquals(2, c.channels());
        assertEquals("mp4a.40.5", c.codecString());
    }

    @Test
    void channelConfigurationsFromTable() {
        int[][] expected = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 8}, {11, 7}, {12, 8}, {14, 8}};
        for (int[] e : expected) {
            byte[] asc = new BitWriter().bits(2, 5).bits(3, 4).bits(e[0], 4).bits(0, 3).rbsp();
            assertEquals(e[1], AacConfig.parse(asc).channels(), "channelConfiguration " + e[0]);
        }
    }

    @Test
    void programConfigElementCountsChannels() {
        // channelConfiguration 0: front SCE + front CPE + back CPE + LFE = 1 + 2 + 2 + 1
        BitWriter w = new BitWriter().bits(2, 5).bits(3, 4).bits(0, 4)
                .bits(0, 1).bits(0, 1).bits(0, 1) // frameLength, dependsOnCoreCoder, extension
                .bits(0, 4).bits(1, 2).bits(3, 4) // element_instance_tag, object_type, sf index
                .bits(2, 4).bits(0, 4).bits(1, 4).bits(1, 2) // front, side, back, lfe counts
                .bits(0, 3).bits(0, 4) // assoc data, valid cc
                .bits(0, 1).bits(0, 1).bits(0, 1) // mixdown flags
                .bits(0, 1).bits(0, 4).bits(1, 1).bits(1, 4) // front: SCE, CPE
                .bits(1, 1).bits(2, 4) // back: CPE
                .bits(0, 4); // lfe tag
        assertEquals(6, AacConfig.parse(w.rbsp()).channels());
    }

    @Test
    void rejectsMalformedConfigs() {
        assertThrows(MediaFormatException.class, () -> AacConfig.parse(null));
        assertThrows(MediaFormatException.class, () -> AacConfig.parse(new byte[0]));
        assertThrows(MediaFormatException.class, () -> AacConfig.parse(new byte[] {0x12}));
        // object type 0
        assertThrows(MediaFormatException.class,
                () -> AacConfig.parse(new BitWriter().bits(0, 5).bits(3, 4).bits(2, 4).bits(0, 3).rbsp()));
        // reserved sampling index 13
        assertThrows(MediaFormatException.class,
                () -> AacConfig.parse(new BitWriter().bits(2, 5).bits(13, 4).bits(2, 4).bits(0, 3).rbsp()));
        // reserved channel configuration 8
        assertThrows(MediaFormatException.class,
                () -> AacConfig.parse(new BitWriter().bits(2, 5).bits(3, 4).bits(8, 4).bits(0, 3).rbsp()));
        // explicit rate cut short
        byte[] explicit = new BitWriter().bits(2, 5).bits(0xF, 4).bits(50_000, 24).bits(2, 4).bits(0, 3).rbsp();
        for (int len = 0; len < 4; len++) {
            byte[] cut = Arrays.copyOf(explicit, len);
            assertThrows(MediaFormatException.class, () -> AacConfig.parse(cut), "cut to " + len);
        }
        // PCE announced but missing
        assertThrows(MediaFormatException.class,
                () -> AacConfig.parse(new BitWriter().bits(2, 5).bits(3, 4).bits(0, 4).bits(0, 3).rbsp()));
    }
}
