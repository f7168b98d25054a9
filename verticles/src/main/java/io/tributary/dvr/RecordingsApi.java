package io.tributary.dvr;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's view of the recordings (same-origin, problem details on errors):
 * {@code GET /api/v1/recordings?stream=K[&from=T&to=T]} lists each rendition's recorded ranges,
 * bytes and the gaps between them; {@code DELETE /api/v1/recordings?stream=K&from=T&to=T} deletes
 * every segment overlapping the window, the files on other nodes' disks by those nodes
 * ({@link DvrDeletions}). T is ISO 8601 ({@code 2026-12-07T01:00:00Z}) or Unix seconds.
 */
final class RecordingsApi {

    /** A pause between two segments longer than this is a gap (a frame of jitter is not). */
    static final long GAP_TOLERANCE_MS = 1000;
    /** Ranges listed in one answer at most. */
    static final int MAX_RANGES = 10_000;

    private final Vertx vertx;
    private final PgDvrIndex index;
    private final DvrRetention deleter;
    private final DvrDeletions elsewhere;

    RecordingsApi(Vertx vertx, PgDvrIndex index, DvrRetention deleter, DvrDeletions elsewhere) {
        this.vertx = vertx;
        this.index = index;
        this.deleter = deleter;
        this.elsewhere = elsewhere;
    }

    void mount(Router router) {
        router.get("/api/v1/recordings").handler(ctx -> list(ctx.queryParams().get("stream"), ctx.queryParams().get("from"),
                ctx.queryParams().get("to")).onSuccess(ctx::json).onFailure(ctx::fail));
        router.delete("/api/v1/recordings").handler(ctx -> delete(ctx.queryParams().get("stream"), ctx.queryParams().get("from"),
                ctx.queryParams().get("to")).onSuccess(ctx::json).onFailure(ctx::fail));
    }

    /** What {@code GET /api/v1/recordings} answers; the parameters as a query gives them (null: absent). */
    Future<JsonObject> list(String rawStream, String rawFrom, String rawTo) {
        String stream;
        long from;
        long to;
        try {
            stream = stream(rawStream);
            from = time("from", rawFrom, 0);
            to = time("to", rawTo, Long.MAX_VALUE / 2);
            window(from, to);
        } catch (StatusException e) {
            return Future.failedFuture(e);
        }
        return index.knows(stream).compose(known -> {
            if (!known) {
                return Future.failedFuture(StatusException.notFound("no recordings of stream '" + stream + "'"));
            }
            return index.ranges(stream, from, to, GAP_TOLERANCE_MS, MAX_RANGES + 1);
        }).map(ranges -> describe(stream, from, to, ranges));
    }

    /** What {@code DELETE /api/v1/recordings} does and answers; from and to are required. */
    Future<JsonObject> delete(String rawStream, String rawFrom, String rawTo) {
        String stream;
        long from;
        long to;
        try {
            stream = stream(rawStream);
            if (rawFrom == null || rawTo == null) {
                throw StatusException.badRequest("from and to are required: the window to delete");
            }
            from = time("from", rawFrom, 0);
            to = time("to", rawTo, 0);
            window(from, to);
        } catch (StatusException e) {
            return Future.failedFuture(e);
        }
        // rows first (playback stops listing them), then this node's files and, side by side, the other nodes'
        return index.deleteRange(stream, from, to).compose(removed -> {
            DvrModule.deleted(vertx, stream, from - PgDvrIndex.MAX_SEGMENT_MS, to);
            return Future.all(deleter.deleteFiles(removed),
                            elsewhere.elsewhere(removed))
                    .map(all -> new JsonObject()
                            .put("stream", stream).put("from", iso(from)).put("to", iso(to))
                            .put("segments", removed.size())
                            .put("bytes", removed.stream().mapToLong(PgDvrIndex.Removed::size).sum())
                            .put("otherNodes", new JsonArray(all.<List<DvrDeletions.Outcome>>resultAt(1).stream()
                                    .map(DvrDeletions.Outcome::toJson).toList())));
        });
    }

    static JsonObject describe(String stream, long from, long to, List<PgDvrIndex.Range> ranges) {
        Map<String, List<PgDvrIndex.Range>> byRendition = new LinkedHashMap<>();
        boolean truncated = ranges.size() > MAX_RANGES;
        for (PgDvrIndex.Range r : truncated ? ranges.subList(0, MAX_RANGES) : ranges) {
            byRendition.computeIfAbsent(r.rendition(), k -> new ArrayList<>()).add(r);
        }
        JsonArray renditions = new JsonArray();
        byRendition.forEach((rendition, rs) -> {
            JsonArray list = new JsonArray();
            JsonArray gaps = new JsonArray();
            long bytes = 0;
            long segments = 0;
            PgDvrIndex.Range previous = null;
            for (PgDvrIndex.Range r : rs) {
                list.add(new JsonObject().put("from", iso(r.fromMs())).put("to", iso(r.toMs()))
                        .put("seconds", (r.toMs() - r.fromMs()) / 1000.0).put("bytes", r.bytes()).put("segments", r.segments()));
                if (previous != null) {
                    gaps.add(new JsonObject().put("from", iso(previous.toMs())).put("to", iso(r.fromMs()))
                            .put("seconds", (r.fromMs() - previous.toMs()) / 1000.0));
                }
                bytes += r.bytes();
                segments += r.segments();
                previous = r;
            }
            renditions.add(new JsonObject().put("rendition", rendition).put("bytes", bytes).put("segments", segments)
                    .put("from", iso(rs.get(0).fromMs())).put("to", iso(rs.get(rs.size() - 1).toMs()))
                    .put("ranges", list).put("gaps", gaps));
        });
        JsonObject out = new JsonObject().put("stream", stream).put("renditions", renditions);
        if (truncated) {
            out.put("truncated", true);
        }
        return out;
    }

    private static String stream(String stream) {
        if (stream == null) {
            throw StatusException.badRequest("stream is required");
        }
        if (!StreamKeys.valid(stream)) {
            throw StatusException.badRequest("stream: malformed stream key");
        }
        return stream;
    }

    private static void window(long from, long to) {
        if (from >= to) {
            throw StatusException.badRequest("from must be before to");
        }
    }

    /** Epoch milliseconds of a parameter (the DVR time grammar, years 2000 to 2200); {@code absent} when not given. */
    static long time(String name, String v, long absent) {
        return v == null ? absent : DvrTimes.time(name, v.trim());
    }

    static String iso(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }
}
