package io.tributary.media.cmaf;

import java.util.List;

/**
 * CMAF fragment / chunk (ISO/IEC 23000-19 7.3.2.3): one moof + mdat for a single track.
 *
 * <p>Every fragment is self-describing: tfhd uses default-base-is-moof, so trun's data_offset
 * is relative to this moof and the bytes stay valid wherever the fragment lands (after the init
 * segment, after other fragments, or alone in an LL-HLS part). tfdt carries the absolute decode
 * time, so fragments need no state from their predecessors.
 */
public final class CmafFragment {

    // tfhd flags
    private static final int DEFAULT_BASE_IS_MOOF = 0x020000;
    // trun flags
    private static final int DATA_OFFSET_PRESENT = 0x000001;
    private static final int SAMPLE_DURATION_PRESENT = 0x000100;
    private static final int SAMPLE_SIZE_PRESENT = 0x000200;
    private static final int SAMPLE_FLAGS_PRESENT = 0x000400;
    private static final int SAMPLE_CTO_PRESENT = 0x000800;
    private static final int TRUN_FLAGS = DATA_OFFSET_PRESENT | SAMPLE_DURATION_PRESENT | SAMPLE_SIZE_PRESENT
            | SAMPLE_FLAGS_PRESENT | SAMPLE_CTO_PRESENT;

    /** sample_depends_on = 2 (independent). */
    static final int SYNC_SAMPLE_FLAGS = 0x02000000;
    /** sample_depends_on = 1 (depends on others) + sample_is_non_sync_sample. */
    static final int NON_SYNC_SAMPLE_FLAGS = 0x01010000;

    /** moof(8) + mfhd(16) + traf(8) + tfhd(16) + tfdt v1(20) + trun header(20); mdat header adds 8. */
    private static final int FIXED_MOOF_SIZE = 8 + 16 + 8 + 16 + 20 + 20;
    private static final int TRUN_ENTRY_SIZE = 16;

    private CmafFragment() {
    }

    /**
     * Writes moof + mdat for {@code samples} in decode order.
     *
     * @param sequenceNumber       mfhd sequence_number, increasing per track (1-based by convention)
     * @param trackId              the track_ID of the init segment
     * @param baseMediaDecodeTime  decode time of the first sample, in the track timescale
     * @param samples              at least one sample; durations/offsets in the track timescale
     */
    public static byte[] write(int sequenceNumber, int trackId, long baseMediaDecodeTime, List<CmafSample> samples) {
        int count = samples.size();
        if (count == 0) {
            throw new IllegalArgumentException("a fragment needs at least one sample");
        }
        if (trackId <= 0) {
            throw new IllegalArgumentException("trackId must be positive: " + trackId);
        }
        if (baseMediaDecodeTime < 0) {
            throw new IllegalArgumentException("baseMediaDecodeTime must not be negative: " + baseMediaDecodeTime);
        }
        long moofSize = FIXED_MOOF_SIZE + (long) TRUN_ENTRY_SIZE * count;
        long payload = 0;
        for (int i = 0; i < count; i++) {
            CmafSample s = samples.get(i);
            if (s.duration() < 0) {
                throw new IllegalArgumentException("negative duration at sample " + i);
            }
            payload += s.data().length;
        }
        long total = moofSize + 8 + payload;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("fragment too large: " + total + " bytes");
        }

        BoxWriter w = new BoxWriter((int) total);
        w.u32((int) moofSize);
        w.fourcc("moof");

        w.u32(16);
        w.fourcc("mfhd");
        w.u32(0);
        w.u32(sequenceNumber);

        w.u32((int) moofSize - 24);
        w.fourcc("traf");

        w.u32(16);
        w.fourcc("tfhd");
        w.u32(DEFAULT_BASE_IS_MOOF);
        w.u32(trackId);

        w.u32(20);
        w.fourcc("tfdt");
        w.u32(1 << 24); // version 1: 64-bit time
        w.u64(baseMediaDecodeTime);

        w.u32(20 + TRUN_ENTRY_SIZE * count);
        w.fourcc("trun");
        w.u32(1 << 24 | TRUN_FLAGS); // version 1: signed composition offsets
        w.u32(count);
        w.u32((int) moofSize + 8); // data_offset: first payload byte, relative to moof start
        for (int i = 0; i < count; i++) {
            CmafSample s = samples.get(i);
            w.u32(s.duration());
            w.u32(s.data().length);
            w.u32(s.sync() ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS);
            w.u32(s.compositionOffset());
        }

        w.u32((int) (8 + payload));
        w.fourcc("mdat");
        for (int i = 0; i < count; i++) {
            w.bytes(samples.get(i).data());
        }
        if (w.position() != total) {
            throw new IllegalStateException("fragment size mismatch: wrote " + w.position() + " of " + total);
        }
        return w.toByteArray();
    }
}
