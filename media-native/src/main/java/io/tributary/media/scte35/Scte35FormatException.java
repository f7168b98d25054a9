package io.tributary.media.scte35;

/** A splice_info_section that cannot be parsed: truncated, bad CRC, bad lengths, unknown table. */
public final class Scte35FormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public Scte35FormatException(String message) {
        super(message);
    }
}
