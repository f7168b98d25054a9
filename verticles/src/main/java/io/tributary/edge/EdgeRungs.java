package io.tributary.edge;

import io.tributary.live.LiveStream;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The video rung order of the streams an edge serves, learnt from the multivariant playlists it
 * passes on (an edge has no stream of its own to ask): sessions need it to tell an up-switch from
 * a down-switch. Highest BANDWIDTH first, as the origin's own rung list.
 */
public final class EdgeRungs {

    private record Learnt(Buffer from, List<String> rungs) {
    }

    private final Map<String, Learnt> streams = new ConcurrentHashMap<>();

    /** Reads the rungs of {@code stream} from its multivariant playlist, unless this very body was read already. */
    public void learn(String stream, Buffer multivariant) {
        Learnt l = streams.get(stream);
        if (l != null && l.from() == multivariant) {
            return;
        }
        streams.put(stream, new Learnt(multivariant, parse(multivariant.toString(StandardCharsets.UTF_8))));
    }

    /** The video renditions of {@code stream}, highest first; empty until its multivariant went through. */
    public List<String> of(String stream) {
        Learnt l = streams.get(stream);
        return l == null ? List.of() : l.rungs();
    }

    public void forget(String stream) {
        streams.remove(stream);
    }

    /** Variant renditions (the URI's first path segment), by BANDWIDTH, highest first. */
    public static List<String> parse(String multivariant) {
        record Variant(String rendition, long bandwidth) {
        }
        List<Variant> variants = new ArrayList<>();
        long bandwidth = -1;
        for (String raw : multivariant.split("\n")) {
            String line = raw.trim();
            if (line.startsWith("#EXT-X-STREAM-INF:")) {
                bandwidth = attribute(line, "BANDWIDTH");
            } else if (bandwidth >= 0 && !line.isEmpty() && !line.startsWith("#")) {
                int slash = line.indexOf('/');
                String rendition = slash > 0 ? line.substring(0, slash) : null;
                if (rendition != null && !rendition.equals(LiveStream.AUDIO) && variants.stream().noneMatch(v -> v.rendition().equals(rendition))) {
                    variants.add(new Variant(rendition, bandwidth));
                }
                bandwidth = -1;
            }
        }
        variants.sort(Comparator.comparingLong(Variant::bandwidth).reversed());
        return variants.stream().map(Variant::rendition).toList();
    }

    private static long attribute(String tag, String name) {
        int at = tag.indexOf(name + "=");
        // not AVERAGE-BANDWIDTH: the match must start the attribute
        while (at > 0 && tag.charAt(at - 1) != ':' && tag.charAt(at - 1) != ',') {
            at = tag.indexOf(name + "=", at + 1);
        }
        if (at < 0) {
            return 0;
        }
        int from = at + name.length() + 1;
        int to = from;
        while (to < tag.length() && Character.isDigit(tag.charAt(to))) {
            to++;
        }
        return to == from ? 0 : Long.parseLong(tag.substring(from, to));
    }
}
