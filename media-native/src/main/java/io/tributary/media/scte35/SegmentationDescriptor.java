package io.tributary.media.scte35;

/**
 * The parts of an SCTE-35 segmentation_descriptor (tag 0x02, identifier "CUEI") that place a
 * break on the timeline. {@code durationTicks} is in 90 kHz ticks, -1 when absent.
 */
public record SegmentationDescriptor(long eventId, boolean cancel, int typeId, long durationTicks,
        int upidType, byte[] upid, int segmentNum, int segmentsExpected) {

    /** Types that open a break or an opportunity (SCTE 35 table 23: the "Start" rows of the ad/break family). */
    public boolean starts() {
        return switch (typeId) {
            case 0x22, 0x30, 0x32, 0x34, 0x36, 0x38, 0x3A, 0x3C, 0x3E, 0x44, 0x46 -> true;
            default -> false;
        };
    }

    /** The matching "End" types. */
    public boolean ends() {
        return switch (typeId) {
            case 0x23, 0x31, 0x33, 0x35, 0x37, 0x39, 0x3B, 0x3D, 0x3F, 0x45, 0x47 -> true;
            default -> false;
        };
    }
}
