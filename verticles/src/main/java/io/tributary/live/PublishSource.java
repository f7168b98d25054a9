package io.tributary.live;

/**
 * What a publication needs from the ingest connection that feeds it. Every call comes on
 * the connection's own context.
 */
public interface PublishSource {

    /** Read nothing more for now: the cluster has not answered the key's claim yet. */
    void pause();

    /** The claim is answered (either way): reading may go on. */
    void resume();

    /** Another publisher took the key over: close the connection. */
    void takenOver();

    /** Media handed to the stream's writer failed there: close the connection, telling the broadcaster why. */
    void failed(PublishException error);

    /**
     * The node is shutting down: tell the broadcaster in the protocol's own words (RTMP: an
     * onStatus it sees), then close the connection. The stream ends; no reconnect resumes it here.
     */
    default void shutdown(String why) {
        takenOver();
    }

    /** Whether the connection is still there to publish (it may close while its claim is pending). */
    boolean active();

    /** For logs: the remote address, say. */
    String describe();
}
