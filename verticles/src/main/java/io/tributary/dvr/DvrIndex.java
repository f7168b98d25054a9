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

    /** The recorded init segment a segment of {@code initVersion} needs: an absolute path under {@link #root()}. */
    Future<Optional<Path>> initFile(String stream, String rendition, int initVersion);

    /** {@code data-dir/dvr}: every recorded file lies under it. */
    Path root();
}
