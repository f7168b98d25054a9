package io.tributary.media.rtmp;

/** The only exception type bad input may raise; the caller closes that one connection. */
public final class RtmpProtocolException extends RuntimeException {

    public RtmpProtocolException(String message) {
        super(message);
    }
}
