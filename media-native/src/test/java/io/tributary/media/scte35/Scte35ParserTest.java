package io.tributary.media.scte35;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaEvent;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Known answers from the examples section of SCTE 35 (14.1 to 14.3), corruption, and a seeded fuzz. */
class Scte35ParserTest {

    /** SCTE 35 14.1: time_signal, Placement Opportunity Start. */
    static final byte[] TIME_SIGNAL_PO_START = Base64.getDecoder().decode(
            "/DA0AAAAAAAA///wBQb+cr0AUAAeAhxDVUVJSAAAjn/PAAGlmbAICAAAAAAsoKGKNAIAmsnRfg==");
    /** SCTE 35 14.2: splice_insert, out of network, 60.293 s break with auto return. */
    static final byte[] SPLICE_INSERT_OUT = Base64.getDecoder().decode(
            "/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=");
    /** SCTE 35 14.3: time_signal, Placement Opportunity End. */
    static final byte[] TIME_SIGNAL_PO_END = HexFormat.of().parseHex(
            "FC302F000000000000FFFFF00506FE746290A000190217435545494800008E7F9F0808000000002CA0A18A350200A9CC6758");

    @Test
    void spliceInsertFromTheSpec() {
        SpliceInfoSection s = Scte35Parser.parse(SPLICE_INSERT_OUT);
        assertEquals(SpliceInfoSection.SPLICE_INSERT, s.commandType());
        assertEquals(0xFFF, s.tier());
        assertEquals(0, s.ptsAdjustment());
        assertEquals(1936310318L, s.spliceTime());
        SpliceInfoSection.SpliceInsert i = s.insert();
        assertEquals(1207959695L, i.eventId());
        assertTrue(i.outOfNetwork());
        assertFalse(i.immediate());
        assertTrue(i.autoReturn());
        assertEquals(5426421L, i.durationTicks());
        assertTrue(s.segmentations().isEmpty(), "its one descriptor is an avail_descriptor");
        assertArrayEquals(SPLICE_INSERT_OUT, s.raw());

        List<MediaEvent.Cue> cues = SpliceCues.of(s, pts -> pts / 90, 0);
        assertEquals(1, cues.size());
        MediaEvent.Cue c = cues.get(0);
        assertTrue(c.out());
        assertEquals(1936310318L / 90, c.mediaTimeMs());
        assertEquals(60.293566, c.durationSeconds(), 1e-6);
        assertEquals("1207959695", c.id());
    }

    @Test
    void timeSignalPlacementOpportunityFromTheSpec() {
        SpliceInfoSection start = Scte35Parser.parse(TIME_SIGNAL_PO_START);
        assertEquals(SpliceInfoSection.TIME_SIGNAL, start.commandType());
        assertEquals(1924989008L, start.spliceTime());
        assertEquals(1, start.segmentations().size());
        SegmentationDescriptor d = start.segmentations().get(0);
        assertEquals(1207959694L, d.eventId());
        assertEquals(0x34, d.typeId());
        assertEquals(27630000L, d.durationTicks());
        assertEquals(8, d.upidType());
        assertArrayEquals(HexFormat.of().parseHex("000000002CA0A18A"), d.upid());
        assertEquals(2, d.segmentNum());
        assertEquals(0, d.segmentsExpected());
        assertTrue(d.starts());

        SpliceInfoSection end = Scte35Parser.parse(TIME_SIGNAL_PO_END);
        assertEquals(0x746290A0L, end.spliceTime());
        SegmentationDescriptor e = end.segmentations().get(0);
        assertEquals(0x35, e.typeId());
        assertEquals(-1, e.durationTicks());
        assertTrue(e.ends());

        MediaEvent.Cue out = SpliceCues.of(start, pts -> pts / 90, 0).get(0);
        MediaEvent.Cue in = SpliceCues.of(end, pts -> pts / 90, 0).get(0);
        assertTrue(out.out());
        assertEquals(307.0, out.durationSeconds(), 1e-9);
        assertFalse(in.out());
        assertEquals(out.id(), in.id(), "start and end pair up by segmentation_event_id");
        assertEquals(1952616608L / 90, in.mediaTimeMs());
    }

