package io.tributary.media.flv;

/**
 * One FLV tag: its type (8 audio, 9 video, 18 script data), its timestamp in milliseconds
 * (the 24-bit field extended by the 8-bit upper byte) and the tag body.
 */
public record FlvTag(int type, long timestamp, byte[] payload) {
    public static final int AUDIO = 8;
    public static final int VIDEO = 9;
    public static final int SCRIPT_DATA = 18;
}
