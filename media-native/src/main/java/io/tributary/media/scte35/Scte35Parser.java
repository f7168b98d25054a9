package io.tributary.media.scte35;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses an SCTE-35 splice_info_section (SCTE 35 2022 section 9). Stateless. The CRC_32 is checked
 * first, so a damaged section is refused whole; every length field is checked against the bytes
 * that are there, and every failure is a {@link Scte35FormatException}.
 */
public final class Scte35Parser {

    /** splice_info_section is a private section: at most 4096 bytes in all (section_length is 12 bits). */
    public static final int MAX_SECTION = 4096;

    private static final int TABLE_ID = 0xFC;
    private static final long CUEI = 0x43554549L;
    private static final int SEGMENTATION_DESCRIPTOR = 0x02;
    private static final long PTS_MASK = (1L << 33) - 1;

    private Scte35Parser() {
    }

    public static SpliceInfoSection parse(byte[] b) {
        return parse(b, 0, b.length);
    }

    public static SpliceInfoSection parse(byte[] b, int off, int len) {
        if (len < 3) {
            throw new Scte35FormatException("splice_info_section too short: " + len + " bytes");
        }
        if ((b[off] & 0xFF) != TABLE_ID) {
            throw new Scte35FormatException("table_id 0x" + Integer.toHexString(b[off] & 0xFF) + " is not 0xFC");
        }
        int sectionLength = (b[off + 1] & 0x0F) << 8 | (b[off + 2] & 0xFF);
        int total = 3 + sectionLength;
        if (total > len) {
            throw new Scte35FormatException("section_length " + sectionLength + " exceeds the " + len + " bytes given");
        }
        if (sectionLength < 17) {
            throw new Scte35FormatException("section_length " + sectionLength + " below the fixed header size");
        }
        if (Crc32Mpeg2.compute(b, off, total) != 0) {
            throw new Scte35FormatException("splice_info_section CRC_32 mismatch");
        }
        byte[] raw = java.util.Arrays.copyOfRange(b, off, off + total);
        Bits r = new Bits(raw, 3, total - 4); // CRC excluded
        int protocolVersion = r.bits(8);
        if (protocolVersion != 0) {
            throw new Scte35FormatException("unsupported protocol_version " + protocolVersion);
        }
        boolean encrypted = r.flag();
        r.skip(6); // encryption_algorithm
        long ptsAdjustment = r.bitsLong(33);
        r.skip(8); // cw_index
        int tier = r.bits(12);
        int commandLength = r.bits(12);
        int commandType = r.bits(8);
        if (encrypted) {
            return new SpliceInfoSection(commandType, true, ptsAdjustment, tier, -1, null, List.of(), raw);
        }
        int commandStart = r.pos();
        long spliceTime = -1;
        SpliceInfoSection.SpliceInsert insert = null;
        switch (commandType) {
            case SpliceInfoSection.SPLICE_INSERT -> {
                long[] time = {-1};
                insert = spliceInsert(r, time);
                spliceTime = time[0];
            }
            case SpliceInfoSection.TIME_SIGNAL -> spliceTime = spliceTime(r);
            case SpliceInfoSection.SPLICE_NULL -> { }
            default -> {
                // splice_schedule, bandwidth_reservation, private_command: carried, not interpreted
                if (commandLength == 0xFFF) {
                    throw new Scte35FormatException("command type 0x" + Integer.toHexString(commandType)
                            + " without a splice_command_length");
                }
                r.skip(commandLength * 8);
            }
        }
        if (commandLength != 0xFFF && r.pos() - commandStart != commandLength) {
            // 0xFFF is the legacy "not given" value; otherwise the parsed command must fill it exactly
            throw new Scte35FormatException("splice_command_length " + commandLength + " but the command took "
                    + (r.pos() - commandStart) + " bytes");
        }
        int loopLength = r.bits(16);
        if (loopLength > r.bytesLeft()) {
            throw new Scte35FormatException("descriptor_loop_length " + loopLength + " exceeds the section");
        }
        List<SegmentationDescriptor> segs = new ArrayList<>();
        int loopEnd = r.pos() + loopLength;
        while (r.pos() < loopEnd) {
            if (loopEnd - r.pos() < 2) {
                throw new Scte35FormatException("truncated splice descriptor");
            }
            int tag = r.bits(8);
            int dlen = r.bits(8);
            if (dlen > loopEnd - r.pos()) {
                throw new Scte35FormatException("descriptor_length " + dlen + " exceeds the descriptor loop");
            }
            int end = r.pos() + dlen;
            if (tag == SEGMENTATION_DESCRIPTOR && dlen >= 4) {
                Bits d = new Bits(raw, r.pos(), dlen);
                if (d.bitsLong(32) == CUEI) {
                    segs.add(segmentation(d));
                }
            }
            r.seek(end);
        }
        if (spliceTime >= 0) {
            spliceTime = (spliceTime + ptsAdjustment) & PTS_MASK;
        }
        return new SpliceInfoSection(commandType, false, ptsAdjustment, tier, spliceTime, insert, List.copyOf(segs), raw);
    }

