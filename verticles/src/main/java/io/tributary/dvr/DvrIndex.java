package io.tributary.dvr;

import io.vertx.core.Future;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The recordings index (the agreed API; provided by the dvr branch). */
public interface DvrIndex {
    Future<Boolean> knows(String stream);

    Future<List<RecordedRendition>> renditions(String stream, long fromMs, long toMs);

    Future<List<RecordedSegment>> segments(String stream, String rendition, long fromMs, long toMs, int limit);

    Future<Optional<Path>> initFile(String stream, String rendition, int initVersion);

    /** data-dir/dvr */
    Path root();
}
