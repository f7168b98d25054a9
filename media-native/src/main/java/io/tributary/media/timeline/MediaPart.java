package io.tributary.media.timeline;

import java.nio.ByteBuffer;

/**
 * One LL-HLS partial segment: a single CMAF fragment (moof+mdat). The bytes live in a
 * read-only direct buffer, written once when the part is published, so a server can
 * hand them to the socket without copying them again for every viewer.
 */
public record MediaPart(long msn, int index, double duration, boolean independent, ByteBuffer data) {

    public MediaPart {
        data = data.asReadOnlyBuffer();
    }

    static MediaPart of(long msn, int index, double duration, boolean independent, byte[] fragment) {
        ByteBuffer direct = ByteBuffer.allocateDirect(fragment.length);
        direct.put(fragment).flip();
        return new MediaPart(msn, index, duration, independent, direct);
    }

    public int size() {
        return data.remaining();
    }

    /** A fresh view of the bytes (position 0), safe to consume. */
    public ByteBuffer view() {
        return data.duplicate();
    }

    /** A heap copy of the bytes, for tools and tests. */
    public byte[] bytes() {
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    public String uri() {
        return "part-" + msn + "." + index + ".m4s";
    }
}
