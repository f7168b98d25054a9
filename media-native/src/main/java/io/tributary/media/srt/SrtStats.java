package io.tributary.media.srt;

/**
 * A connection's receive figures so far.
 *
 * @param lost             packets found missing (a gap in the sequence), whether or not a retransmission filled them later
 * @param retransmitted    packets that arrived flagged as retransmissions
 * @param droppedTooLate   packets skipped because their delivery time passed before they arrived (or the sender dropped them)
 * @param belated          packets that arrived after their place was already delivered or skipped
 * @param undecryptable    packets dropped because their key was unknown
 * @param driftMicros      how far the drift tracer moved the peer's time base so far (+: the peer's clock runs slow)
 */
public record SrtStats(long packetsReceived, long bytesReceived, long lost, long retransmitted, long droppedTooLate,
                       long duplicates, long belated, long undecryptable, long delivered, int rttMicros, int rttVarMicros,
                       int latencyMs, long driftMicros) {
}
