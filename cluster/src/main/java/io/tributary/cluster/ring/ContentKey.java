package io.tributary.cluster.ring;

/**
 * What a live delivery URL names, with everything that varies per viewer stripped: the
 * routing key (stream + rendition) the ring hashes, and the cache key (path plus the query
 * parameters that change the response) an edge stores under.
 *
 * <p>Knows the URL shapes {@code /live/{stream}/index.m3u8}, {@code /live/{stream}/manifest.mpd}
 * and {@code /live/{stream}/{rendition}/{object}}; nothing of the media behind them. Only the
 * LL-HLS directives {@code _HLS_msn}, {@code _HLS_part} and {@code _HLS_skip} are kept, in that
 * order: session ids, tokens, signatures, expiry and CMCD data ({@code sid}, {@code token},
 * {@code CMCD}, {@code exp}, {@code sig}...) and anything else are dropped, so they neither
 * split the cache nor move a viewer to another edge.
 *
 * @param stream    the stream key
 * @param rendition the rendition, or null for a stream-level object (multivariant, MPD)
 * @param object    the file name under the rendition (or the stream)
 * @param directives the kept query, canonical ({@code _HLS_msn=5&_HLS_part=2}), or "" when none
 */
public record ContentKey(String stream, String rendition, String object, String directives) {

    private static final String[] DIRECTIVES = {"_HLS_msn", "_HLS_part", "_HLS_skip"};
    private static final String PREFIX = "/live/";

    /**
     * The content key of a request target (path and optional query), or null when it is not a
     * live delivery URL at all.
     *
     * @throws IllegalArgumentException naming the problem when it is a live URL with a malformed
     *                                  stream, rendition, object or directive
     */
    public static ContentKey parse(String target) {
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        if (!path.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = path.substring(PREFIX.length()).split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            return null;
        }
        if (!name(parts[0])) {
            throw new IllegalArgumentException("malformed stream key in '" + path + "'");
        }
        String rendition = null;
        if (parts.length == 3) {
            rendition = parts[1];
            if (!name(rendition)) {
                throw new IllegalArgumentException("malformed rendition in '" + path + "'");
            }
        }
        String object = parts[parts.length - 1];
        if (!objectName(object)) {
            throw new IllegalArgumentException("malformed object name in '" + path + "'");
        }
        return new ContentKey(parts[0], rendition, object, q < 0 ? "" : directives(target.substring(q + 1)));
    }

    private static String directives(String query) {
        String[] values = new String[DIRECTIVES.length];
        for (String param : query.split("&")) {
            int eq = param.indexOf('=');
            String name = eq < 0 ? param : param.substring(0, eq);
            for (int i = 0; i < DIRECTIVES.length; i++) {
                if (DIRECTIVES[i].equals(name)) {
                    String value = eq < 0 ? "" : param.substring(eq + 1);
                    if (!directiveValue(value)) {
                        throw new IllegalArgumentException("malformed " + name + " value");
                    }
                    if (values[i] != null) {
                        throw new IllegalArgumentException(name + " given twice");
                    }
                    values[i] = value;
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < DIRECTIVES.length; i++) {
            if (values[i] != null) {
                out.append(out.length() == 0 ? "" : "&").append(DIRECTIVES[i]).append('=').append(values[i]);
            }
        }
        return out.toString();
    }

    // hand-written character checks: this runs on every routed request (regexes cost several times more)

    private static boolean alnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /** A stream key or rendition: [A-Za-z0-9_-]{1,128}. */
    private static boolean name(String s) {
        int n = s.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!alnum(c) && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** A file name: [A-Za-z0-9_.-]{1,128}, not starting with a dot, no "..". */
    private static boolean objectName(String s) {
        int n = s.length();
        if (n == 0 || n > 128 || s.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '.' ? s.charAt(i - 1) == '.' : !alnum(c) && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** [A-Za-z0-9]{1,19}. */
    private static boolean directiveValue(String s) {
        int n = s.length();
        if (n == 0 || n > 19) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!alnum(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** What the ring hashes: {@code stream/rendition}, or the stream alone for stream-level objects. */
    public String routingKey() {
        return rendition == null ? stream : stream + "/" + rendition;
    }

    /** The path without any query. */
    public String path() {
        return PREFIX + stream + "/" + (rendition == null ? "" : rendition + "/") + object;
    }

    /** The normalised request target: path plus kept directives; also the upstream URL path. */
    public String cacheKey() {
        return directives.isEmpty() ? path() : path() + "?" + directives;
    }

    /** A playlist or manifest (changes over time), as opposed to an immutable media object. */
    public boolean manifest() {
        return object.endsWith(".m3u8") || object.endsWith(".mpd");
    }

    /** An LL-HLS blocking playlist reload: the origin holds it until the asked part exists. */
    public boolean blocking() {
        return directives.contains("_HLS_msn=");
    }
}
