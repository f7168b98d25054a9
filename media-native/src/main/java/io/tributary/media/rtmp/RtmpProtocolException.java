package io.tributary.media.rtmp;

/** The only exception type bad input may raise; the caller closes that one connection. */
public final class RtmpProtocolException extends RuntimeException {

    private final boolean overLimit;

    public RtmpProtocolException(String message) {
        this(message, false);
    }

    public RtmpProtocolException(String message, boolean overLimit) {
        super(message);
        this.overLimit = overLimit;
    }

    /** The peer was well-formed but asked the node to hold more than its {@link RtmpLimits} allow. */
    public boolean overLimit() {
        return overLimit;
    }
}
