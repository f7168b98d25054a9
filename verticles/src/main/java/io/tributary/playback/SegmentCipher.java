package io.tributary.playback;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * HLS AES-128 (RFC 8216 5.2), sans-IO: a whole segment encrypted with AES-128-CBC and PKCS#7
 * padding, the IV its media sequence number (the default when EXT-X-KEY names none). Keys are
 * derived from the playback secret, {@code HMAC-SHA256(secret, "aes128|stream|rendition|epoch|n")}
 * cut to 16 bytes, so every node holding the secret (origin, edge) answers the same key without
 * asking another; {@code epoch} (the stream's publish time) keeps a republished key's keys new.
 */
public final class SegmentCipher {

    private SegmentCipher() {
    }

    /** The key of period {@code n} (segments {@code n*rotate} to {@code (n+1)*rotate-1}). */
    public static byte[] key(PlaybackToken signer, String stream, String rendition, long epoch, long n) {
        byte[] mac = signer.sign(("aes128|" + stream + "|" + rendition + "|" + epoch + "|" + n).getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(mac, 16);
    }

    /** The IV HLS uses for segment {@code msn} without an IV attribute: the number, big-endian in 16 bytes. */
    public static byte[] iv(long msn) {
        return ByteBuffer.allocate(16).putLong(8, msn).array();
    }

    /** {@code chunks} (a segment's parts, back to back) encrypted as one resource. */
    public static byte[] encrypt(byte[] key, long msn, ByteBuffer[] chunks) {
        return encrypt(key, iv(msn), chunks);
    }

    /** {@code chunks} encrypted as one resource under an explicit {@code iv}. */
    public static byte[] encrypt(byte[] key, byte[] iv, ByteBuffer[] chunks) {
        try {
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding"); // PKCS#5 in the JDK's name is PKCS#7 on 16-byte blocks
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            int size = 0;
            for (ByteBuffer b : chunks) {
                size += b.remaining();
            }
            ByteBuffer out = ByteBuffer.allocate(c.getOutputSize(size));
            for (ByteBuffer b : chunks) {
                c.update(b.duplicate(), out);
            }
            c.doFinal(ByteBuffer.allocate(0), out);
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CBC is part of every JDK", e);
        }
    }

    /** For tests and tools: {@code data} decrypted. */
    public static byte[] decrypt(byte[] key, long msn, byte[] data) throws GeneralSecurityException {
        return decrypt(key, iv(msn), data);
    }

    /** For tests and tools: {@code data} decrypted under an explicit {@code iv}. */
    public static byte[] decrypt(byte[] key, byte[] iv, byte[] data) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
        return c.doFinal(data);
    }

    /**
     * A live media playlist (as LlHlsPlaylist renders it) for an encrypted rendition: an
     * {@code EXT-X-KEY} before the first part or segment of each key period (the open segment's
     * parts and preload hint included), and {@code METHOD=NONE} before an {@code EXT-X-MAP} so init
     * sections stay clear. {@code keyUri} gives a period's key URI.
     */
    public static String playlist(String llPlaylist, int rotate, java.util.function.LongFunction<String> keyUri) {
        StringBuilder out = new StringBuilder(llPlaylist.length() + 256);
        long[] period = {-1};
        java.util.List<String> block = new java.util.ArrayList<>();
        for (String line : llPlaylist.split("\n", -1)) {
            if (line.startsWith("#EXT-X-MAP") && period[0] >= 0) {
                block.add("#EXT-X-KEY:METHOD=NONE");
                block.add(line);
                period[0] = -2; // the next media names its key again
                continue;
            }
            if (line.startsWith("seg-")) {
                keyed(block, Long.parseLong(line.substring(4, line.indexOf('.'))) / rotate, period, keyUri);
                block.add(line);
                for (String b : block) {
                    out.append(b).append('\n');
                }
                block.clear();
                continue;
            }
            block.add(line);
        }
        // the open segment: its parts and preload hint are under the key of its number
        for (String b : block) {
            int at = b.startsWith("#EXT-X-PART:") || b.startsWith("#EXT-X-PRELOAD-HINT") ? b.indexOf("part-") : -1;
            if (at >= 0) {
                keyed(block, Long.parseLong(b.substring(at + 5, b.indexOf('.', at + 5))) / rotate, period, keyUri);
                break;
            }
        }
        for (int i = 0; i < block.size(); i++) {
            out.append(block.get(i));
            if (i < block.size() - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    /** Puts the key line of period {@code p} before the block's first part or segment, unless that key is in force. */
    private static void keyed(java.util.List<String> block, long p, long[] period, java.util.function.LongFunction<String> keyUri) {
        if (p == period[0]) {
            return;
        }
        int at = block.size();
        for (int i = 0; i < block.size(); i++) {
            String b = block.get(i);
            if (b.startsWith("#EXTINF") || b.startsWith("#EXT-X-PART:") || b.startsWith("#EXT-X-PRELOAD-HINT")) {
                at = i;
                break;
            }
        }
        block.add(at, "#EXT-X-KEY:METHOD=AES-128,URI=\"" + keyUri.apply(p) + "\"");
        period[0] = p;
    }
}
