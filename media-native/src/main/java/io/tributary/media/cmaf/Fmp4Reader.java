package io.tributary.media.cmaf;

import io.tributary.media.codec.MediaFormatException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the samples back out of a single-track fragmented MP4 (a CMAF init segment and its media
 * segments, as FFmpeg's HLS muxer or {@link CmafFragment} write them) without decoding anything:
 * what a FAST playout needs to republish VOD media on a live timeline as it was encoded.
 *
 * <p>The init gives the track's kind, timescale, decoder configuration (avcC record, or the AAC
 * AudioSpecificConfig from esds) and its trex defaults; a segment gives each sample's decode time,
 * duration, composition offset, sync flag and bytes (length-prefixed NAL units, raw AAC frames).
 */
public final class Fmp4Reader {

    /** What a track's init segment says. */
    public record Track(boolean video, int timescale, String sampleEntry, byte[] config, long defaultDuration,
                        long defaultSize, int defaultFlags) {
    }

    /** One sample: times in the track timescale; {@code offset}: where its bytes start in the segment. */
    public record Sample(long dts, long duration, int compositionOffset, boolean sync, byte[] data, int offset) {
    }

    private Fmp4Reader() {
    }

    /** Parses an init segment (ftyp + moov with one trak). */
    public static Track init(byte[] init) {
        ByteBuffer b = ByteBuffer.wrap(init);
        int[] trak = find(b, 0, init.length, "moov", "trak");
        int[] mdia = trak == null ? null : find(b, trak[0] + 8, trak[0] + trak[1], "mdia");
        if (mdia == null) {
            throw new MediaFormatException("init segment without moov/trak/mdia");
        }
        int[] mdhd = find(b, mdia[0] + 8, mdia[0] + mdia[1], "mdhd");
        int[] hdlr = find(b, mdia[0] + 8, mdia[0] + mdia[1], "hdlr");
        int[] stsd = find(b, mdia[0] + 8, mdia[0] + mdia[1], "minf", "stbl", "stsd");
        if (mdhd == null || hdlr == null || stsd == null) {
            throw new MediaFormatException("init segment without mdhd, hdlr or stsd");
        }
        int version = init[mdhd[0] + 8];
        int timescale = b.getInt(mdhd[0] + 12 + (version == 1 ? 16 : 8));
        String handler = type(init, hdlr[0] + 16);
        boolean video = handler.equals("vide");
        if (!video && !handler.equals("soun")) {
            throw new MediaFormatException("track handler '" + handler + "' is neither video nor audio");
        }
        int entry = stsd[0] + 16; // full box header + entry_count
        if (entry + 8 > stsd[0] + stsd[1]) {
            throw new MediaFormatException("stsd without a sample entry");
        }
        int entrySize = b.getInt(entry);
        String sampleEntry = type(init, entry + 4);
        byte[] config;
        if (video) {
            // VisualSampleEntry: 8 header + 78 fields, then its child boxes
            int[] avcC = find(b, entry + 86, entry + entrySize, "avcC");
            if (avcC == null) {
                throw new MediaFormatException("video sample entry '" + sampleEntry + "' has no avcC (only H.264 plays out)");
            }
            config = Arrays.copyOfRange(init, avcC[0] + 8, avcC[0] + avcC[1]);
        } else {
            // AudioSampleEntry: 8 header + 28 fields, then esds
            int[] esds = find(b, entry + 36, entry + entrySize, "esds");
            if (esds == null) {
                throw new MediaFormatException("audio sample entry '" + sampleEntry + "' has no esds (only AAC plays out)");
            }
            config = decoderSpecificInfo(init, esds[0] + 12, esds[0] + esds[1]);
        }
        long defaultDuration = 0;
        long defaultSize = 0;
        int defaultFlags = 0;
        int[] trex = find(b, 0, init.length, "moov", "mvex", "trex");
        if (trex != null) {
            defaultDuration = b.getInt(trex[0] + 20) & 0xffffffffL;
            defaultSize = b.getInt(trex[0] + 24) & 0xffffffffL;
            defaultFlags = b.getInt(trex[0] + 28);
        }
        return new Track(video, timescale, sampleEntry, config, defaultDuration, defaultSize, defaultFlags);
    }

