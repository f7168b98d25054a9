package io.tributary.media.cmaf;

import io.tributary.media.codec.MediaFormatException;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The init segment of a track under Common Encryption, scheme {@code cenc} (ISO/IEC 23001-7: AES-128
 * CTR, 8-byte per-sample IVs), sans-IO: the clear init of a single-track fMP4 with its sample entry
 * renamed {@code encv}/{@code enca} and given a {@code sinf} (frma = the original entry, schm = cenc
 * 1.0, schi/tenc = protected, the KID), plus a {@code pssh} of the W3C common system (the ClearKey
 * one) naming the KID, so a browser's {@code encrypted} event carries it without the MPD's help.
 */
public final class CencInit {

    /** The W3C "common" system id, which ClearKey uses in pssh boxes and EME init data. */
    public static final byte[] COMMON_SYSTEM_ID = HexFormat.of().parseHex("1077efecc0b24d02ace33c1e52e2fb4b");
    /** Per_Sample_IV_Size of every track this writes: 8 bytes, the counter takes the other 8. */
    public static final int IV_SIZE = 8;
    private static final String[] CHAIN = {"moov", "trak", "mdia", "minf", "stbl", "stsd"};

    private CencInit() {
    }

    /** {@code init} (ftyp + moov with one trak, as FFmpeg or {@link CmafInitSegment} write it) protected under {@code kid}. */
    public static byte[] protect(byte[] init, byte[] kid) {
        if (kid.length != 16) {
            throw new IllegalArgumentException("a KID is 16 bytes, not " + kid.length);
        }
        boolean video = Fmp4Reader.init(init).video(); // also checks it is one audio or video track
        ByteBuffer b = ByteBuffer.wrap(init);
        int[][] boxes = new int[CHAIN.length + 1][];
        int from = 0;
        int to = init.length;
        for (int i = 0; i < CHAIN.length; i++) {
            boxes[i] = Fmp4Reader.find(b, from, to, CHAIN[i]);
            if (boxes[i] == null) {
                throw new MediaFormatException("init segment without " + CHAIN[i]);
            }
            from = boxes[i][0] + (CHAIN[i].equals("stsd") ? 16 : 8);
            to = boxes[i][0] + boxes[i][1];
        }
        int entry = from;
        int entrySize = b.getInt(entry);
        if (entrySize < 8 || entry + entrySize > to) {
            throw new MediaFormatException("stsd sample entry runs past its box");
        }
        String original = Fmp4Reader.type(init, entry + 4);
        if (original.equals("encv") || original.equals("enca")) {
            throw new MediaFormatException("the init segment is encrypted already");
        }
        boxes[CHAIN.length] = new int[] {entry, entrySize};
        byte[] sinf = sinf(original, kid);
        byte[] pssh = pssh(kid);
        int entryEnd = entry + entrySize;
        int moovEnd = boxes[0][0] + boxes[0][1];
        byte[] out = new byte[init.length + sinf.length + pssh.length];
        System.arraycopy(init, 0, out, 0, entryEnd);
        System.arraycopy(sinf, 0, out, entryEnd, sinf.length);
        System.arraycopy(init, entryEnd, out, entryEnd + sinf.length, moovEnd - entryEnd);
        System.arraycopy(pssh, 0, out, moovEnd + sinf.length, pssh.length);
        System.arraycopy(init, moovEnd, out, moovEnd + sinf.length + pssh.length, init.length - moovEnd);
        ByteBuffer o = ByteBuffer.wrap(out);
        for (int i = 0; i < boxes.length; i++) { // every box around the entry grows by the sinf; moov by the pssh too
            o.putInt(boxes[i][0], boxes[i][1] + sinf.length + (i == 0 ? pssh.length : 0));
        }
        o.put(entry + 4, (byte) 'e').put(entry + 5, (byte) 'n').put(entry + 6, (byte) 'c').put(entry + 7, (byte) (video ? 'v' : 'a'));
        return out;
    }

    private static byte[] sinf(String original, byte[] kid) {
        BoxWriter w = new BoxWriter(80);
        int sinf = w.start("sinf");
        int frma = w.start("frma");
        w.fourcc(original);
        w.end(frma);
        int schm = w.startFull("schm", 0, 0);
        w.fourcc("cenc");
        w.u32(0x00010000); // scheme version 1.0
        w.end(schm);
        int schi = w.start("schi");
        int tenc = w.startFull("tenc", 0, 0);
        w.u8(0); // reserved
        w.u8(0); // reserved (version 0: no pattern)
        w.u8(1); // default_isProtected
        w.u8(IV_SIZE);
        w.bytes(kid);
        w.end(tenc);
        w.end(schi);
        w.end(sinf);
        return w.toByteArray();
    }

    /** A version 1 pssh of the common system: the KID, no data. */
    public static byte[] pssh(byte[] kid) {
        BoxWriter w = new BoxWriter(52);
        int pssh = w.startFull("pssh", 1, 0);
        w.bytes(COMMON_SYSTEM_ID);
        w.u32(1);
        w.bytes(kid);
        w.u32(0);
        w.end(pssh);
        return w.toByteArray();
    }
}
