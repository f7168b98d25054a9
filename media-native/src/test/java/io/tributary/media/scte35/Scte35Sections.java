package io.tributary.media.scte35;

import java.io.ByteArrayOutputStream;

/** Builds splice_info_sections for tests (SCTE 35 section 9), CRC included. */
public final class Scte35Sections {

    private Scte35Sections() {
    }

    /** splice_insert of a programme splice at {@code ptsTime}; a break duration when {@code durationTicks > 0}. */
    public static byte[] spliceInsert(long eventId, boolean out, long ptsTime, long durationTicks) {
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        u32(c, eventId);
        c.write(0x7F); // not cancelled
        boolean duration = durationTicks > 0;
        c.write((out ? 0x80 : 0) | 0x40 | (duration ? 0x20 : 0) | 0x0F); // programme splice, not immediate
        time(c, ptsTime);
        if (duration) {
            c.write(0x80 | 0x7E | (int) (durationTicks >>> 32 & 1)); // auto_return
            u32(c, durationTicks);
        }
        c.write(0);
        c.write(1); // unique_program_id
        c.write(0);
        c.write(0); // avail_num, avails_expected
        return section(0x05, c.toByteArray(), new byte[0]);
    }

    /** time_signal at {@code ptsTime} with one programme segmentation_descriptor. */
    public static byte[] timeSignal(long ptsTime, long segmentationEventId, int typeId, long durationTicks) {
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        time(c, ptsTime);
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write('C');
        d.write('U');
        d.write('E');
        d.write('I');
        u32(d, segmentationEventId);
        d.write(0x7F);
        boolean duration = durationTicks > 0;
        d.write(0x80 | (duration ? 0x40 : 0) | 0x20 | 0x1F); // programme, delivery not restricted
        if (duration) {
            d.write((int) (durationTicks >>> 32));
            u32(d, durationTicks);
        }
        d.write(0x0F); // upid type: URI
        byte[] upid = "urn:test".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        d.write(upid.length);
        d.write(upid, 0, upid.length);
        d.write(typeId);
        d.write(1);
        d.write(1);
        byte[] body = d.toByteArray();
        ByteArrayOutputStream loop = new ByteArrayOutputStream();
        loop.write(0x02);
        loop.write(body.length);
        loop.write(body, 0, body.length);
        return section(0x06, c.toByteArray(), loop.toByteArray());
    }

    private static byte[] section(int commandType, byte[] command, byte[] descriptors) {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.write(0xFC);
        s.write(0);
        s.write(0); // section_length, below
        s.write(0); // protocol_version
        s.write(0); // not encrypted, pts_adjustment 0
        u32(s, 0);
        s.write(0xFF); // cw_index
        s.write(0xFF);
        s.write(0xF0 | command.length >> 8); // tier 0xFFF, splice_command_length
        s.write(command.length);
        s.write(commandType);
        s.write(command, 0, command.length);
        s.write(descriptors.length >> 8);
        s.write(descriptors.length);
        s.write(descriptors, 0, descriptors.length);
        u32(s, 0); // CRC, below
        byte[] b = s.toByteArray();
        int length = b.length - 3;
        b[1] = (byte) (0x30 | length >> 8);
        b[2] = (byte) length;
        int crc = Crc32Mpeg2.compute(b, 0, b.length - 4);
        for (int k = 0; k < 4; k++) {
            b[b.length - 4 + k] = (byte) (crc >>> (24 - 8 * k));
        }
        return b;
    }

    private static void time(ByteArrayOutputStream c, long pts) {
        c.write(0xFE | (int) (pts >>> 32 & 1));
        u32(c, pts);
    }

    private static void u32(ByteArrayOutputStream c, long v) {
        c.write((int) (v >>> 24));
        c.write((int) (v >>> 16));
        c.write((int) (v >>> 8));
        c.write((int) v);
    }
}