    /**
     * One moof (and the mdat its samples are in): where it starts in the segment, the moof's size,
     * its base decode time and its samples.
     */
    public record Fragment(int offset, int moofSize, long baseDecodeTime, List<Sample> samples) {
    }

    /** The samples of a media segment (one or more moof+mdat pairs), in decode order. */
    public static List<Sample> samples(Track track, byte[] segment) {
        List<Sample> out = new ArrayList<>();
        for (Fragment f : fragments(track, segment)) {
            out.addAll(f.samples());
        }
        return out;
    }

    /** The fragments of a media segment, in order (an styp or sidx before them is passed over). */
    public static List<Fragment> fragments(Track track, byte[] segment) {
        ByteBuffer b = ByteBuffer.wrap(segment);
        List<Fragment> out = new ArrayList<>();
        for (int at = 0; at + 8 <= segment.length; ) {
            long size = b.getInt(at) & 0xffffffffL;
            if (size == 1 && at + 16 <= segment.length) {
                size = b.getLong(at + 8);
            } else if (size == 0) {
                size = segment.length - at;
            }
            if (size < 8 || at + size > segment.length) {
                throw new MediaFormatException("box at " + at + " runs past the segment");
            }
            if (type(segment, at + 4).equals("moof")) {
                List<Sample> samples = new ArrayList<>();
                long base = fragment(track, b, segment, at, (int) size, samples);
                out.add(new Fragment(at, (int) size, base, List.copyOf(samples)));
            }
            at += (int) size;
        }
        return out;
    }

    /** Reads one moof's samples into {@code out}; gives its base decode time. */
    private static long fragment(Track track, ByteBuffer b, byte[] bytes, int moof, int moofSize, List<Sample> out) {
        int[] traf = find(b, moof + 8, moof + moofSize, "traf");
        if (traf == null) {
            throw new MediaFormatException("moof without traf");
        }
        long defaultDuration = track.defaultDuration();
        long defaultSize = track.defaultSize();
        int defaultFlags = track.defaultFlags();
        long dataBase = moof; // default-base-is-moof, or the first traf without a base offset
        long decodeTime = -1;
        long base = -1;
        int end = traf[0] + traf[1];
        for (int at = traf[0] + 8; at + 12 <= end; ) {
            int size = b.getInt(at);
            if (size < 8 || at + size > end) {
                throw new MediaFormatException("traf child box runs past its parent");
            }
            String type = type(bytes, at + 4);
            int version = bytes[at + 8];
            int flags = b.getInt(at + 8) & 0xffffff;
            int p = at + 12;
            switch (type) {
                case "tfhd" -> {
                    p += 4; // track id
                    if ((flags & 0x1) != 0) {
                        dataBase = b.getLong(p);
                        p += 8;
                    }
                    if ((flags & 0x2) != 0) {
                        p += 4;
                    }
                    if ((flags & 0x8) != 0) {
                        defaultDuration = b.getInt(p) & 0xffffffffL;
                        p += 4;
                    }
                    if ((flags & 0x10) != 0) {
                        defaultSize = b.getInt(p) & 0xffffffffL;
                        p += 4;
                    }
                    if ((flags & 0x20) != 0) {
                        defaultFlags = b.getInt(p);
                    }
                }
                case "tfdt" -> {
                    decodeTime = version == 1 ? b.getLong(p) : b.getInt(p) & 0xffffffffL;
                    base = decodeTime;
                }
                case "trun" -> {
                    if (decodeTime < 0) {
                        throw new MediaFormatException("trun before tfdt: the fragment's decode time is unknown");
                    }
                    int count = b.getInt(p);
                    p += 4;
                    long data = dataBase;
                    if ((flags & 0x1) != 0) {
                        data += b.getInt(p);
                        p += 4;
                    }
                    Integer firstFlags = null;
                    if ((flags & 0x4) != 0) {
                        firstFlags = b.getInt(p);
                        p += 4;
                    }
                    for (int i = 0; i < count; i++) {
                        long d = defaultDuration;
                        long s = defaultSize;
                        int f = i == 0 && firstFlags != null ? firstFlags : defaultFlags;
                        int cts = 0;
                        if ((flags & 0x100) != 0) {
                            d = b.getInt(p) & 0xffffffffL;
                            p += 4;
                        }
                        if ((flags & 0x200) != 0) {
                            s = b.getInt(p) & 0xffffffffL;
                            p += 4;
                        }
                        if ((flags & 0x400) != 0) {
                            f = b.getInt(p);
                            p += 4;
                        }
                        if ((flags & 0x800) != 0) {
                            cts = b.getInt(p); // signed in version 1; in version 0 no real offset reaches 2^31
                            p += 4;
                        }
                        if (data < 0 || s > Integer.MAX_VALUE || data + s > bytes.length) {
                            throw new MediaFormatException("sample " + i + " lies outside the segment");
                        }
                        byte[] sample = Arrays.copyOfRange(bytes, (int) data, (int) (data + s));
                        data += s;
                        // sample_is_non_sync_sample is bit 16 of the sample flags; audio is all sync
                        boolean sync = !track.video() || (f & 0x10000) == 0;
                        out.add(new Sample(decodeTime, d, cts, sync, sample, (int) (data - s)));
                        decodeTime += d;
                    }
                }
                default -> {
                }
            }
            at += size;
        }
        if (base < 0) {
            throw new MediaFormatException("fragment without tfdt: its decode time is unknown");
        }
        return base;
    }

