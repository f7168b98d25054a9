package io.tributary.media.amf;

/** Malformed AMF0 input: the only exception bad input may raise here. */
public final class AmfFormatException extends RuntimeException {

    public AmfFormatException(String message) {
        super(message);
    }
}
