package io.tributary.media.cmcd;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;

/**
 * Parses CMCD (CTA-5004) from the {@code CMCD} query value (already URL-decoded) or from the
 * four headers {@code CMCD-Request}, {@code CMCD-Object}, {@code CMCD-Status} and
 * {@code CMCD-Session}. Grammar: comma-separated {@code key[=value]} pairs; a value is an
 * integer, a decimal, a quoted string (with {@code \"} and {@code \\} escapes) or a token; a
 * key alone is boolean true. Bad input never throws: it comes back {@link Cmcd#malformed()}.
 */
public final class CmcdParser {

    /** Longer payloads are refused outright: a real one is a few hundred bytes. */
    public static final int MAX_LENGTH = 4096;
    static final int MAX_ID_LENGTH = 64;

    private static final Set<String> OBJECT_TYPES = Set.of("m", "a", "v", "av", "i", "c", "tt", "k", "o");
    private static final Set<String> STREAMING_FORMATS = Set.of("d", "h", "s", "o");
    private static final Set<String> STREAM_TYPES = Set.of("v", "l");

    private CmcdParser() {
    }

    /** The {@code CMCD} query parameter's value; null or empty is {@link Cmcd#NONE}. */
    public static Cmcd parse(String payload) {
        if (payload == null || payload.isEmpty()) {
            return Cmcd.NONE;
        }
        Cmcd c = new Cmcd();
        c.present = true;
        String problem = into(c, payload, new HashSet<>());
        return problem == null ? c : Cmcd.malformed(problem);
    }

    /** The four CMCD headers (any may be null); keys may not repeat across them. */
    public static Cmcd parseHeaders(String request, String object, String status, String session) {
        if (request == null && object == null && status == null && session == null) {
            return Cmcd.NONE;
        }
        Cmcd c = new Cmcd();
        c.present = true;
        Set<String> seen = new HashSet<>();
        for (String h : new String[]{request, object, status, session}) {
            if (h == null || h.isEmpty()) {
                continue;
            }
            String problem = into(c, h, seen);
            if (problem != null) {
                return Cmcd.malformed(problem);
            }
        }
        return c;
    }