    /** The DecoderSpecificInfo (tag 5) inside an esds payload: the AudioSpecificConfig. */
    private static byte[] decoderSpecificInfo(byte[] bytes, int from, int to) {
        int at = from;
        while (at < to) {
            int tag = bytes[at++] & 0xff;
            int length = 0;
            for (int i = 0; i < 4 && at < to; i++) {
                int c = bytes[at++] & 0xff;
                length = (length << 7) | (c & 0x7f);
                if ((c & 0x80) == 0) {
                    break;
                }
            }
            switch (tag) {
                case 3 -> {
                    int flags = bytes[at + 2] & 0xff;
                    at += 3; // ES_ID, flags
                    if ((flags & 0x80) != 0) {
                        at += 2;
                    }
                    if ((flags & 0x40) != 0) {
                        at += 1 + (bytes[at] & 0xff);
                    }
                    if ((flags & 0x20) != 0) {
                        at += 2;
                    }
                }
                case 4 -> at += 13; // objectType, streamType, bufferSize, max and avg bit rate
                case 5 -> {
                    if (at + length > to) {
                        throw new MediaFormatException("esds DecoderSpecificInfo runs past the box");
                    }
                    return Arrays.copyOfRange(bytes, at, at + length);
                }
                default -> at += length;
            }
        }
        throw new MediaFormatException("esds without a DecoderSpecificInfo");
    }

    /** The box at the end of {@code path} inside [from, to): its offset and size, or null. */
    static int[] find(ByteBuffer b, int from, int to, String... path) {
        byte[] bytes = b.array();
        int start = from;
        int end = to;
        int[] found = null;
        for (String want : path) {
            found = null;
            for (int at = start; at + 8 <= end; ) {
                int size = b.getInt(at);
                if (size < 8 || at + size > end) {
                    return null;
                }
                if (type(bytes, at + 4).equals(want)) {
                    found = new int[] {at, size};
                    break;
                }
                at += size;
            }
            if (found == null) {
                return null;
            }
            start = found[0] + 8;
            end = found[0] + found[1];
        }
        return found;
    }

    static String type(byte[] bytes, int at) {
        return new String(bytes, at, 4, StandardCharsets.ISO_8859_1);
    }
}
