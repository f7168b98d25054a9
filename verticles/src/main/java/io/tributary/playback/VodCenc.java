package io.tributary.playback;

import io.tributary.media.cmaf.CencInit;
import io.tributary.media.cmaf.CencSegment;
import io.tributary.media.cmaf.Fmp4Reader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * DASH Common Encryption (scheme {@code cenc}, AES-CTR) of an encrypted VOD asset, sans-IO: the same
 * clear files HLS AES-128 encrypts, encrypted when served under names of their own
 * ({@code cenc_init.mp4}, {@code cenc_seg_N.m4s}), so an HLS and a DASH viewer never share a cached
 * object. One key per asset and epoch, {@code HMAC-SHA256(secret, "cenc-vod|asset|epoch")} cut to 16
 * bytes, and its KID from another label, so origin and edges derive both as they do the AES-128 keys.
 * CTR (not cbcs) because it needs no padding or pattern, the JDK has it, and Chromium's ClearKey and
 * FFmpeg both decrypt it. Sample IVs start per segment at a value derived from the asset, epoch,
 * rendition and segment number: one key serves every rendition, so no two may share an IV.
 */
public final class VodCenc {

    /** What a DASH name of an encrypted asset's media starts with; the rest names the clear file. */
    public static final String PREFIX = "cenc_";
    private static final Pattern SEGMENT = Pattern.compile("seg_(\\d{1,9})\\.m4s");
    private static final Pattern ADAPTATION_SET = Pattern.compile("(<AdaptationSet[^>]*>\\n)");
    /** Where an MPD names its license URL (dash.js reads it under the ClearKey system). */
    public static final String LICENSE_ELEMENT = "<dashif:Laurl>";
    /** The DASH-IF ClearKey system, which dash.js reads a license URL under. */
    static final String CLEARKEY_SCHEME = "urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e";

    private VodCenc() {
    }

    public static byte[] key(PlaybackToken signer, String asset, long epoch) {
        return derive(signer, "cenc-vod|" + asset + "|" + epoch);
    }

    /** The key's id: public (it is in every init segment), from a label of its own so it tells nothing of the key. */
    public static byte[] kid(PlaybackToken signer, String asset, long epoch) {
        return derive(signer, "cenc-kid|" + asset + "|" + epoch);
    }

    /** The ClearKey license URI (absolute path) of an asset's key. */
    public static String licenseUri(String asset, long epoch) {
        return "/keys/vod/" + asset + "/" + epoch + "/clearkey";
    }

    /**
     * The bytes of {@code file} ({@code cenc_init.mp4} or {@code cenc_seg_N.m4s}) of {@code rendition}
     * as an encrypted asset serves them over DASH; {@code clearInit} is the rendition's init segment.
     */
    public static byte[] encrypt(PlaybackToken signer, String asset, long epoch, String rendition, String file,
                                 byte[] clearInit, byte[] clear) {
        String name = file.startsWith(PREFIX) ? file.substring(PREFIX.length()) : file;
        if (name.equals("init.mp4")) {
            return CencInit.protect(clear, kid(signer, asset, epoch));
        }
        var m = SEGMENT.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a media object of a rendition: " + file);
        }
        long firstIv = ByteBuffer.wrap(derive(signer, "cenc-iv|" + asset + "|" + epoch + "|" + rendition + "|" + m.group(1))).getLong();
        return CencSegment.encrypt(Fmp4Reader.init(clearInit), clear, key(signer, asset, epoch), firstIv);
    }

    /**
     * The stored MPD as an encrypted asset serves it: media named {@link #PREFIX}..., and in every
     * adaptation set the protection scheme with the default KID and the ClearKey system with its
     * license URL in {@link #LICENSE_ELEMENT} ({@code origin} + path, absolute: a player posts to it
     * from its page's origin; an edge puts its own origin there, SessionUris the viewer's token).
     */
    public static String mpd(String stored, String asset, long epoch, byte[] kid, String origin) {
        String uuid = uuid(kid);
        String url = origin + licenseUri(asset, epoch);
        String protection = "      <ContentProtection schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cenc\" cenc:default_KID=\""
                + uuid + "\"/>\n      <ContentProtection schemeIdUri=\"" + CLEARKEY_SCHEME + "\" value=\"ClearKey1.0\">\n"
                + "        " + LICENSE_ELEMENT + url + "</dashif:Laurl>\n      </ContentProtection>\n";
        String text = stored.replaceFirst("<MPD ", "<MPD xmlns:cenc=\"urn:mpeg:cenc:2013\" xmlns:dashif=\"https://dashif.org/CPS\" ")
                .replace("/init.mp4\"", "/" + PREFIX + "init.mp4\"").replace("/seg_$Number$.m4s\"", "/" + PREFIX + "seg_$Number$.m4s\"");
        return ADAPTATION_SET.matcher(text).replaceAll(r -> java.util.regex.Matcher.quoteReplacement(r.group(1) + protection));
    }

    /** A KID as MPDs write it: 8-4-4-4-12 hex. */
    public static String uuid(byte[] kid) {
        String h = HexFormat.of().formatHex(kid);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20);
    }

    private static byte[] derive(PlaybackToken signer, String label) {
        return Arrays.copyOf(signer.sign(label.getBytes(StandardCharsets.UTF_8)), 16);
    }
}