    @Test
    void timeSignalOfAnotherSegmentationTypeIsOneCommand() {
        byte[] programStart = Scte35Sections.timeSignal(900_000, 5, 0x10, 0);
        List<MediaEvent.Cue> cues = SpliceCues.of(Scte35Parser.parse(programStart), pts -> pts / 90, 0);
        assertEquals(1, cues.size());
        MediaEvent.Cue c = cues.get(0);
        assertEquals(io.tributary.media.CueKind.CMD, c.kind());
        assertFalse(c.out());
        assertEquals(10_000, c.mediaTimeMs());
        assertEquals("5", c.id());
        assertArrayEquals(programStart, c.scte35(), "the whole section is carried");
        // a cancelled descriptor signals nothing at all
        byte[] cancelled = programStart.clone();
        int at = indexOfCuei(cancelled) + 8; // segmentation_event_cancel_indicator follows the event id
        cancelled[at] |= (byte) 0x80;
        recrc(cancelled);
        assertTrue(SpliceCues.of(Scte35Parser.parse(cancelled), pts -> pts / 90, 0).isEmpty());
    }

    private static int indexOfCuei(byte[] s) {
        for (int i = 0; i + 4 <= s.length; i++) {
            if (s[i] == 'C' && s[i + 1] == 'U' && s[i + 2] == 'E' && s[i + 3] == 'I') {
                return i;
            }
        }
        throw new AssertionError("no CUEI");
    }

    @Test
    void ptsAdjustmentIsAddedModulo33Bits() {
        byte[] s = SPLICE_INSERT_OUT.clone();
        // pts_adjustment = 2^33 - 1000: the splice time wraps to 1936310318 - 1000
        long adj = (1L << 33) - 1000;
        s[4] = (byte) ((s[4] & 0xFE) | (int) (adj >>> 32));
        s[5] = (byte) (adj >>> 24);
        s[6] = (byte) (adj >>> 16);
        s[7] = (byte) (adj >>> 8);
        s[8] = (byte) adj;
        recrc(s);
        assertEquals(1936310318L - 1000, Scte35Parser.parse(s).spliceTime());
    }

    @Test
    void corruptionIsRefused() {
        byte[] flipped = SPLICE_INSERT_OUT.clone();
        flipped[20] ^= 0x04;
        assertThrows(Scte35FormatException.class, () -> Scte35Parser.parse(flipped), "CRC");
        assertThrows(Scte35FormatException.class,
                () -> Scte35Parser.parse(SPLICE_INSERT_OUT, 0, SPLICE_INSERT_OUT.length - 1), "truncated");
        byte[] table = SPLICE_INSERT_OUT.clone();
        table[0] = 0x02;
        assertThrows(Scte35FormatException.class, () -> Scte35Parser.parse(table));
        byte[] badLength = SPLICE_INSERT_OUT.clone();
        badLength[11] = (byte) (badLength[11] & 0xF0);
        badLength[12] = 0x13; // splice_command_length 19, the command takes 20
        recrc(badLength);
        assertThrows(Scte35FormatException.class, () -> Scte35Parser.parse(badLength));
    }

    @Test
    void fuzzOnlyEverThrowsTheProtocolException() {
        Random random = new Random(35);
        byte[][] seeds = {SPLICE_INSERT_OUT, TIME_SIGNAL_PO_START, TIME_SIGNAL_PO_END};
        int parsed = 0;
        for (int round = 0; round < 50_000; round++) {
            byte[] s = seeds[round % seeds.length].clone();
            int edits = 1 + random.nextInt(4);
            for (int k = 0; k < edits; k++) {
                s[3 + random.nextInt(s.length - 7)] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {
                recrc(s); // get past the CRC so the field parsing is exercised
            }
            int len = random.nextInt(8) == 0 ? random.nextInt(s.length + 1) : s.length;
            try {
                SpliceInfoSection section = Scte35Parser.parse(s, 0, len);
                SpliceCues.of(section, pts -> pts / 90, 0);
                parsed++;
            } catch (Scte35FormatException expected) {
                // the only exception allowed
            }
        }
        assertTrue(parsed > 300, "mutations past the CRC parse often: " + parsed);
    }

    static void recrc(byte[] s) {
        int crc = Crc32Mpeg2.compute(s, 0, s.length - 4);
        for (int k = 0; k < 4; k++) {
            s[s.length - 4 + k] = (byte) (crc >>> (24 - 8 * k));
        }
    }
}
