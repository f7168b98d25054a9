package io.tributary.media.rtmp;

/** What the server told an {@link RtmpClientSession}. */
public sealed interface RtmpClientEvent {

    /** connect was answered with NetConnection.Connect.Success. */
    record Connected() implements RtmpClientEvent {
    }

    /** onStatus NetStream.Publish.Start arrived; media may now be encoded. */
    record PublishStarted(int streamId) implements RtmpClientEvent {
    }

    /** connect, createStream or publish was refused (an _error, or an onStatus of level "error"). */
    record Failed(String code, String description) implements RtmpClientEvent {
    }

    /** Any other onStatus the server sent. */
    record Status(String level, String code, String description) implements RtmpClientEvent {
    }
}
