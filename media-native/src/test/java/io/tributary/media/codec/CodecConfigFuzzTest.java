package io.tributary.media.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tributary.media.testing.SyntheticAvSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Seeded mutation fuzz: parsers either succeed with sane values or throw MediaFormatException. */
class CodecConfigFuzzTest {

    private static final long SEED = 0x7121_B07A_4BL;
    private static final int ROUNDS = 20_000;

    private static final List<byte[]> AVC_SEEDS = new ArrayList<>();
    private static final List<byte[]> AAC_SEEDS = new ArrayList<>();
    private static final List<byte[]> HEVC_SEEDS = new ArrayList<>();
    private static final List<byte[]> AV1_SEEDS = new ArrayList<>();

    @BeforeAll
    static void seeds() {
        try (SyntheticAvSource a = SyntheticAvSource.builder().size(320, 240).profile("baseline").build();
                SyntheticAvSource b = SyntheticAvSource.builder().size(1920, 1080).x264Params("cqm=jvt:interlaced=1")
                        .audioFormat(44100, 1).build();
                SyntheticAvSource c = SyntheticAvSource.builder().size(650, 366).profile("high444")
                        .pixelFormat(avutil.AV_PIX_FMT_YUV444P).audio(false).build()) {
            AVC_SEEDS.add(a.avcDecoderConfigurationRecord());
            AVC_SEEDS.add(b.avcDecoderConfigurationRecord());
            AVC_SEEDS.add(c.avcDecoderConfigurationRecord());
            AAC_SEEDS.add(a.audioSpecificConfig());
            AAC_SEEDS.add(b.audioSpecificConfig());
        }
        AAC_SEEDS.add(new BitWriter().bits(2, 5).bits(0xF, 4).bits(50_000, 24).bits(2, 4).bits(0, 3).rbsp());
        AAC_SEEDS.add(new BitWriter().bits(2, 5).bits(3, 4).bits(0, 4).bits(0, 3).bits(0, 4).bits(1, 2).bits(3, 4)
                .bits(2, 4).bits(0, 4).bits(1, 4).bits(1, 2).bits(0, 7).bits(0, 3)
                .bits(0, 5).bits(1, 5).bits(1, 5).bits(0, 4).rbsp());
        List<byte[]> vps = List.of(HevcConfigTest.VPS);
        List<byte[]> pps = List.of(HevcConfigTest.PPS);
        HEVC_SEEDS.add(HevcConfig.fromParameterSets(vps, List.of(HevcConfigTest.sps(0, false, 1, 0x6000_0000L,
                0xB000_0000_0000L, 93, 0, 1, 1920, 1088, new int[] {0, 0, 0, 4}, 8)), pps));
        HEVC_SEEDS.add(HevcConfig.fromParameterSets(vps, List.of(HevcConfigTest.sps(0, true, 2, 0x2000_0000L,
                0x9000_0000_0001L, 153, 2, 1, 3840, 2160, null, 10)), pps));
        HEVC_SEEDS.add(HevcConfig.fromParameterSets(vps, List.of(HevcConfigTest.sps(1, false, 4, 0x0800_0000L, 0,
                120, 0, 3, 640, 360, new int[] {1, 1, 0, 0}, 8)), pps));
        AV1_SEEDS.add(Av1ConfigTest.av1C(0, 13, false, false, false, Av1ConfigTest.fullSequenceHeader(0, 13, 1920,
                1080)));
        AV1_SEEDS.add(Av1ConfigTest.av1C(1, 4, false, true, false, Av1ConfigTest.reducedSequenceHeader(1, 4, 1280,
                720)));
    }

    @Test
    void hevcConfigNeverThrowsAnythingElse() {
        fuzz(HEVC_SEEDS, bytes -> {
            HevcConfig c = HevcConfig.parse(bytes);
            assertTrue(c.width() > 0 && c.height() > 0, "dimensions must be positive");
            assertTrue(c.nalLengthSize() == 1 || c.nalLengthSize() == 2 || c.nalLengthSize() == 4);
            c.codecString();
            HevcConfig.parse(c.hvc1Record()); // the hvc1 form of what parsed parses too
            List<byte[]> v = new ArrayList<>();
            List<byte[]> s = new ArrayList<>();
            List<byte[]> p = new ArrayList<>();
            for (byte[] nal : c.parameterSets()) {
                int type = nal[0] >> 1 & 0x3F;
                (type == 32 ? v : type == 33 ? s : p).add(nal);
            }
            // what parses also rebuilds (the SPS is the same, so it cannot newly fail)
            HevcConfig.parse(HevcConfig.fromParameterSets(v, s, p));
        });
    }

    @Test
    void av1ConfigNeverThrowsAnythingElse() {
        fuzz(AV1_SEEDS, bytes -> {
            Av1Config c = Av1Config.parse(bytes);
            assertTrue(c.width() > 0 && c.height() > 0, "dimensions must be positive");
            assertTrue(c.codecString().matches("av01\\.[0-7]\\.\\d\\d[MH]\\.(08|10|12)"), c.codecString());
        });
    }

    @Test
    void avcConfigNeverThrowsAnythingElse() {
        fuzz(AVC_SEEDS, bytes -> {
            AvcConfig c = AvcConfig.parse(bytes);
            assertTrue(c.width() > 0 && c.height() > 0, "dimensions must be positive");
            assertTrue(c.nalLengthSize() == 1 || c.nalLengthSize() == 2 || c.nalLengthSize() == 4);
            c.codecString();
        });
    }

    @Test
    void aacConfigNeverThrowsAnythingElse() {
        fuzz(AAC_SEEDS, bytes -> {
            AacConfig c = AacConfig.parse(bytes);
            assertTrue(c.sampleRate() > 0 && c.channels() > 0 && c.objectType() > 0);
            c.codecString();
        });
    }

    private static void fuzz(List<byte[]> seeds, Consumer<byte[]> parser) {
        Random rnd = new Random(SEED);
        int rejected = 0;
        for (int i = 0; i < ROUNDS; i++) {
            byte[] input = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            try {
                parser.accept(input);
            } catch (MediaFormatException expected) {
                rejected++;
            } catch (Throwable t) {
                fail("round " + i + " input " + HexFormat.of().formatHex(input) + " threw " + t, t);
            }
        }
        // the fuzz must exercise both outcomes to mean anything
        assertTrue(rejected > ROUNDS / 10 && rejected < ROUNDS, "rejected " + rejected + " of " + ROUNDS);
    }

    private static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> { // flip a few bits
                for (int k = rnd.nextInt(3) + 1; k > 0; k--) {
                    int bit = rnd.nextInt(b.length * 8);
                    b[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            }
            case 1 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
            case 2 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); // random byte
            case 3 -> { // random tail
                int from = rnd.nextInt(b.length);
                for (int k = from; k < b.length; k++) {
                    b[k] = (byte) rnd.nextInt(256);
                }
            }
            default -> { // entirely random, random length
                b = new byte[rnd.nextInt(64)];
                rnd.nextBytes(b);
            }
        }
        return b;
    }
}
