package io.tributary.dvr;

/** One recorded segment of one rendition (the agreed index API; provided by the dvr branch). */
public record RecordedSegment(String stream, String rendition, long msn, long pdtMillis, double duration,
                              long size, String file, int initVersion, boolean discontinuity,
                              long baseMediaTime, int timescale, String node) {
}
