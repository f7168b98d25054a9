package io.tributary.channel;

import io.tributary.StatusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A channel's schedule and what it airs at any wall-clock time. Either a <b>grid</b>: entries with
 * start times (an asset, or an ad break of N seconds), or a <b>loop</b>: assets and breaks played
 * back to back from an anchor time, for ever.
 *
 * <p>A grid asset entry plays its asset until the next entry starts (cut there) or, with an
 * explicit {@code duration}, for that long; when the asset is shorter, the slate loops for the
 * rest (the asset itself without a slate). A break plays the slate and is an ad-break cue. Before
 * the first entry and after the last, only the slate airs (nothing without one).
 *
 * <p>Everything is pure arithmetic on the entries and the assets' durations: the playout asks
 * {@link #at} for the programme at a time, the EPG lists {@link #programmes}.
 */
public record Schedule(Kind kind, List<Entry> entries, long anchorMs, String slate) {

    public enum Kind { GRID, LOOP }

    /**
     * One entry. {@code asset} is null for a break. {@code startMs}: a grid entry's start (loop: 0).
     * {@code durationMs}: a break's length, or a grid asset entry's explicit duration (else 0).
     */
    public record Entry(long startMs, String asset, long durationMs) {
        boolean isBreak() {
            return asset == null;
        }

        JsonObject json(Kind kind) {
            JsonObject o = new JsonObject();
            if (kind == Kind.GRID) {
                o.put("start", Instant.ofEpochMilli(startMs).toString());
            }
            if (isBreak()) {
                o.put("break", durationMs / 1000.0);
            } else {
                o.put("asset", asset);
                if (durationMs > 0) {
                    o.put("duration", durationMs / 1000.0);
                }
            }
            return o;
        }
    }

    /** What the catalog says of an asset the schedule names. */
    public record Asset(String id, String title, long durationMs, List<String> videoRenditions, boolean audio) {
    }

    /**
     * What airs from {@code startMs} to {@code endMs}: {@code asset} from its media time
     * {@code startMs - zeroMs} on (the asset's time 0 airs at {@code zeroMs}). {@code entry} is
     * the schedule entry it belongs to (-1: the slate outside the grid); {@code breakId} names the
     * ad break it is part of (null: none), which ends at {@code breakEndMs}.
     */
    public record Programme(String asset, long zeroMs, long startMs, long endMs, int entry, String breakId,
                            long breakEndMs) {
        boolean sameAiring(Programme o) {
            return o != null && Objects.equals(asset, o.asset) && zeroMs == o.zeroMs && startMs == o.startMs;
        }
    }

    /** A schedule longer than this is refused (stops arithmetic on absurd numbers). */
    static final long MAX_SPAN_MS = 366L * 24 * 3600 * 1000;
    /** A grid covers at least this much. */
    static final long MIN_GRID_MS = 24L * 3600 * 1000;
    static final long MAX_BREAK_MS = 3600_000;

    /** Asset ids this schedule names, the slate included. */
    public List<String> assets() {
        List<String> ids = new ArrayList<>();
        for (Entry e : entries) {
            if (!e.isBreak() && !ids.contains(e.asset())) {
                ids.add(e.asset());
            }
        }
        if (slate != null && !ids.contains(slate)) {
            ids.add(slate);
        }
        return ids;
    }

    public JsonObject json() {
        JsonArray list = new JsonArray();
        for (Entry e : entries) {
            list.add(e.json(kind));
        }
        JsonObject o = new JsonObject().put(kind == Kind.GRID ? "grid" : "loop", list);
        if (kind == Kind.LOOP) {
            o.put("start", Instant.ofEpochMilli(anchorMs).toString());
        }
        if (slate != null) {
            o.put("slate", slate);
        }
        return o;
    }

    // ---- parsing (the shape only; assets are checked by validate)

    /**
     * The schedule in a request body: {@code grid} or {@code loop}, {@code slate}, a loop's {@code start}.
     * Throws 400 naming the entry for a malformed one.
     */
    public static Schedule parse(JsonObject body, long nowMs, int maxEntries) {
        Object grid = body.getValue("grid");
        Object loop = body.getValue("loop");
        if ((grid == null) == (loop == null)) {
            throw StatusException.badRequest("schedule: give either \"grid\" (entries with start times) or \"loop\" (assets played in turn)");
        }
        String field = grid != null ? "grid" : "loop";
        if (!(body.getValue(field) instanceof JsonArray list)) {
            throw StatusException.badRequest(field + ": a JSON array of entries");
        }
        if (list.isEmpty() || list.size() > maxEntries) {
            throw StatusException.badRequest(field + ": 1 to " + maxEntries + " entries (channels.max-entries)");
        }
        Object slateValue = body.getValue("slate");
        if (slateValue != null && !(slateValue instanceof String)) {
            throw StatusException.badRequest("slate: an asset id");
        }
        Kind kind = grid != null ? Kind.GRID : Kind.LOOP;
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String name = field + "[" + i + "]";
            if (!(list.getValue(i) instanceof JsonObject e)) {
                throw StatusException.badRequest(name + ": an object with \"asset\" or \"break\"");
            }
            for (String k : e.fieldNames()) {
                if (!List.of("start", "asset", "break", "duration").contains(k) || kind == Kind.LOOP && !k.equals("asset") && !k.equals("break")) {
                    throw StatusException.badRequest(name + ": unknown field \"" + k + "\"");
                }
            }
            long start = 0;
            if (kind == Kind.GRID) {
                if (!(e.getValue("start") instanceof String s)) {
                    throw StatusException.badRequest(name + ": \"start\" is required, an ISO-8601 time like 2026-12-07T14:00:00Z");
                }
                try {
                    start = Instant.parse(s).toEpochMilli();
                } catch (DateTimeParseException | ArithmeticException x) {
                    throw StatusException.badRequest(name + ": start '" + s + "' is not an ISO-8601 time like 2026-12-07T14:00:00Z");
                }
                if (Math.abs(start - nowMs) > MAX_SPAN_MS) {
                    throw StatusException.badRequest(name + ": start '" + s + "' is more than a year away");
                }
            }
            Object asset = e.getValue("asset");
            Object brk = e.getValue("break");
            if ((asset == null) == (brk == null)) {
                throw StatusException.badRequest(name + ": give either \"asset\" (an asset id) or \"break\" (seconds)");
            }
            if (brk != null) {
                long ms = seconds(name + ": break", brk, MAX_BREAK_MS);
                if (e.containsKey("duration")) {
                    throw StatusException.badRequest(name + ": a break's length is \"break\", not \"duration\"");
                }
                entries.add(new Entry(start, null, ms));
            } else {
                if (!(asset instanceof String id) || id.isBlank() || id.length() > 64) {
                    throw StatusException.badRequest(name + ": asset must be an asset id");
                }
                long duration = e.containsKey("duration") ? seconds(name + ": duration", e.getValue("duration"), MAX_SPAN_MS) : 0;
                entries.add(new Entry(start, id, duration));
            }
        }
        long anchor = nowMs;
        if (kind == Kind.LOOP && body.getValue("start") != null) {
            try {
                anchor = Instant.parse(String.valueOf(body.getValue("start"))).toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException x) {
                throw StatusException.badRequest("start: '" + body.getValue("start") + "' is not an ISO-8601 time");
            }
        } else if (kind == Kind.GRID && body.getValue("start") != null) {
            throw StatusException.badRequest("start: only a loop has one (grid entries carry their own)");
        }
        return new Schedule(kind, List.copyOf(entries), anchor, (String) slateValue);
    }

    private static long seconds(String name, Object v, long maxMs) {
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() * 1000 > maxMs) {
            throw StatusException.badRequest(name + " must be a number of seconds above 0 and at most " + maxMs / 1000);
        }
        return Math.round(n.doubleValue() * 1000);
    }

    /**
     * Checks the schedule against the catalog ({@code assets}: what it knows of the ids named,
     * ready or not): unknown or unready assets, overlaps, a grid under 24 h, breaks without a slate,
     * assets that share no video rendition or mix audio and silence. Throws 400 naming the entry.
     * Gives the video renditions every asset has, highest first: the channel's renditions.
     */
    public List<String> validate(Map<String, Asset> assets) {
        String field = kind == Kind.GRID ? "grid" : "loop";
        if (slate != null) {
            check("slate", slate, assets);
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String name = field + "[" + i + "]";
            if (e.isBreak()) {
                if (slate == null) {
                    throw StatusException.badRequest(name + ": a break needs a \"slate\" asset to show until ads fill it");
                }
            } else {
                check(name, e.asset(), assets);
            }
            if (kind == Kind.GRID && i > 0) {
                Entry before = entries.get(i - 1);
                if (e.startMs() < before.startMs()) {
                    throw StatusException.badRequest(name + ": starts at " + Instant.ofEpochMilli(e.startMs()) + ", before "
                            + field + "[" + (i - 1) + "]; entries go in time order");
                }
                long end = before.durationMs() > 0 ? before.startMs() + before.durationMs() : before.startMs();
                if (e.startMs() < end || e.startMs() == before.startMs()) {
                    throw StatusException.badRequest(field + "[" + (i - 1) + "] (" + Instant.ofEpochMilli(before.startMs()) + " to "
                            + Instant.ofEpochMilli(Math.max(end, before.startMs())) + ") overlaps " + name + " starting at "
                            + Instant.ofEpochMilli(e.startMs()));
                }
            }
        }
        if (kind == Kind.GRID) {
            long covered = end(assets) - entries.get(0).startMs();
            if (covered < MIN_GRID_MS) {
                throw StatusException.badRequest(String.format(java.util.Locale.ROOT,
                        "grid: covers %.2f h from its first entry to the end of its last; a grid covers 24 h or more (or use a loop)",
                        covered / 3_600_000.0));
            }
        }
        // every asset on the same renditions: the timeline's renditions stay the same across programmes
        List<String> common = null;
        Boolean audio = null;
        String first = null;
        for (String id : assets()) {
            Asset a = assets.get(id);
            if (common == null) {
                common = new ArrayList<>(a.videoRenditions());
                audio = a.audio();
                first = id;
            } else {
                common.retainAll(a.videoRenditions());
                if (audio != a.audio()) {
                    throw StatusException.badRequest("asset " + id + (a.audio() ? " has" : " has no") + " audio, asset " + first
                            + (audio ? " has" : " has none") + ": a channel's assets all have audio or none do");
                }
            }
            if (common.isEmpty()) {
                throw StatusException.badRequest("asset " + id + " shares no video rendition with asset " + first
                        + ": a channel's assets are transcoded to a common ladder");
            }
        }
        return common == null ? List.of() : List.copyOf(common);
    }

    private static void check(String name, String id, Map<String, Asset> assets) {
        Asset a = assets.get(id);
        if (a == null) {
            throw StatusException.badRequest(name + ": asset " + id + " is not in the catalog");
        }
        if (a.durationMs() <= 0 || a.videoRenditions().isEmpty()) {
            throw StatusException.badRequest(name + ": asset " + id + " is not ready to air (its transcode has not completed)");
        }
    }

    /** Where a grid ends: the last entry's end (its explicit duration, a break's, else its asset's). */
    private long end(Map<String, Asset> assets) {
        Entry last = entries.get(entries.size() - 1);
        long length = last.durationMs() > 0 ? last.durationMs() : assets.get(last.asset()).durationMs();
        return last.startMs() + length;
    }

    // ---- what airs when

    /**
     * The programme airing at {@code t}, or null when nothing does (outside a grid without a slate).
     * {@code durations}: the assets' durations in ms.
     */
    public Programme at(long t, Map<String, Long> durations) {
        return kind == Kind.GRID ? gridAt(t, durations) : loopAt(t, durations);
    }

    private Programme gridAt(long t, Map<String, Long> durations) {
        int i = -1;
        for (int k = 0; k < entries.size() && entries.get(k).startMs() <= t; k++) {
            i = k;
        }
        if (i < 0) {
            return slateBetween(t, Long.MIN_VALUE / 4, entries.get(0).startMs(), -1, null, 0, durations);
        }
        Entry e = entries.get(i);
        long next = i + 1 < entries.size() ? entries.get(i + 1).startMs() : Long.MAX_VALUE / 4;
        long entryEnd = e.durationMs() > 0 ? Math.min(next, e.startMs() + e.durationMs()) : next;
        if (e.isBreak()) {
            long breakEnd = e.startMs() + e.durationMs();
            if (t < breakEnd) {
                return slateBetween(t, e.startMs(), breakEnd, i, "grid-" + i + "-" + e.startMs(), breakEnd, durations);
            }
            return slateBetween(t, breakEnd, next, -1, null, 0, durations);
        }
        long length = durations.getOrDefault(e.asset(), 0L);
        if (i == entries.size() - 1 && e.durationMs() == 0) {
            entryEnd = e.startMs() + length; // the last entry without a duration: its asset, then the end
        }
        long assetEnd = Math.min(entryEnd, e.startMs() + length);
        if (t < assetEnd) {
            return new Programme(e.asset(), e.startMs(), e.startMs(), assetEnd, i, null, 0);
        }
        if (t < entryEnd) {
            // the asset ended before the next entry: the slate (else the asset again) fills the gap
            if (slate == null) {
                long k = (t - assetEnd) / Math.max(1, length);
                long zero = assetEnd + k * length;
                return new Programme(e.asset(), zero, zero, Math.min(entryEnd, zero + length), i, null, 0);
            }
            return slateBetween(t, assetEnd, entryEnd, i, null, 0, durations);
        }
        return slateBetween(t, entryEnd, next, -1, null, 0, durations);
    }

    private Programme loopAt(long t, Map<String, Long> durations) {
        long cycle = 0;
        for (Entry e : entries) {
            cycle += length(e, durations);
        }
        long from = Math.max(t, anchorMs);
        long base = anchorMs + (from - anchorMs) / Math.max(1, cycle) * cycle;
        long at = base;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            long end = at + length(e, durations);
            if (from < end) {
                if (e.isBreak()) {
                    return slateBetween(from, at, end, i, "loop-" + i + "-" + at, end, durations);
                }
                return new Programme(e.asset(), at, at, end, i, null, 0);
            }
            at = end;
        }
        throw new IllegalStateException("a loop of length 0"); // validate refuses those
    }

    private long length(Entry e, Map<String, Long> durations) {
        return e.isBreak() ? e.durationMs() : Math.max(1, durations.getOrDefault(e.asset(), 1L));
    }

    /** The slate looping from {@code from} to {@code to}: the repetition airing at {@code t}. */
    private Programme slateBetween(long t, long from, long to, int entry, String breakId, long breakEnd, Map<String, Long> durations) {
        if (slate == null) {
            return null;
        }
        long length = Math.max(1, durations.getOrDefault(slate, 1L));
        long origin = from == Long.MIN_VALUE / 4 ? to - ((to - t) / length + 1) * length : from;
        long zero = origin + Math.max(0, t - origin) / length * length;
        return new Programme(slate, zero, Math.max(zero, origin), Math.min(to, zero + length), entry, breakId, breakEnd);
    }

    /**
     * The slate repetition airing at {@code t} in place of {@code p} (an asset that may not air):
     * the slate loops from the programme's start to its end; null without a slate.
     */
    public Programme slateInstead(Programme p, long t, Map<String, Long> durations) {
        return slateBetween(t, p.startMs(), p.endMs(), p.entry(), p.breakId(), p.breakEndMs(), durations);
    }

    /** The asset the schedule's entry names for {@code p} (null: a break, or the slate outside the entries). */
    public String named(Programme p) {
        return p.entry() < 0 || p.entry() >= entries.size() ? null : entries.get(p.entry()).asset();
    }

    /** What airs from {@code from} until {@code to}, at most {@code max} programmes (the EPG). */
    public List<Programme> programmes(long from, long to, Map<String, Long> durations, int max) {
        List<Programme> out = new ArrayList<>();
        long t = from;
        while (t < to && out.size() < max) {
            Programme p = at(t, durations);
            if (p == null) {
                // off air: jump to the next grid entry, if any
                long next = Long.MAX_VALUE;
                for (Entry e : entries) {
                    if (e.startMs() > t) {
                        next = e.startMs();
                        break;
                    }
                }
                if (next == Long.MAX_VALUE) {
                    break;
                }
                t = next;
                continue;
            }
            out.add(p);
            t = Math.max(p.endMs(), t + 1);
        }
        return out;
    }
}
