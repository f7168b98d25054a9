package io.tributary.media.cmaf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins single-track CMAF (a video rung, the audio) into one two-track fragmented MP4 without
 * touching a sample: one init with both traks and both trexs, and fragments whose track_ID,
 * mfhd sequence number and tfdt are patched in place (no box changes size, so every trun
 * data_offset stays right). Sans-IO: bytes in, bytes out.
 */
public final class CmafTrackMerge {

    private CmafTrackMerge() {
    }

    /**
     * ftyp of the video init, then a moov with the video's mvhd (next_track_ID after the audio),
     * the video trak, the audio trak renumbered to {@code audioTrackId}, and an mvex with both trexs.
     */
    public static byte[] mergeInits(byte[] videoInit, byte[] audioInit, int audioTrackId) {
        Box ftyp = child(videoInit, 0, videoInit.length, "ftyp");
        Box vMoov = required(child(videoInit, 0, videoInit.length, "moov"), "video moov");
        Box aMoov = required(child(audioInit, 0, audioInit.length, "moov"), "audio moov");
        Box mvhd = required(child(videoInit, vMoov.body(), vMoov.end(), "mvhd"), "video mvhd");
        Box vTrak = required(child(videoInit, vMoov.body(), vMoov.end(), "trak"), "video trak");
        Box aTrak = required(child(audioInit, aMoov.body(), aMoov.end(), "trak"), "audio trak");
        Box vMvex = required(child(videoInit, vMoov.body(), vMoov.end(), "mvex"), "video mvex");
        Box aMvex = required(child(audioInit, aMoov.body(), aMoov.end(), "mvex"), "audio mvex");
        Box vTrex = required(child(videoInit, vMvex.body(), vMvex.end(), "trex"), "video trex");
        Box aTrex = required(child(audioInit, aMvex.body(), aMvex.end(), "trex"), "audio trex");

        byte[] mvhdBytes = mvhd.copy(videoInit);
        putInt(mvhdBytes, mvhdBytes.length - 4, audioTrackId + 1); // next_track_ID: the last field
        byte[] aTrakBytes = aTrak.copy(audioInit);
        Box tkhd = required(child(aTrakBytes, 8, aTrakBytes.length, "tkhd"), "audio tkhd");
        int version = aTrakBytes[tkhd.body()] & 0xff;
        putInt(aTrakBytes, tkhd.body() + 4 + (version == 1 ? 16 : 8), audioTrackId);
        byte[] aTrexBytes = aTrex.copy(audioInit);
        putInt(aTrexBytes, 12, audioTrackId);

        byte[] vTrexBytes = vTrex.copy(videoInit);
        byte[] mvex = box("mvex", vTrexBytes, aTrexBytes);
        byte[] moov = box("moov", mvhdBytes, vTrak.copy(videoInit), aTrakBytes, mvex);
        ByteArrayOutputStream out = new ByteArrayOutputStream(moov.length + 64);
        if (ftyp != null) {
            out.writeBytes(ftyp.copy(videoInit));
        }
        out.writeBytes(moov);
        return out.toByteArray();
    }

    /** The track_ID a single-track init's trex names. */
    public static int trackId(byte[] init) {
        Box moov = required(child(init, 0, init.length, "moov"), "moov");
        Box mvex = required(child(init, moov.body(), moov.end(), "mvex"), "mvex");
        Box trex = required(child(init, mvex.body(), mvex.end(), "trex"), "trex");
        return ByteBuffer.wrap(init).getInt(trex.body() + 4);
    }

