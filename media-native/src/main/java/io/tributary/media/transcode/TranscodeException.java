package io.tributary.media.transcode;

/**
 * The transcoder cannot run: an undecodable source configuration, an encoder that will not
 * open with a rung's settings, or a native failure while running.
 */
public final class TranscodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TranscodeException(String message) {
        super(message);
    }

    public TranscodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
