package io.tributary.media.flv;

/** A malformed FLV tag body: the only exception bad input may raise here. */
public final class FlvFormatException extends RuntimeException {

    public FlvFormatException(String message) {
        super(message);
    }
}
