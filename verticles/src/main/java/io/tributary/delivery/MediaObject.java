package io.tributary.delivery;

import io.tributary.StatusException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file name of one object under {@code /live/{key}/{rendition}/}: the media
 * playlist, an init segment, a segment or a part. Unknown names are 404, known
 * shapes with unreadable numbers are 400.
 */
record MediaObject(Kind kind, long msn, int index) {

    enum Kind { PLAYLIST, INIT, SEGMENT, PART }

    private static final Pattern INIT = Pattern.compile("init-([^.]*)\\.mp4");
    private static final Pattern SEGMENT = Pattern.compile("seg-([^.]*)\\.m4s");
    private static final Pattern PART = Pattern.compile("part-([^.]*)\\.([^.]*)\\.m4s");

    static MediaObject parse(String name) {
        if (name.equals("index.m3u8")) {
            return new MediaObject(Kind.PLAYLIST, 0, 0);
        }
        Matcher m = INIT.matcher(name);
        if (m.matches()) {
            return new MediaObject(Kind.INIT, 0, (int) number(m.group(1), "init version", name, Integer.MAX_VALUE));
        }
        m = SEGMENT.matcher(name);
        if (m.matches()) {
            return new MediaObject(Kind.SEGMENT, number(m.group(1), "media sequence number", name, Long.MAX_VALUE), 0);
        }
        m = PART.matcher(name);
        if (m.matches()) {
            return new MediaObject(Kind.PART, number(m.group(1), "media sequence number", name, Long.MAX_VALUE),
                    (int) number(m.group(2), "part index", name, Integer.MAX_VALUE));
        }
        throw StatusException.notFound("no such object '" + name + "'");
    }

    /** A non-negative decimal, or 400 naming what was malformed. */
    static long number(String digits, String what, String where, long max) {
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw StatusException.badRequest("malformed " + what + " in '" + where + "'");
        }
        long v = Long.parseLong(digits);
        if (v > max) {
            throw StatusException.badRequest(what + " out of range in '" + where + "'");
        }
        return v;
    }
}
