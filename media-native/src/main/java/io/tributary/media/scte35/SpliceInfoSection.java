package io.tributary.media.scte35;

import java.util.List;

/**
 * A parsed SCTE-35 splice_info_section (SCTE 35 section 9.6). Times are 33-bit 90 kHz PTS values
 * with pts_adjustment already added (mod 2^33), -1 when the command carries no time.
 *
 * @param commandType splice_command_type (5 splice_insert, 6 time_signal, 0 null, ...)
 * @param encrypted   the command and descriptors are encrypted; nothing past the header was parsed
 * @param spliceTime  time_signal time, or splice_insert program splice time; -1 if none / immediate
 * @param insert      the splice_insert fields, or null for other commands
 * @param raw         the whole section as received (table_id through CRC_32)
 */
public record SpliceInfoSection(int commandType, boolean encrypted, long ptsAdjustment, int tier,
        long spliceTime, SpliceInsert insert, List<SegmentationDescriptor> segmentations, byte[] raw) {

    public static final int SPLICE_NULL = 0x00;
    public static final int SPLICE_INSERT = 0x05;
    public static final int TIME_SIGNAL = 0x06;

    /**
     * splice_insert(): {@code durationTicks} is break_duration in 90 kHz ticks (-1 without one).
     */
    public record SpliceInsert(long eventId, boolean cancel, boolean outOfNetwork, boolean immediate,
            long durationTicks, boolean autoReturn, int uniqueProgramId, int availNum, int availsExpected) {
    }
}