    private static String into(Cmcd c, String s, Set<String> seen) {
        if (s.length() > MAX_LENGTH) {
            return "CMCD longer than " + MAX_LENGTH + " characters";
        }
        int i = 0;
        int n = s.length();
        while (i < n) {
            int keyStart = i;
            while (i < n && s.charAt(i) != '=' && s.charAt(i) != ',') {
                i++;
            }
            String key = s.substring(keyStart, i).trim();
            if (!validKey(key)) {
                return "malformed CMCD key '" + clip(key) + "'";
            }
            if (!seen.add(key)) {
                return "CMCD key '" + key + "' appears twice";
            }
            Object value;
            if (i < n && s.charAt(i) == '=') {
                i++;
                if (i < n && s.charAt(i) == '"') {
                    StringBuilder b = new StringBuilder();
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char ch = s.charAt(i++);
                        if (ch == '\\') {
                            if (i >= n || (s.charAt(i) != '"' && s.charAt(i) != '\\')) {
                                return "bad escape in CMCD string of '" + key + "'";
                            }
                            b.append(s.charAt(i++));
                        } else if (ch == '"') {
                            closed = true;
                            break;
                        } else if (ch < 0x20 || ch == 0x7f) {
                            return "control character in CMCD string of '" + key + "'";
                        } else {
                            b.append(ch);
                        }
                    }
                    if (!closed) {
                        return "unterminated CMCD string of '" + key + "'";
                    }
                    value = new QuotedString(b.toString());
                    if (i < n && s.charAt(i) != ',') {
                        return "characters after the CMCD string of '" + key + "'";
                    }
                } else {
                    int valueStart = i;
                    while (i < n && s.charAt(i) != ',') {
                        i++;
                    }
                    String raw = s.substring(valueStart, i).trim();
                    if (raw.isEmpty()) {
                        return "CMCD key '" + key + "' has an empty value";
                    }
                    value = bare(raw);
                    if (value == null) {
                        return "malformed CMCD value '" + clip(raw) + "' of '" + key + "'";
                    }
                }
            } else {
                value = Boolean.TRUE;
            }
            String problem = assign(c, key, value);
            if (problem != null) {
                return problem;
            }
            if (i < n) {
                i++; // the comma
                if (i == n) {
                    return "CMCD ends with a comma";
                }
            }
        }
        return null;
    }

    /** A string value, told apart from a token. */
    private record QuotedString(String text) {
    }

    /** Integer (Long), decimal (Double), boolean false, or a token (String); null if none of those. */
    private static Object bare(String raw) {
        char first = raw.charAt(0);
        if (first == '-' || (first >= '0' && first <= '9')) {
            try {
                if (raw.indexOf('.') >= 0) {
                    double d = Double.parseDouble(raw);
                    return Double.isFinite(d) && raw.matches("-?\\d{1,12}\\.\\d{1,3}") ? d : null;
                }
                return raw.matches("-?\\d{1,15}") ? Long.parseLong(raw) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (raw.equals("false")) {
            return Boolean.FALSE;
        }
        for (int k = 0; k < raw.length(); k++) {
            char ch = raw.charAt(k);
            if (!(Character.isLetterOrDigit(ch) && ch < 0x80) && "!#$%&'*+-.^_`|~:/".indexOf(ch) < 0) {
                return null;
            }
        }
        return raw;
    }

    private static boolean validKey(String key) {
        if (key.isEmpty() || key.length() > 64) {
            return false;
        }
        for (int k = 0; k < key.length(); k++) {
            char ch = key.charAt(k);
            boolean later = k > 0 && ((ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '.' || (ch >= '0' && ch <= '9'));
            if (!((ch >= 'a' && ch <= 'z') || later)) {
                return false;
            }
        }
        return true;
    }

    private static String assign(Cmcd c, String key, Object v) {
        try {
            switch (key) {
                case "bl" -> c.bufferLengthMs = integer(key, v);
                case "br" -> c.encodedBitrateKbps = integer(key, v);
                case "d" -> c.durationMs = integer(key, v);
                case "dl" -> c.deadlineMs = integer(key, v);
                case "mtp" -> c.throughputKbps = integer(key, v);
                case "rtp" -> c.requestedThroughputKbps = integer(key, v);
                case "tb" -> c.topBitrateKbps = integer(key, v);
                case "v" -> c.version = integer(key, v);
                case "pr" -> c.playbackRate = decimal(key, v);
                case "bs" -> c.bufferStarvation = bool(key, v);
                case "su" -> c.startup = bool(key, v);
                case "sid" -> c.sessionId = id(key, v);
                case "cid" -> c.contentId = id(key, v);
                case "nor" -> c.nextObject = string(key, v);
                case "nrr" -> c.nextRange = string(key, v);
                case "ot" -> c.objectType = token(key, v, OBJECT_TYPES);
                case "sf" -> c.streamingFormat = token(key, v, STREAMING_FORMATS);
                case "st" -> c.streamType = token(key, v, STREAM_TYPES);
                default -> {
                    // custom keys carry a hyphen; other reserved keys of later versions are skipped
                    if (key.indexOf('-') >= 0) {
                        if (c.custom.isEmpty()) {
                            c.custom = new HashMap<>();
                        }
                        c.custom.put(key, v instanceof QuotedString q ? q.text() : v);
                    }
                }
            }
            return null;
        } catch (BadValue e) {
            return e.getMessage();
        }
    }

    /** A value of the wrong type; caught in {@link #assign}, never leaves the parser. */
    private static final class BadValue extends Exception {
        BadValue(String message) {
            super(message, null, false, false);
        }
    }

    private static long integer(String key, Object v) throws BadValue {
        if (v instanceof Long l && l >= 0) {
            return l;
        }
        throw new BadValue("CMCD '" + key + "' must be a non-negative integer");
    }

    private static double decimal(String key, Object v) throws BadValue {
        if (v instanceof Long l && l >= 0) {
            return l;
        }
        if (v instanceof Double d && d >= 0) {
            return d;
        }
        throw new BadValue("CMCD '" + key + "' must be a non-negative decimal");
    }

    private static boolean bool(String key, Object v) throws BadValue {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new BadValue("CMCD '" + key + "' is a boolean: the key alone means true");
    }

    private static String id(String key, Object v) throws BadValue {
        String s = string(key, v);
        if (s.isEmpty() || s.length() > MAX_ID_LENGTH) {
            throw new BadValue("CMCD '" + key + "' must be 1 to " + MAX_ID_LENGTH + " characters");
        }
        return s;
    }

    private static String string(String key, Object v) throws BadValue {
        if (v instanceof QuotedString q) {
            return q.text();
        }
        throw new BadValue("CMCD '" + key + "' must be a quoted string");
    }

    private static String token(String key, Object v, Set<String> allowed) throws BadValue {
        if (v instanceof String t && allowed.contains(t)) {
            return t;
        }
        throw new BadValue("CMCD '" + key + "' must be one of " + new java.util.TreeSet<>(allowed));
    }

    private static String clip(String s) {
        return s.length() > 32 ? s.substring(0, 32) + "..." : s;
    }
}
