package io.tributary.media.ts;

/**
 * The input is not an MPEG transport stream (no packet sync for too long). Damage inside a
 * stream that is one (lost packets, bad sections, bad PES) is counted in {@link TsStats} and
 * never thrown.
 */
public final class TsFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TsFormatException(String message) {
        super(message);
    }
}
