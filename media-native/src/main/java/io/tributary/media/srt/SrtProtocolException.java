package io.tributary.media.srt;

/** The only exception bad SRT input may raise; the listener drops that datagram (or that connection). */
public final class SrtProtocolException extends RuntimeException {

    public SrtProtocolException(String message) {
        super(message);
    }
}