    private static SpliceInfoSection.SpliceInsert spliceInsert(Bits r, long[] time) {
        long eventId = r.bitsLong(32);
        boolean cancel = r.flag();
        r.skip(7);
        if (cancel) {
            return new SpliceInfoSection.SpliceInsert(eventId, true, false, false, -1, false, 0, 0, 0);
        }
        boolean out = r.flag();
        boolean programSplice = r.flag();
        boolean durationFlag = r.flag();
        boolean immediate = r.flag();
        r.skip(4); // event_id_compliance_flag + reserved
        if (programSplice && !immediate) {
            time[0] = spliceTime(r);
        }
        if (!programSplice) {
            int components = r.bits(8);
            for (int i = 0; i < components; i++) {
                r.skip(8); // component_tag
                long t = immediate ? -1 : spliceTime(r);
                if (i == 0) {
                    time[0] = t; // component splices: the first component stands for the programme
                }
            }
        }
        long duration = -1;
        boolean autoReturn = false;
        if (durationFlag) {
            autoReturn = r.flag();
            r.skip(6);
            duration = r.bitsLong(33);
        }
        int uniqueProgramId = r.bits(16);
        int availNum = r.bits(8);
        int availsExpected = r.bits(8);
        return new SpliceInfoSection.SpliceInsert(eventId, false, out, immediate, duration, autoReturn,
                uniqueProgramId, availNum, availsExpected);
    }

    /** splice_time(): the 33-bit pts_time, or -1 when time_specified_flag is 0. */
    private static long spliceTime(Bits r) {
        if (r.flag()) {
            r.skip(6);
            return r.bitsLong(33);
        }
        r.skip(7);
        return -1;
    }

    private static SegmentationDescriptor segmentation(Bits d) {
        long eventId = d.bitsLong(32);
        boolean cancel = d.flag();
        d.skip(7);
        if (cancel) {
            return new SegmentationDescriptor(eventId, true, 0, -1, 0, new byte[0], 0, 0);
        }
        boolean programSegmentation = d.flag();
        boolean durationFlag = d.flag();
        d.skip(6); // delivery_not_restricted_flag and the restriction flags / reserved
        if (!programSegmentation) {
            int components = d.bits(8);
            d.skip(components * 48); // component_tag, reserved, pts_offset
        }
        long duration = durationFlag ? d.bitsLong40() : -1;
        int upidType = d.bits(8);
        int upidLength = d.bits(8);
        byte[] upid = d.bytes(upidLength);
        int typeId = d.bits(8);
        int segmentNum = d.bits(8);
        int segmentsExpected = d.bits(8);
        // sub_segment_num / sub_segments_expected may follow for some types: not needed for cues
        return new SegmentationDescriptor(eventId, false, typeId, duration, upidType, upid, segmentNum, segmentsExpected);
    }

    /** MSB-first reader over a byte range; overruns become {@link Scte35FormatException}. */
    private static final class Bits {
        private final byte[] b;
        private final long end;
        private long pos;

        Bits(byte[] b, int off, int len) {
            this.b = b;
            this.pos = (long) off * 8;
            this.end = (long) (off + len) * 8;
        }

        int pos() {
            if ((pos & 7) != 0) {
                throw new IllegalStateException("not byte aligned");
            }
            return (int) (pos >>> 3);
        }

        int bytesLeft() {
            return (int) ((end - pos) >>> 3);
        }

        void seek(int bytePos) {
            pos = (long) bytePos * 8;
        }

        boolean flag() {
            return bitsLong(1) == 1;
        }

        int bits(int n) {
            return (int) bitsLong(n);
        }

        long bitsLong40() {
            return bitsLong(8) << 32 | bitsLong(32);
        }

        long bitsLong(int n) {
            if (pos + n > end) {
                throw new Scte35FormatException("splice_info_section truncated");
            }
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = v << 1 | (b[(int) (pos >>> 3)] >> (7 - (int) (pos & 7)) & 1);
                pos++;
            }
            return v;
        }

        void skip(long n) {
            if (n < 0 || pos + n > end) {
                throw new Scte35FormatException("splice_info_section truncated");
            }
            pos += n;
        }

        byte[] bytes(int n) {
            int p = pos();
            skip((long) n * 8);
            return java.util.Arrays.copyOfRange(b, p, p + n);
        }
    }
}
