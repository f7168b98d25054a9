package io.tributary.session;

import io.tributary.playback.PlaybackAccess;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node-issued session id carried as {@code ?sid=} on every URI a playlist or MPD names, so
 * later requests of a player without CMCD are attributed. Only set on a request when the sid did
 * not come from CMCD (a CMCD player sends it on every request anyway).
 */
public final class SessionUris {

    public static final String PARAM = "sid";
    static final String CONTEXT_KEY = "tributary.session.sid";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Never in a rendered playlist: marks where the sid goes in a cached rendering. */
    private static final char MARK = '\u0001';
    private static final Pattern MPD_URI = Pattern.compile("(media|initialization)=\"([^\"?]*)\"");
    /** A ClearKey license URL (an encrypted VOD asset's MPD): the key server needs the viewer's token too. */
    private static final Pattern MPD_LICENSE = Pattern.compile("(<dashif:Laurl>)([^<?]*)(</dashif:Laurl>)");

    private SessionUris() {
    }

    static boolean valid(String sid) {
        return VALID.matcher(sid).matches();
    }

    /** The sid to render into this response's URIs, or null. */
    public static String sid(RoutingContext ctx) {
        return ctx.get(CONTEXT_KEY);
    }

    /** {@code sid=...} for a renderer's query argument, or "" when this response carries none. */
    public static String query(RoutingContext ctx) {
        String sid = sid(ctx);
        return sid == null ? "" : PARAM + "=" + sid;
    }

    /**
     * What every URI of this response carries on: the issued {@code sid} and the checked playback
     * token ({@code sid=...&token=...}), or "" when neither.
     */
    public static String carried(RoutingContext ctx) {
        String sid = query(ctx);
        String token = PlaybackAccess.query(ctx);
        return sid.isEmpty() ? token : token.isEmpty() ? sid : sid + "&" + token;
    }

    /**
     * A playlist rendered once per stream version with a placeholder query; each session gets a copy
     * with its own ({@link Template#with}: the sid, the token, or both).
     */
    public static Template template(long version, Function<String, String> render) {
        return template(version, render, false);
    }

    private static Template template(long version, Function<String, String> render, boolean xml) {
        String text = render.apply(String.valueOf(MARK));
        List<byte[]> pieces = new ArrayList<>();
        int from = 0;
        for (int i = text.indexOf(MARK); i >= 0; i = text.indexOf(MARK, from)) {
            pieces.add(text.substring(from, i).getBytes(StandardCharsets.UTF_8));
            from = i + 1;
        }
        pieces.add(text.substring(from).getBytes(StandardCharsets.UTF_8));
        return new Template(version, pieces.toArray(new byte[0][]), xml);
    }

    /** @param xml an MPD: a query's {@code &} is written {@code &amp;} in its attributes */
    public record Template(long version, byte[][] pieces, boolean xml) {

        /** The rendering with {@code query} ({@code sid=...}, {@code token=...} or both) at every URI. */
        public Buffer with(String query) {
            byte[] id = (xml ? query.replace("&", "&amp;") : query).getBytes(StandardCharsets.US_ASCII);
            int size = id.length * (pieces.length - 1);
            for (byte[] p : pieces) {
                size += p.length;
            }
            byte[] out = new byte[size];
            int at = 0;
            for (int i = 0; i < pieces.length; i++) {
                System.arraycopy(pieces[i], 0, out, at, pieces[i].length);
                at += pieces[i].length;
                if (i < pieces.length - 1) {
                    System.arraycopy(id, 0, out, at, id.length);
                    at += id.length;
                }
            }
            return Buffer.buffer(out);
        }
    }

    /** A manifest rendered elsewhere (an HLS playlist, else an MPD) as a template for per-viewer copies. */
    public static Template tagged(String manifest) {
        boolean hls = manifest.startsWith("#EXTM3U"); // every HLS playlist starts so (RFC 8216)
        return template(0, q -> hls ? tagPlaylist(manifest, q) : tagMpd(manifest, q), !hls);
    }

    /** A manifest with {@code query} on every URI: an HLS playlist, else an MPD; as it is when the query is "". */
    public static String tag(String manifest, String query) {
        if (query.isEmpty()) {
            return manifest;
        }
        return manifest.startsWith("#EXTM3U") ? tagPlaylist(manifest, query) : tagMpd(manifest, query.replace("&", "&amp;"));
    }

    /**
     * Adds {@code query} ({@code sid=...}) to every URI an HLS playlist names: the URI lines and
     * the {@code URI="..."} attributes (media, map, parts, preload hints, rendition reports). For a
     * playlist rendered elsewhere, as an edge serves its origin's.
     */
    public static String tagPlaylist(String playlist, String query) {
        StringBuilder out = new StringBuilder(playlist.length() + 64);
        int from = 0;
        int n = playlist.length();
        while (from < n) {
            int eol = playlist.indexOf('\n', from);
            int end = eol < 0 ? n : eol;
            String line = playlist.substring(from, end);
            if (line.isBlank()) {
                out.append(line);
            } else if (line.charAt(0) != '#') {
                int cr = line.endsWith("\r") ? line.length() - 1 : line.length();
                out.append(line, 0, cr).append(line.indexOf('?') < 0 ? '?' : '&').append(query).append(line, cr, line.length());
            } else {
                tagAttributes(line, query, out);
            }
            if (eol >= 0) {
                out.append('\n');
            }
            from = end + 1;
        }
        return out.toString();
    }

    private static void tagAttributes(String tag, String query, StringBuilder out) {
        int at = 0;
        for (int i = tag.indexOf("URI=\"", at); i >= 0; i = tag.indexOf("URI=\"", at)) {
            int open = i + 5;
            int close = tag.indexOf('"', open);
            if (close < 0) {
                break;
            }
            String uri = tag.substring(open, close);
            out.append(tag, at, close).append(uri.indexOf('?') < 0 ? '?' : '&').append(query);
            at = close;
        }
        out.append(tag, at, tag.length());
    }

    /**
     * Appends {@code ?query} to the MPD's SegmentTemplate media and initialization URIs and its
     * ClearKey license URL; the query
     * is written into XML attributes as given (escape {@code &} first).
     */
    public static String tagMpd(String mpd, String query) {
        if (query == null || query.isEmpty()) {
            return mpd;
        }
        Matcher m = MPD_URI.matcher(mpd);
        String tagged = m.replaceAll(r -> r.group(1) + "=\"" + Matcher.quoteReplacement(r.group(2)) + "?" + Matcher.quoteReplacement(query) + "\"");
        return MPD_LICENSE.matcher(tagged).replaceAll(r -> r.group(1) + Matcher.quoteReplacement(r.group(2) + "?" + query) + r.group(3));
    }
}
