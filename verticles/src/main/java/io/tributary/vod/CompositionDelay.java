package io.tributary.vod;

import io.tributary.media.cmaf.Fmp4Reader;
import io.tributary.media.codec.MediaFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Removes a video rendition's initial composition delay, in place. x264 with B-frames decodes a
 * picture a couple of frames before showing it, and FFmpeg's muxer starts the decode timeline at
 * 0, so every segment's first picture presented d ticks (80 ms at 25 fps) after its tfdt, and the
 * sidx gave the decode time as the earliest presentation time. Players take those as where a
 * segment starts: hls.js placed each segment 80 ms early, dash.js showed video 80 ms after its
 * SegmentTimeline time, and a FAST channel moved by 80 ms at every asset boundary.
 *
 * <p>Here the decode timeline moves later by d: tfdt and the sidx's time gain d, every composition
 * offset loses d (trun version 1, signed; an IDR's becomes 0). Presentation times do not change, so
 * audio stays in sync, and no box changes size, so byte ranges stay valid. A rendition already
 * without delay is left alone (running it twice changes nothing).
 */
final class CompositionDelay {

    private CompositionDelay() {
    }

    /** The delay of {@code segments} (in decode order, the rendition's whole timeline) removed; gives d in ticks. */
    static int remove(Path init, List<Path> segments) throws IOException {
        if (segments.isEmpty()) {
            return 0;
        }
        int d;
        try {
            Fmp4Reader.Track track = Fmp4Reader.init(Files.readAllBytes(init));
            List<Fmp4Reader.Sample> first = Fmp4Reader.samples(track, Files.readAllBytes(segments.get(0)));
            d = first.isEmpty() ? 0 : first.get(0).compositionOffset();
        } catch (MediaFormatException | IndexOutOfBoundsException e) {
            throw new IOException("cannot read " + segments.get(0) + ": " + e.getMessage(), e);
        }
        if (d <= 0) {
            return 0;
        }
        for (Path p : segments) {
            byte[] bytes = Files.readAllBytes(p);
            try {
                shift(bytes, d);
            } catch (MediaFormatException | IndexOutOfBoundsException e) {
                throw new IOException("cannot re-time " + p + ": " + e.getMessage(), e);
            }
            Files.write(p, bytes);
        }
        return d;
    }

    /** One segment's boxes: sidx and every moof's tfdt and trun, changed in {@code bytes} (all or, on a bad box, none). */
    static void shift(byte[] bytes, int d) {
        byte[] work = bytes.clone();
        walk(ByteBuffer.wrap(work), 0, work.length, d);
        System.arraycopy(work, 0, bytes, 0, work.length);
    }

    private static void walk(ByteBuffer b, int from, int to, int d) {
        for (int at = from; at + 8 <= to; ) {
            long size = b.getInt(at) & 0xffffffffL;
            int header = 8;
            if (size == 1 && at + 16 <= to) {
                size = b.getLong(at + 8);
                header = 16;
            } else if (size == 0) {
                size = to - at;
            }
            if (size < header || at + size > to) {
                throw new MediaFormatException("box at " + at + " runs past its parent");
            }
            String type = new String(b.array(), at + 4, 4, StandardCharsets.ISO_8859_1);
            switch (type) {
                case "moof", "traf" -> walk(b, at + header, at + (int) size, d);
                // version and flags, reference id, timescale, then the earliest presentation time
                case "sidx" -> add(b, at, (int) size, header, 12, d);
                case "tfdt" -> add(b, at, (int) size, header, 4, d);
                case "trun" -> {
                    need(size, header, 16);
                    trun(b, at, (int) size, b.getInt(at + 8) & 0xffffff, d);
                }
                default -> {
                }
            }
            at += (int) size;
        }
    }

    private static void need(long size, int header, int bytes) {
        if (header != 8 || size < header + bytes) {
            throw new MediaFormatException("a box too short to hold its fields");
        }
    }

    /** Adds {@code d} to the 32-bit (version 0) or 64-bit time {@code skip} bytes into the full box at {@code at}. */
    private static void add(ByteBuffer b, int at, int size, int header, int skip, int d) {
        need(size, header, skip + 4);
        int version = b.get(at + 8);
        int p = at + 8 + skip;
        if (version == 1) {
            need(size, header, skip + 8);
            b.putLong(p, b.getLong(p) + d);
            return;
        }
        long t = (b.getInt(p) & 0xffffffffL) + d;
        if (t > 0xffffffffL) {
            throw new MediaFormatException("a 32-bit time overflows when delayed by " + d);
        }
        b.putInt(p, (int) t);
    }

    private static void trun(ByteBuffer b, int at, int size, int flags, int d) {
        int count = b.getInt(at + 12);
        int entry = Integer.bitCount(flags & 0xf00) * 4;
        int entries = at + 16 + ((flags & 0x1) != 0 ? 4 : 0) + ((flags & 0x4) != 0 ? 4 : 0);
        if (count < 0 || entries + (long) count * entry > at + size) {
            throw new MediaFormatException("trun entries run past the box");
        }
        if ((flags & 0x800) == 0) {
            if (count > 0) { // offsets all 0 with no room to write new ones
                throw new MediaFormatException("trun without composition offsets in a rendition with a delay");
            }
            return;
        }
        b.put(at + 8, (byte) 1); // signed offsets from here on
        int p = entries;
        int before = Integer.bitCount(flags & 0x700) * 4; // duration, size, flags: ahead of the offset
        for (int i = 0; i < count; i++) {
            p += before;
            b.putInt(p, b.getInt(p) - d);
            p += 4;
        }
    }
}
