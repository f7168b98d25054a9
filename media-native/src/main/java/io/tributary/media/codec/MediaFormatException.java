package io.tributary.media.codec;

/** Thrown for malformed codec configuration or container input. */
public final class MediaFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MediaFormatException(String message) {
        super(message);
    }
}
