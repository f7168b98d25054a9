package io.tributary.live;

/**
 * Why a publish was refused or a publisher cut off, in words every ingest protocol can
 * pass on: RTMP as an onStatus code, SRT as a reject reason.
 *
 * @see Publications
 */
public final class PublishException extends RuntimeException {

    /** How the refusal reads to a broadcaster. */
    public enum Kind {
        /** The stream key: not allowed, or held elsewhere (RTMP NetStream.Publish.BadName). */
        BAD_NAME,
        /** The node will not take it now: draining, no capacity, registry down (NetStream.Publish.Rejected). */
        REJECTED,
        /** The media itself: malformed, unsupported, cannot be transcoded (the connection closes). */
        BAD_MEDIA
    }

    private final Kind kind;
    private final String reason;

    /**
     * @param reason short label for metrics ({@code bad_key}, {@code draining}, {@code duplicate},
     *               {@code capacity}, {@code registry_error}, {@code bad_media}, {@code unsupported_codec},
     *               {@code transcode_error})
     */
    public PublishException(Kind kind, String reason, String message) {
        super(message);
        this.kind = kind;
        this.reason = reason;
    }

    public Kind kind() {
        return kind;
    }

    public String reason() {
        return reason;
    }
}
