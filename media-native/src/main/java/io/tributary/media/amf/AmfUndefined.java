package io.tributary.media.amf;

/** The AMF "undefined" value, kept apart from {@code null} so it survives a round trip. */
public enum AmfUndefined {
    INSTANCE
}
