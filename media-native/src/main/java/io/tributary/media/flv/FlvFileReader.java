package io.tributary.media.flv;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an FLV file or stream: the 9+ byte header, then tags each followed by their
 * PreviousTagSize. A tag cut short at the end (an interrupted recording) ends the
 * stream quietly, since the tags before it are still good.
 */
public final class FlvFileReader implements Closeable {

    private final InputStream in;
    private final boolean hasAudio;
    private final boolean hasVideo;
    private boolean ended;

    public FlvFileReader(InputStream in) throws IOException {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in);
        byte[] header = new byte[9];
        readFully(header, 9);
        if (header[0] != 'F' || header[1] != 'L' || header[2] != 'V') {
            throw new IOException("not an FLV stream (no 'FLV' signature)");
        }
        hasAudio = (header[4] & 0x04) != 0;
        hasVideo = (header[4] & 0x01) != 0;
        long dataOffset = u32(header, 5);
        if (dataOffset < 9) {
            throw new IOException("FLV header declares data offset " + dataOffset + " (< 9)");
        }
        skipFully(dataOffset - 9);
        skipFully(4); // PreviousTagSize0, always 0
    }

    public static FlvFileReader open(Path file) throws IOException {
        return new FlvFileReader(Files.newInputStream(file));
    }

    /** Reads a whole file into memory; convenient for replaying a recording repeatedly. */
    public static List<FlvTag> readAll(Path file) throws IOException {
        try (FlvFileReader reader = open(file)) {
            List<FlvTag> tags = new ArrayList<>();
            for (FlvTag tag = reader.next(); tag != null; tag = reader.next()) {
                tags.add(tag);
            }
            return tags;
        }
    }

    public boolean hasAudio() {
        return hasAudio;
    }

    public boolean hasVideo() {
        return hasVideo;
    }

    /** @return the next tag, or {@code null} at the end of the stream. */
    public FlvTag next() throws IOException {
        if (ended) {
            return null;
        }
        byte[] h = new byte[11];
        try {
            readFully(h, 11);
            int type = h[0] & 0x1F; // upper bits: reserved and the encryption filter flag
            int size = ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
            long timestamp = ((h[4] & 0xFFL) << 16) | ((h[5] & 0xFF) << 8) | (h[6] & 0xFF) | ((h[7] & 0xFFL) << 24);
            byte[] payload = new byte[size];
            readFully(payload, size);
            FlvTag tag = new FlvTag(type, timestamp, payload);
            try {
                skipFully(4); // PreviousTagSize
            } catch (EOFException e) {
                ended = true; // the tag itself is complete; keep it
            }
            return tag;
        } catch (EOFException e) {
            ended = true;
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void readFully(byte[] b, int n) throws IOException {
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new EOFException();
            }
            off += r;
        }
    }

    private void skipFully(long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                s = 1;
            }
            n -= s;
        }
    }

    private static long u32(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }
}
