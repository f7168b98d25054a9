package io.tributary.cluster.registry;

/** Another live member holds the stream key: a publish of it here would make a second origin. */
public final class StreamHeldException extends RuntimeException {

    private final String origin;

    public StreamHeldException(String streamKey, String origin) {
        super("stream key '" + streamKey + "' is being published on another origin (" + origin + ")", null, false, false);
        this.origin = origin;
    }

    /** The base URL of the origin holding the key. */
    public String origin() {
        return origin;
    }
}
