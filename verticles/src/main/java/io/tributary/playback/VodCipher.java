package io.tributary.playback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HLS AES-128 of a VOD asset, sans-IO. An encrypted asset has a key epoch (random, kept in its
 * catalog row); the key of period {@code n} (segments {@code n*rotate} to {@code (n+1)*rotate-1}) is
 * {@code HMAC-SHA256(secret, "aes128-vod|asset|epoch|n")} cut to 16 bytes, so an edge holding the
 * playback secret answers it without asking the origin, and the label never meets a live key's
 * ({@code "aes128|..."}). Segment {@code seg_N.m4s} is encrypted under the IV {@code N}; the init
 * section is encrypted too (the key line comes before the map) under {@link #initIv()}, which no
 * segment number gives.
 */
public final class VodCipher {

    private static final Pattern SEGMENT = Pattern.compile("seg_(\\d{1,9})\\.m4s");
    private static final String MEDIA_SEQUENCE = "#EXT-X-MEDIA-SEQUENCE:";

    private VodCipher() {
    }

    public static byte[] key(PlaybackToken signer, String asset, long epoch, long n) {
        byte[] mac = signer.sign(("aes128-vod|" + asset + "|" + epoch + "|" + n).getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(mac, 16);
    }

    /** The key URI of period {@code n} (absolute path: the node that served the playlist answers it). */
    public static String keyUri(String asset, long epoch, long n) {
        return "/keys/vod/" + asset + "/" + epoch + "/" + n + ".key";
    }

    /** The init section's IV: 1 in the upper half, where a segment number's IV has zeros. */
    public static byte[] initIv() {
        return ByteBuffer.allocate(16).putLong(0, 1).array();
    }

    /** The segment number of {@code seg_N.m4s}, or -1 for another name. */
    public static long segmentNumber(String file) {
        Matcher m = SEGMENT.matcher(file);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The bytes of {@code file} ({@code init.mp4} or {@code seg_N.m4s}) as an encrypted asset serves them. */
    public static byte[] encrypt(PlaybackToken signer, String asset, long epoch, int rotate, String file, byte[] clear) {
        long n = segmentNumber(file);
        if (n < 0 && !file.equals("init.mp4")) {
            throw new IllegalArgumentException("not a media object of a rendition: " + file);
        }
        byte[] key = key(signer, asset, epoch, n < 0 ? 0 : n / rotate);
        return SegmentCipher.encrypt(key, n < 0 ? initIv() : SegmentCipher.iv(n), new ByteBuffer[] {ByteBuffer.wrap(clear)});
    }

    /**
     * A stored VOD media playlist as an encrypted asset serves it: a key line with the init IV
     * before the map, then one before the first segment of each key period (without an IV: the
     * media sequence number is the segment's number), or before any segment whose number is not its
     * sequence number (with that number as IV).
     */
    public static String mediaPlaylist(String stored, String asset, long epoch, int rotate) {
        StringBuilder out = new StringBuilder(stored.length() + 256);
        long msn = 0;
        long period = -1; // the period in force for segments; -1: none yet (or the init's IV is)
        boolean explicitIv = false;
        String pendingInf = null;
        for (String line : stored.split("\n", -1)) {
            if (line.startsWith(MEDIA_SEQUENCE)) {
                msn = Long.parseLong(line.substring(MEDIA_SEQUENCE.length()).trim());
            } else if (line.startsWith("#EXT-X-MAP")) {
                out.append(keyLine(asset, epoch, 0, initIv())).append('\n');
                period = -1;
            } else if (line.startsWith("#EXTINF")) {
                pendingInf = line;
                continue;
            } else if (!line.isEmpty() && line.charAt(0) != '#') {
                long n = segmentNumber(line.split("\\?", 2)[0]);
                long number = n < 0 ? msn : n;
                long p = number / rotate;
                boolean needsIv = number != msn;
                if (p != period || needsIv || explicitIv) {
                    out.append(keyLine(asset, epoch, p, needsIv ? SegmentCipher.iv(number) : null)).append('\n');
                    period = p;
                    explicitIv = needsIv;
                }
                if (pendingInf != null) {
                    out.append(pendingInf).append('\n');
                    pendingInf = null;
                }
                msn++;
            }
            if (pendingInf != null) { // a tag between EXTINF and its URI line stays after the EXTINF
                out.append(pendingInf).append('\n');
                pendingInf = null;
            }
            out.append(line).append('\n');
        }
        out.setLength(out.length() - 1); // split kept the text's own last line ending as a final ""
        return out.toString();
    }

    private static String keyLine(String asset, long epoch, long n, byte[] iv) {
        return "#EXT-X-KEY:METHOD=AES-128,URI=\"" + keyUri(asset, epoch, n) + "\""
                + (iv == null ? "" : ",IV=0x" + HexFormat.of().formatHex(iv));
    }

    /** A stored multivariant playlist without its I-frame playlists: their byte ranges cannot address ciphertext. */
    public static String multivariant(String stored) {
        StringBuilder out = new StringBuilder(stored.length());
        for (String line : stored.split("\n", -1)) {
            if (!line.startsWith("#EXT-X-I-FRAME-STREAM-INF")) {
                out.append(line).append('\n');
            }
        }
        out.setLength(out.length() - 1);
        return out.toString();
    }
}
