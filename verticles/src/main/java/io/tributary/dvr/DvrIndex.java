package io.tributary.dvr;

import io.vertx.core.Future;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What is recorded: the DVR index in PostgreSQL, read by playback (catch-up, start-over, seek-back
 * windows, export). Windows are wall-clock milliseconds, {@code [fromMs, toMs)}; a segment is in a
 * window when any of it is. Files are named relative to {@link #root()} and are complete whenever
 * their row is visible.
 */
public interface DvrIndex {

    /** Whether anything of {@code stream} is recorded. */
    Future<Boolean> knows(String stream);

    /** The renditions with segments in the window, video highest first then audio, with their span in it. */
    Future<List<RecordedRendition>> renditions(String stream, long fromMs, long toMs);

    /**
     * The whole recording's span: {first PDT, last end} in ms, empty when nothing is recorded. Asked only
     * to say which end of it a window misses; this default aggregates every row, an index does better.
     */
    default Future<long[]> span(String stream) {
        return renditions(stream, 0, Long.MAX_VALUE).map(all -> all.isEmpty() ? new long[0] : new long[]{
                all.stream().mapToLong(RecordedRendition::firstPdtMillis).min().orElseThrow(),
                all.stream().mapToLong(RecordedRendition::lastPdtMillis).max().orElseThrow()});
    }

    /** Up to {@code limit} segments of a rendition in the window, oldest first. */
    Future<List<RecordedSegment>> segments(String stream, String rendition, long fromMs, long toMs, int limit);

    /**
     * Up to {@code limit} segments of a rendition that start in {@code [fromPdtMs, toPdtMs)}, oldest first.
     * This default reads the overlapping window and keeps those; an index does better.
     */
    default Future<List<RecordedSegment>> segmentsStarting(String stream, String rendition, long fromPdtMs, long toPdtMs,
                                                           int limit) {
        return segments(stream, rendition, fromPdtMs, toPdtMs, Integer.MAX_VALUE).map(rows -> rows.stream()
                .filter(r -> r.pdtMillis() >= fromPdtMs && r.pdtMillis() < toPdtMs).limit(limit).toList());
    }

    /** The recorded init segment a segment of {@code initVersion} needs: an absolute path under {@link #root()}. */
    Future<Optional<Path>> initFile(String stream, String rendition, int initVersion);

    /** {@code data-dir/dvr}: every recorded file lies under it. */
    Path root();

    /**
     * The id of the node whose disk {@link #root()} is: a row naming another node ({@link RecordedSegment#node()})
     * is on that node's disk. Null: every row is on this one.
     */
    default String node() {
        return null;
    }

    /** The node holding the recorded init a segment of {@code initVersion} needs, this node first; empty when none. */
    default Future<Optional<String>> initNode(String stream, String rendition, int initVersion) {
        return initFile(stream, rendition, initVersion).map(p -> p.map(x -> node() == null ? "" : node()));
    }

    /** The base URL (scheme, host, port) another node's recordings are fetched from; empty when unknown. */
    default Future<Optional<String>> nodeUrl(String node) {
        return Future.succeededFuture(Optional.empty());
    }
}
