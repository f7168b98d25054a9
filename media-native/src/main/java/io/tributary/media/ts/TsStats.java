package io.tributary.media.ts;

/**
 * Counters of one {@link TsDemuxer}, a snapshot.
 *
 * @param packets            188-byte packets taken (any PID)
 * @param skippedBytes       bytes thrown away looking for packet sync
 * @param syncLosses         times sync was lost and searched for again
 * @param continuityErrors   continuity_counter gaps on the PIDs the demuxer follows
 * @param duplicatePackets   repeated packets (same counter, same bytes) ignored
 * @param transportErrors    packets flagged transport_error_indicator, scrambled or with a bad adaptation field
 * @param droppedAccessUnits access units (PES) dropped as damaged, truncated, oversized or malformed
 * @param waitingSamples     samples dropped before their track had a configuration (or video a keyframe)
 * @param sectionErrors      PSI / SCTE-35 sections refused (CRC, lengths, syntax)
 * @param pcrCount           PCR values seen
 * @param lastPcr            the last PCR base (90 kHz, 33 bits), -1 before the first
 * @param samples            samples emitted
 * @param cues               SCTE-35 cues emitted
 */
public record TsStats(long packets, long skippedBytes, long syncLosses, long continuityErrors, long duplicatePackets,
        long transportErrors, long droppedAccessUnits, long waitingSamples, long sectionErrors, long pcrCount,
        long lastPcr, long samples, long cues) {
}
