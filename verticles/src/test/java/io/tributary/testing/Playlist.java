package io.tributary.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small, strict reader of HLS playlists for assertions: tags in order, attributes parsed. */
public final class Playlist {

    /** One line: a tag (name + value / attributes) or a URI line (name null). */
    public record Line(String tag, String value, Map<String, String> attributes, String uri) {
        public String attr(String name) {
            return attributes.get(name);
        }
    }

    /** A media segment as a player sees it: the tags before its URI. */
    public record Segment(long msn, double duration, String uri, boolean discontinuity, List<Line> parts) {
    }

    private static final Pattern ATTR = Pattern.compile("([A-Z0-9-]+)=(\"[^\"]*\"|[^,]*)");

    public final List<Line> lines = new ArrayList<>();
    public final String text;

    public Playlist(String text) {
        this.text = text;
        String[] raw = text.split("\n");
        if (raw.length == 0 || !raw[0].equals("#EXTM3U")) {
            throw new AssertionError("playlist does not start with #EXTM3U:\n" + text);
        }
        for (String l : raw) {
            if (l.isBlank()) {
                continue;
            }
            if (l.startsWith("#")) {
                int colon = l.indexOf(':');
                String tag = colon < 0 ? l.substring(1) : l.substring(1, colon);
                String value = colon < 0 ? "" : l.substring(colon + 1);
                Map<String, String> attrs = new LinkedHashMap<>();
                Matcher m = ATTR.matcher(value);
                while (m.find()) {
                    String v = m.group(2);
                    attrs.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
                }
                lines.add(new Line(tag, value, attrs, null));
            } else {
                lines.add(new Line(null, null, Map.of(), l.trim()));
            }
        }
    }

    public List<Line> tags(String name) {
        return lines.stream().filter(l -> name.equals(l.tag())).toList();
    }

    public Line tag(String name) {
        List<Line> t = tags(name);
        return t.isEmpty() ? null : t.get(0);
    }

    public boolean has(String name) {
        return tag(name) != null;
    }

    public long mediaSequence() {
        return Long.parseLong(tag("EXT-X-MEDIA-SEQUENCE").value());
    }

    public int skipped() {
        Line skip = tag("EXT-X-SKIP");
        return skip == null ? 0 : Integer.parseInt(skip.attr("SKIPPED-SEGMENTS"));
    }

    /** Complete segments in order with their msn (skipped ones counted in). */
    public List<Segment> segments() {
        List<Segment> out = new ArrayList<>();
        long msn = mediaSequence() + skipped();
        double duration = -1;
        boolean disc = false;
        List<Line> parts = new ArrayList<>();
        for (Line l : lines) {
            if ("EXTINF".equals(l.tag())) {
                duration = Double.parseDouble(l.value().substring(0, l.value().indexOf(',')));
            } else if ("EXT-X-DISCONTINUITY".equals(l.tag())) {
                disc = true;
            } else if ("EXT-X-PART".equals(l.tag())) {
                parts.add(l);
            } else if (l.uri() != null) {
                out.add(new Segment(msn++, duration, l.uri(), disc, List.copyOf(parts)));
                parts.clear();
                disc = false;
                duration = -1;
            }
        }
        return out;
    }

    /** EXT-X-PART lines after the last complete segment (the segment being built). */
    public List<Line> trailingParts() {
        List<Line> parts = new ArrayList<>();
        for (Line l : lines) {
            if ("EXT-X-PART".equals(l.tag())) {
                parts.add(l);
            } else if (l.uri() != null) {
                parts.clear();
            }
        }
        return parts;
    }
}
