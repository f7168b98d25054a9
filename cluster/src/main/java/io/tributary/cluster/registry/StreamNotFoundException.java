package io.tributary.cluster.registry;

/** No origin holds the stream: answered as 404 wherever it surfaces. */
public final class StreamNotFoundException extends RuntimeException {

    public StreamNotFoundException(String streamKey) {
        super("stream '" + streamKey + "' is not live on any origin", null, false, false);
    }
}
