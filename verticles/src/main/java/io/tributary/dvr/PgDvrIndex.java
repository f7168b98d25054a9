package io.tributary.dvr;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The DVR index in PostgreSQL (schema {@code db/migration/V1__dvr.sql}): what playback reads
 * ({@link DvrIndex}) and what the recorder, retention and the recordings API write.
 */
public final class PgDvrIndex implements DvrIndex {

    /**
     * The longest a recorded segment may be: a window's lower bound reaches back this far on the
     * (stream, rendition, pdt) key, so a segment that began before the window and ends in it is found.
     */
    static final long MAX_SEGMENT_MS = 10 * 60_000;

    private static final String SEGMENT_COLUMNS = "stream, rendition, msn, pdt_ms, duration, size, file, init_version, "
            + "discontinuity, base_media_time, timescale, node";

    private final Pool pool;
    private final Path root;
    private final String node;

    PgDvrIndex(Pool pool, Path root, String node) {
        this.pool = pool;
        this.root = root.toAbsolutePath().normalize();
        this.node = node;
    }

    /** This node's id in the index (rows whose files are on this node's disk carry it). */
    @Override
    public String node() {
        return node;
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public Future<Boolean> knows(String stream) {
        return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM dvr_segment WHERE stream = $1)").execute(Tuple.of(stream))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    @Override
    public Future<List<RecordedRendition>> renditions(String stream, long fromMs, long toMs) {
        return pool.preparedQuery("SELECT s.rendition, min(s.pdt_ms), max(s.end_ms), r.codecs, r.width, r.height, "
                        + "r.bandwidth, r.audio FROM dvr_segment s LEFT JOIN dvr_rendition r "
                        + "ON r.stream = s.stream AND r.rendition = s.rendition "
                        + "WHERE s.stream = $1 AND s.pdt_ms >= $2 AND s.pdt_ms < $3 AND s.end_ms > $4 "
                        + "GROUP BY s.rendition, r.codecs, r.width, r.height, r.bandwidth, r.audio")
                .execute(Tuple.of(stream, fromMs - MAX_SEGMENT_MS, toMs, fromMs))
                .map(rows -> {
                    List<RecordedRendition> out = new ArrayList<>();
                    for (Row r : rows) {
                        String rendition = r.getString(0);
                        boolean audio = r.getBoolean(7) != null ? r.getBoolean(7) : "audio".equals(rendition);
                        out.add(new RecordedRendition(stream, rendition, r.getString(3) == null ? "" : r.getString(3),
                                r.getInteger(4) == null ? 0 : r.getInteger(4), r.getInteger(5) == null ? 0 : r.getInteger(5),
                                r.getLong(6) == null ? 0 : r.getLong(6), audio, r.getLong(1), r.getLong(2)));
                    }
                    // video highest first, then audio
                    out.sort(Comparator.comparing(RecordedRendition::audio)
                            .thenComparing(Comparator.comparingInt(RecordedRendition::height).reversed())
                            .thenComparing(Comparator.comparingLong(RecordedRendition::bandwidth).reversed())
                            .thenComparing(RecordedRendition::rendition));
                    return out;
                });
    }

    /** Two index probes per rendition (its first and its last segment) instead of an aggregate over the whole history. */
    @Override
    public Future<long[]> span(String stream) {
        return pool.preparedQuery("SELECT min(f.pdt_ms), max(l.end_ms) FROM dvr_rendition r "
                        + "CROSS JOIN LATERAL (SELECT pdt_ms FROM dvr_segment s WHERE s.stream = r.stream "
                        + "AND s.rendition = r.rendition ORDER BY s.pdt_ms LIMIT 1) f "
                        + "CROSS JOIN LATERAL (SELECT end_ms FROM dvr_segment s WHERE s.stream = r.stream "
                        + "AND s.rendition = r.rendition ORDER BY s.pdt_ms DESC LIMIT 1) l "
                        + "WHERE r.stream = $1")
                .execute(Tuple.of(stream))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return r.getLong(0) == null ? new long[0] : new long[]{r.getLong(0), r.getLong(1)};
                });
    }

    @Override
    public Future<List<RecordedSegment>> segments(String stream, String rendition, long fromMs, long toMs, int limit) {
        return pool.preparedQuery("SELECT " + SEGMENT_COLUMNS + " FROM dvr_segment WHERE stream = $1 AND rendition = $2 "
                        + "AND pdt_ms >= $3 AND pdt_ms < $4 AND end_ms > $5 ORDER BY pdt_ms LIMIT $6")
                .execute(Tuple.of(stream, rendition, fromMs - MAX_SEGMENT_MS, toMs, fromMs, Math.max(0, limit)))
                .map(rows -> {
                    List<RecordedSegment> out = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        out.add(segment(r));
                    }
                    return out;
                });
    }

    /** On the primary key's (stream, rendition, pdt_ms) range alone; the strings repeated on every row are shared. */
    @Override
    public Future<List<RecordedSegment>> segmentsStarting(String stream, String rendition, long fromPdtMs, long toPdtMs,
                                                          int limit) {
        return pool.preparedQuery("SELECT " + SEGMENT_COLUMNS + " FROM dvr_segment WHERE stream = $1 AND rendition = $2 "
                        + "AND pdt_ms >= $3 AND pdt_ms < $4 ORDER BY pdt_ms LIMIT $5")
                .execute(Tuple.of(stream, rendition, fromPdtMs, toPdtMs, Math.max(0, limit)))
                .map(rows -> {
                    List<RecordedSegment> out = new ArrayList<>(rows.size());
                    String lastNode = null;
                    for (Row r : rows) {
                        String n = r.getString(11);
                        lastNode = n.equals(lastNode) ? lastNode : n;
                        out.add(new RecordedSegment(stream, rendition, r.getLong(2), r.getLong(3), r.getDouble(4),
                                r.getLong(5), r.getString(6), r.getInteger(7), r.getBoolean(8), r.getLong(9),
                                r.getInteger(10), lastNode));
                    }
                    return out;
                });
    }

    private static RecordedSegment segment(Row r) {
        return new RecordedSegment(r.getString(0), r.getString(1), r.getLong(2), r.getLong(3), r.getDouble(4),
                r.getLong(5), r.getString(6), r.getInteger(7), r.getBoolean(8), r.getLong(9), r.getInteger(10),
                r.getString(11));
    }

    /** The path of a recorded init; it may be on another node's disk (see the segments' {@code node}). */
    @Override
    public Future<Optional<Path>> initFile(String stream, String rendition, int initVersion) {
        return pool.preparedQuery("SELECT file FROM dvr_init WHERE stream = $1 AND rendition = $2 AND init_version = $3 "
                        + "ORDER BY (node = $4) DESC LIMIT 1")
                .execute(Tuple.of(stream, rendition, initVersion, node))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Path p = root.resolve(rows.iterator().next().getString(0)).normalize();
                    return p.startsWith(root) ? Optional.of(p) : Optional.empty();
                });
    }

    @Override
    public Future<Optional<String>> initNode(String stream, String rendition, int initVersion) {
        return pool.preparedQuery("SELECT node FROM dvr_init WHERE stream = $1 AND rendition = $2 AND init_version = $3 "
                        + "ORDER BY (node = $4) DESC LIMIT 1")
                .execute(Tuple.of(stream, rendition, initVersion, node))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
    }

    /** Of these segment files on this node's disk, the ones a row of this node still names (primary-key probes). */
    Future<java.util.Set<String>> indexedSegments(List<DvrFiles.SegmentName> names) {
        int n = names.size();
        String[] stream = new String[n];
        String[] rendition = new String[n];
        Long[] pdt = new Long[n];
        for (int i = 0; i < n; i++) {
            stream[i] = names.get(i).stream();
            rendition[i] = names.get(i).rendition();
            pdt[i] = names.get(i).pdtMillis();
        }
        return pool.preparedQuery("SELECT s.file FROM dvr_segment s JOIN unnest($2::text[], $3::text[], $4::bigint[]) "
                        + "AS u(stream, rendition, pdt) ON s.stream = u.stream AND s.rendition = u.rendition "
                        + "AND s.pdt_ms = u.pdt WHERE s.node = $1")
                .execute(Tuple.of(node).addValue(stream).addValue(rendition).addValue(pdt)).map(rows -> {
                    java.util.Set<String> out = new java.util.HashSet<>();
                    rows.forEach(r -> out.add(r.getString(0)));
                    return out;
                });
    }

    // ---- the recorder's writes ----

    /** One multi-row INSERT for the whole batch (arrays unnested server-side); a row already there is kept. */
    Future<Integer> insert(List<RecordedSegment> batch) {
        int n = batch.size();
        String[] stream = new String[n];
        String[] rendition = new String[n];
        Long[] pdt = new Long[n];
        Long[] end = new Long[n];
        Long[] msn = new Long[n];
        Double[] duration = new Double[n];
        Long[] size = new Long[n];
        String[] file = new String[n];
        Integer[] init = new Integer[n];
        Boolean[] disc = new Boolean[n];
        Long[] base = new Long[n];
        Integer[] timescale = new Integer[n];
        String[] nodes = new String[n];
        for (int i = 0; i < n; i++) {
            RecordedSegment s = batch.get(i);
            stream[i] = s.stream();
            rendition[i] = s.rendition();
            pdt[i] = s.pdtMillis();
            end[i] = s.endMillis();
            msn[i] = s.msn();
            duration[i] = s.duration();
            size[i] = s.size();
            file[i] = s.file();
            init[i] = s.initVersion();
            disc[i] = s.discontinuity();
            base[i] = s.baseMediaTime();
            timescale[i] = s.timescale();
            nodes[i] = s.node();
        }
        Tuple t = Tuple.tuple();
        for (Object array : new Object[]{stream, rendition, pdt, end, msn, duration, size, file, init, disc, base, timescale, nodes}) {
            t.addValue(array);
        }
        return pool.preparedQuery("INSERT INTO dvr_segment (stream, rendition, pdt_ms, end_ms, msn, duration, size, file, "
                        + "init_version, discontinuity, base_media_time, timescale, node) "
                        + "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], "
                        + "$6::float8[], $7::bigint[], $8::text[], $9::int[], $10::bool[], $11::bigint[], $12::int[], $13::text[]) "
                        + "ON CONFLICT DO NOTHING")
                .execute(t).map(rows -> rows.rowCount());
    }

    /** The newest recorded init of a rendition: its version, digest and whether this node has a copy; or null. */
    Future<Object[]> latestInit(String stream, String rendition) {
        return pool.preparedQuery("SELECT init_version, digest, bool_or(node = $3) FROM dvr_init WHERE stream = $1 "
                        + "AND rendition = $2 GROUP BY init_version, digest ORDER BY init_version DESC LIMIT 1")
                .execute(Tuple.of(stream, rendition, node))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new Object[]{r.getInteger(0), r.getString(1), r.getBoolean(2)};
                });
    }

    Future<Void> insertInit(String stream, String rendition, int version, String file, long size, String digest) {
        return pool.preparedQuery("INSERT INTO dvr_init (stream, rendition, init_version, file, size, digest, node) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(stream, rendition, version, file, size, digest).addValue(node)).mapEmpty();
    }

    Future<Void> rendition(String stream, String rendition, String codecs, int width, int height, long bandwidth,
                           boolean audio) {
        return pool.preparedQuery("INSERT INTO dvr_rendition (stream, rendition, codecs, width, height, bandwidth, audio) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (stream, rendition) DO UPDATE SET "
                        // a row written without codecs (the stream was gone) keeps what an earlier one said
                        + "codecs = CASE WHEN excluded.codecs = '' THEN dvr_rendition.codecs ELSE excluded.codecs END, "
                        + "width = CASE WHEN excluded.codecs = '' THEN dvr_rendition.width ELSE excluded.width END, "
                        + "height = CASE WHEN excluded.codecs = '' THEN dvr_rendition.height ELSE excluded.height END, "
                        + "bandwidth = greatest(dvr_rendition.bandwidth, excluded.bandwidth), audio = excluded.audio, "
                        + "updated_at = now()")
                .execute(Tuple.of(stream, rendition, codecs, width, height, bandwidth).addValue(audio)).mapEmpty();
    }

    /** Says where this node's recordings are fetched from. */
    Future<Void> announce(String url) {
        return pool.preparedQuery("INSERT INTO dvr_node (node, url) VALUES ($1, $2) ON CONFLICT (node) DO UPDATE "
                + "SET url = excluded.url, seen_at = now()").execute(Tuple.of(node, url)).mapEmpty();
    }

    /** The base URL of a node's recordings (from {@link RecordedSegment#node()}). */
    @Override
    public Future<Optional<String>> nodeUrl(String nodeId) {
        return pool.preparedQuery("SELECT url FROM dvr_node WHERE node = $1").execute(Tuple.of(nodeId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
    }

    // ---- deletions: rows go first, files after, so a row never names a missing file ----

    /** A deleted row's file and size. */
    record Removed(String file, long size, String node) {
    }

    private static List<Removed> removed(io.vertx.sqlclient.RowSet<Row> rows) {
        List<Removed> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new Removed(r.getString(0), r.getLong(1), r.getString(2)));
        }
        return out;
    }

    /** The (stream, rendition) pairs the index knows (one small row each, whatever the node). */
    Future<List<String[]>> knownRenditions() {
        return pool.query("SELECT stream, rendition FROM dvr_rendition").execute().map(rows -> {
            List<String[]> out = new ArrayList<>();
            rows.forEach(r -> out.add(new String[]{r.getString(0), r.getString(1)}));
            return out;
        });
    }

    /** This node's segments of one rendition that began before {@code cutoffMs} (up to {@code limit}, on the primary key). */
    Future<List<Removed>> deleteBefore(String stream, String rendition, long cutoffMs, int limit) {
        return pool.preparedQuery("DELETE FROM dvr_segment WHERE (stream, rendition, pdt_ms) IN (SELECT stream, rendition, "
                        + "pdt_ms FROM dvr_segment WHERE stream = $1 AND rendition = $2 AND pdt_ms < $3 AND node = $4 "
                        + "ORDER BY pdt_ms LIMIT $5) RETURNING file, size, node")
                .execute(Tuple.of(stream, rendition, cutoffMs, node, limit)).map(PgDvrIndex::removed);
    }

    /** This node's oldest segments, any stream. */
    Future<List<Removed>> deleteOldest(int limit) {
        return pool.preparedQuery("DELETE FROM dvr_segment WHERE (stream, rendition, pdt_ms) IN (SELECT stream, rendition, "
                        + "pdt_ms FROM dvr_segment WHERE node = $1 ORDER BY pdt_ms LIMIT $2) RETURNING file, size, node")
                .execute(Tuple.of(node, limit)).map(PgDvrIndex::removed);
    }

    /** Every node's segments of a stream overlapping the window. */
    Future<List<Removed>> deleteRange(String stream, long fromMs, long toMs) {
        return pool.preparedQuery("DELETE FROM dvr_segment WHERE stream = $1 AND pdt_ms >= $2 AND pdt_ms < $3 AND end_ms > $4 "
                        + "RETURNING file, size, node")
                .execute(Tuple.of(stream, fromMs - MAX_SEGMENT_MS, toMs, fromMs)).map(PgDvrIndex::removed);
    }

    /** Init rows of this node no segment needs any more; gives their files. */
    Future<List<Removed>> deleteUnusedInits() {
        return pool.preparedQuery("DELETE FROM dvr_init i WHERE node = $1 AND init_version < (SELECT max(init_version) "
                        + "FROM dvr_init j WHERE j.stream = i.stream AND j.rendition = i.rendition) "
                        + "AND NOT EXISTS (SELECT 1 FROM dvr_segment s WHERE s.stream = i.stream AND s.rendition = i.rendition "
                        + "AND s.init_version = i.init_version) RETURNING file, size, node")
                .execute(Tuple.of(node)).map(PgDvrIndex::removed);
    }

    // ---- reconciliation ----

    /** The (stream, rendition) pairs this node has rows for. */
    Future<List<String[]>> renditionsOfNode() {
        return pool.preparedQuery("SELECT DISTINCT stream, rendition FROM dvr_segment WHERE node = $1 UNION "
                        + "SELECT DISTINCT stream, rendition FROM dvr_init WHERE node = $1")
                .execute(Tuple.of(node)).map(rows -> {
                    List<String[]> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new String[]{r.getString(0), r.getString(1)}));
                    return out;
                });
    }

    /** This node's rows of one rendition: file to size, segments and inits. */
    Future<java.util.Map<String, Long>> filesOf(String stream, String rendition) {
        return pool.preparedQuery("SELECT file, size FROM dvr_segment WHERE node = $1 AND stream = $2 AND rendition = $3 "
                        + "UNION ALL SELECT file, size FROM dvr_init WHERE node = $1 AND stream = $2 AND rendition = $3")
                .execute(Tuple.of(node, stream, rendition)).map(rows -> {
                    java.util.Map<String, Long> out = new java.util.HashMap<>();
                    rows.forEach(r -> out.put(r.getString(0), r.getLong(1)));
                    return out;
                });
    }

    /** Drops this node's rows naming these files (their files are gone or cut short). */
    Future<Integer> forget(String stream, String rendition, List<String> files) {
        if (files.isEmpty()) {
            return Future.succeededFuture(0);
        }
        String[] names = files.toArray(new String[0]);
        Tuple t = Tuple.of(node, stream, rendition).addValue(names);
        return pool.preparedQuery("DELETE FROM dvr_segment WHERE node = $1 AND stream = $2 AND rendition = $3 "
                        + "AND file = ANY($4::text[])").execute(t)
                .compose(a -> pool.preparedQuery("DELETE FROM dvr_init WHERE node = $1 AND stream = $2 AND rendition = $3 "
                        + "AND file = ANY($4::text[])").execute(t).map(b -> a.rowCount() + b.rowCount()));
    }

    /** Bytes of this node's recorded segments and inits. */
    Future<Long> bytes() {
        return pool.preparedQuery("SELECT coalesce((SELECT sum(size) FROM dvr_segment WHERE node = $1), 0) "
                        + "+ coalesce((SELECT sum(size) FROM dvr_init WHERE node = $1), 0)")
                .execute(Tuple.of(node)).map(rows -> {
                    Object v = rows.iterator().next().getValue(0);
                    return v == null ? 0L : ((Number) v).longValue();
                });
    }

    // ---- the recordings API ----

    /** Every node's segments of a stream in the window, all renditions, by rendition then time (at most {@code limit}). */
    Future<List<RecordedSegment>> allSegments(String stream, long fromMs, long toMs, int limit) {
        return pool.preparedQuery("SELECT " + SEGMENT_COLUMNS + " FROM dvr_segment WHERE stream = $1 "
                        + "AND pdt_ms >= $2 AND pdt_ms < $3 AND end_ms > $4 ORDER BY rendition, pdt_ms LIMIT $5")
                .execute(Tuple.of(stream, fromMs - MAX_SEGMENT_MS, toMs, fromMs, limit))
                .map(rows -> {
                    List<RecordedSegment> out = new ArrayList<>(rows.size());
                    rows.forEach(r -> out.add(segment(r)));
                    return out;
                });
    }

    /** A run of one rendition's segments without a gap longer than the tolerance. */
    record Range(String rendition, long fromMs, long toMs, long bytes, long segments) {
    }

    /**
     * Every node's recorded runs of a stream in the window, by rendition then time (gaps and islands in SQL:
     * a segment starting more than {@code toleranceMs} after the previous one's end starts a new run).
     */
    Future<List<Range>> ranges(String stream, long fromMs, long toMs, long toleranceMs, int limit) {
        return pool.preparedQuery("SELECT rendition, min(pdt_ms), max(end_ms), sum(size), count(*) FROM ("
                        + "SELECT rendition, pdt_ms, end_ms, size, sum(brk) OVER (PARTITION BY rendition ORDER BY pdt_ms) AS run "
                        + "FROM (SELECT rendition, pdt_ms, end_ms, size, CASE WHEN pdt_ms - lag(end_ms) OVER "
                        + "(PARTITION BY rendition ORDER BY pdt_ms) > $5 THEN 1 ELSE 0 END AS brk FROM dvr_segment "
                        + "WHERE stream = $1 AND pdt_ms >= $2 AND pdt_ms < $3 AND end_ms > $4) a) b "
                        + "GROUP BY rendition, run ORDER BY rendition, min(pdt_ms) LIMIT $6")
                .execute(Tuple.of(stream, fromMs - MAX_SEGMENT_MS, toMs, fromMs, toleranceMs).addValue(limit))
                .map(rows -> {
                    List<Range> out = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        out.add(new Range(r.getString(0), r.getLong(1), r.getLong(2),
                                ((Number) r.getValue(3)).longValue(), r.getLong(4)));
                    }
                    return out;
                });
    }
}
