package io.tributary.media.amf;

/**
 * An AMF0 date: milliseconds since the Unix epoch (UTC) plus the time-zone field,
 * which the AMF0 spec says should be 0 and readers should ignore.
 */
public record AmfDate(double epochMillis, short timeZone) {

    public AmfDate(double epochMillis) {
        this(epochMillis, (short) 0);
    }
}