    /**
     * Patches every moof of {@code fragments} (a CMAF segment: moof+mdat pairs) in place: the
     * tfhd track_ID becomes {@code trackId}, mfhd sequence numbers continue from {@code nextSequence},
     * and every tfdt is shifted by {@code timeShift} (track timescale).
     *
     * @return the next sequence number
     */
    public static int retrack(byte[] fragments, int trackId, int nextSequence, long timeShift) {
        int seq = nextSequence;
        int pos = 0;
        while (pos + 8 <= fragments.length) {
            Box b = at(fragments, pos, fragments.length);
            if (b.type().equals("moof")) {
                for (Box c : children(fragments, b.body(), b.end())) {
                    if (c.type().equals("mfhd")) {
                        putInt(fragments, c.body() + 4, seq++);
                    } else if (c.type().equals("traf")) {
                        for (Box t : children(fragments, c.body(), c.end())) {
                            if (t.type().equals("tfhd")) {
                                putInt(fragments, t.body() + 4, trackId);
                            } else if (t.type().equals("tfdt")) {
                                ByteBuffer buf = ByteBuffer.wrap(fragments);
                                if ((fragments[t.body()] & 0xff) == 1) {
                                    buf.putLong(t.body() + 4, buf.getLong(t.body() + 4) + timeShift);
                                } else {
                                    long v = (buf.getInt(t.body() + 4) & 0xffffffffL) + timeShift;
                                    if (v < 0 || v > 0xffffffffL) {
                                        throw new IllegalArgumentException("tfdt v0 out of range after shift: " + v);
                                    }
                                    buf.putInt(t.body() + 4, (int) v);
                                }
                            }
                        }
                    }
                }
            }
            pos = b.end();
        }
        return seq;
    }

    /** The tfdt of the first moof of a segment, or -1 when it has none. */
    public static long firstDecodeTime(byte[] fragments) {
        int pos = 0;
        while (pos + 8 <= fragments.length) {
            Box b = at(fragments, pos, fragments.length);
            if (b.type().equals("moof")) {
                Box traf = child(fragments, b.body(), b.end(), "traf");
                Box tfdt = traf == null ? null : child(fragments, traf.body(), traf.end(), "tfdt");
                if (tfdt != null) {
                    ByteBuffer buf = ByteBuffer.wrap(fragments);
                    return (fragments[tfdt.body()] & 0xff) == 1 ? buf.getLong(tfdt.body() + 4)
                            : buf.getInt(tfdt.body() + 4) & 0xffffffffL;
                }
            }
            pos = b.end();
        }
        return -1;
    }

    private record Box(String type, int start, int body, int end) {
        byte[] copy(byte[] src) {
            byte[] out = new byte[end - start];
            System.arraycopy(src, start, out, 0, out.length);
            return out;
        }
    }

    private static Box at(byte[] b, int pos, int limit) {
        if (pos + 8 > limit) {
            throw new IllegalArgumentException("truncated box header at " + pos);
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        long size = buf.getInt(pos) & 0xffffffffL;
        int header = 8;
        if (size == 1) {
            if (pos + 16 > limit) {
                throw new IllegalArgumentException("truncated large box header at " + pos);
            }
            size = buf.getLong(pos + 8);
            header = 16;
        } else if (size == 0) {
            size = limit - pos;
        }
        if (size < header || pos + size > limit) {
            throw new IllegalArgumentException("box at " + pos + " of size " + size + " overruns its parent");
        }
        String type = new String(b, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        return new Box(type, pos, pos + header, (int) (pos + size));
    }

    private static List<Box> children(byte[] b, int from, int to) {
        List<Box> out = new ArrayList<>();
        int pos = from;
        while (pos + 8 <= to) {
            Box x = at(b, pos, to);
            out.add(x);
            pos = x.end();
        }
        return out;
    }

    private static Box child(byte[] b, int from, int to, String type) {
        for (Box x : children(b, from, to)) {
            if (x.type().equals(type)) {
                return x;
            }
        }
        return null;
    }

    private static Box required(Box b, String what) {
        if (b == null) {
            throw new IllegalArgumentException("no " + what + " box");
        }
        return b;
    }

    private static byte[] box(String type, byte[]... children) {
        int size = 8;
        for (byte[] c : children) {
            size += c.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(size).put(type.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        for (byte[] c : children) {
            out.put(c);
        }
        return out.array();
    }

    private static void putInt(byte[] b, int pos, int v) {
        ByteBuffer.wrap(b).putInt(pos, v);
    }
}
