package io.tributary.dvr;

/** What the index knows of one recorded rendition (the agreed index API; provided by the dvr branch). */
public record RecordedRendition(String stream, String rendition, String codecs, int width, int height,
                                long bandwidth, boolean audio, long firstPdtMillis, long lastPdtMillis) {
}
