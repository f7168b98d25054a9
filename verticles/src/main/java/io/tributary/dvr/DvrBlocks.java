package io.tributary.dvr;

import io.vertx.core.Future;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rendition's recorded segments in blocks of ten minutes of wall clock. The rows of a block that is
 * over (and settled: index writes are batched) do not change until retention or a delete, so they are read
 * from the index once, kept with their HLS lines rendered, and a window over many blocks becomes copies of
 * those lines plus its two edges: a 24 h catch-up playlist costs no 43,200-row query or render per viewer,
 * and what is read per request (the block still open) is at most a few hundred rows.
 * Thread-safe; bounded in bytes, each block kept at most {@code ttlMs}; {@link #forget} drops deleted ranges.
 */
final class DvrBlocks {

    static final long BLOCK_MS = 600_000;
    /** A block's rows may be written this long after it ends (the recorder batches and retries index writes). */
    static final long SETTLE_MS = 120_000;
    /** Rows of one load: a day and a bit of 1 s segments. */
    static final int MAX_ROWS = 100_000;

    /**
     * The segments of one block of one rendition (by PDT, those starting in {@code [start, start + BLOCK_MS)}) and
     * the playlist lines of every one after the first ({@code tail}), each rendered after its predecessor,
     * exactly as {@link DvrPlaylists#segmentLines} renders it: only the first depends on what came before.
     */
    record Block(long start, List<RecordedSegment> segments, byte[] tail, long minEnd, long maxPdt, long target,
                 long at) {
        long bytes() {
            return tail.length + 160L * segments.size() + 64;
        }
    }

    /** A window's segments as whole blocks (their lines rendered) and loose segments, in PDT order. */
    record Piece(List<RecordedSegment> segments, byte[] tail, long target) {
        boolean whole() {
            return tail != null;
        }
    }

    private final DvrIndex index;
    private final long maxBytes;
    private final long ttlMs;
    private long bytes;
    private final LinkedHashMap<String, Block> blocks = new LinkedHashMap<>(256, 0.75f, true);

    DvrBlocks(DvrIndex index, long maxBytes, long ttlMs) {
        this.index = index;
        this.maxBytes = maxBytes;
        this.ttlMs = ttlMs;
    }

    /**
     * The segments of a rendition in the window ({@link DvrPlaylists#inWindow}), sorted by PDT: closed blocks from
     * memory (read from the index and kept when missing), the blocks still open straight from the index.
     */
    Future<List<Piece>> window(String stream, String rendition, DvrTimes.Window w, long nowMs) {
        long firstBlock = Math.floorDiv(w.fromMs() - PgDvrIndex.MAX_SEGMENT_MS, BLOCK_MS) * BLOCK_MS;
        long lastBlock = Math.floorDiv(w.toMs() - 1, BLOCK_MS) * BLOCK_MS;
        long openFrom = Math.floorDiv(nowMs - SETTLE_MS, BLOCK_MS) * BLOCK_MS; // blocks from here on may still change
        Map<Long, Block> have = new HashMap<>();
        List<long[]> missing = new ArrayList<>(); // runs of closed blocks to read: [from, to)
        for (long h = firstBlock; h <= lastBlock && h < openFrom; h += BLOCK_MS) {
            Block b = get(key(stream, rendition, h), nowMs);
            if (b != null) {
                have.put(h, b);
            } else if (!missing.isEmpty() && missing.get(missing.size() - 1)[1] == h) {
                missing.get(missing.size() - 1)[1] = h + BLOCK_MS;
            } else {
                missing.add(new long[]{h, h + BLOCK_MS});
            }
        }
        List<Future<?>> loads = new ArrayList<>();
        for (long[] run : missing) {
            loads.add(index.segmentsStarting(stream, rendition, run[0], run[1], MAX_ROWS).map(rows -> {
                // a load cut at its limit keeps only the blocks it read whole
                long complete = rows.size() < MAX_ROWS ? run[1]
                        : Math.floorDiv(rows.get(rows.size() - 1).pdtMillis(), BLOCK_MS) * BLOCK_MS;
                split(stream, rendition, rows, run[0], complete, nowMs, have);
                return null;
            }));
        }
        long openStart = Math.max(firstBlock, Math.min(openFrom, lastBlock + BLOCK_MS));
        Future<List<RecordedSegment>> open = openStart > lastBlock ? Future.succeededFuture(List.of())
                : index.segmentsStarting(stream, rendition, openStart, w.toMs(), MAX_ROWS);
        loads.add(open);
        return Future.all(loads).compose(x -> {
            // blocks a cut load left out come straight from the index (rare: more than MAX_ROWS in a run)
            List<Future<List<RecordedSegment>>> rest = new ArrayList<>();
            for (long h = firstBlock; h <= lastBlock && h < openFrom; h += BLOCK_MS) {
                if (!have.containsKey(h)) {
                    rest.add(index.segmentsStarting(stream, rendition, h, h + BLOCK_MS, MAX_ROWS));
                }
            }
            return Future.all(rest).map(y -> assemble(w, firstBlock, lastBlock, openFrom, have, rest, open.result()));
        });
    }

    private static List<Piece> assemble(DvrTimes.Window w, long firstBlock, long lastBlock, long openFrom,
                                        Map<Long, Block> have, List<Future<List<RecordedSegment>>> rest,
                                        List<RecordedSegment> open) {
        long margin = Math.min(DvrPlaylists.GAP_TOLERANCE_MS, w.lengthMs() / 4);
        List<Piece> pieces = new ArrayList<>();
        int r = 0;
        for (long h = firstBlock; h <= lastBlock && h < openFrom; h += BLOCK_MS) {
            Block b = have.get(h);
            List<RecordedSegment> segs = b != null ? b.segments() : rest.get(r++).result();
            if (segs.isEmpty()) {
                continue;
            }
            if (b != null && b.minEnd() > w.fromMs() + margin && b.maxPdt() < w.toMs() - margin) {
                pieces.add(new Piece(segs, b.tail(), b.target()));
            } else {
                List<RecordedSegment> in = DvrPlaylists.inWindow(segs, w);
                if (!in.isEmpty()) {
                    pieces.add(loose(in));
                }
            }
        }
        List<RecordedSegment> in = DvrPlaylists.inWindow(open, w);
        if (!in.isEmpty()) {
            pieces.add(loose(in));
        }
        return pieces;
    }

    /** Segments rendered per request (a window's edges, the open blocks). */
    static Piece loose(List<RecordedSegment> segs) {
        long target = 1;
        for (RecordedSegment s : segs) {
            target = Math.max(target, DvrPlaylists.targetDuration(s));
        }
        return new Piece(segs, null, target);
    }

    /** All segments of the pieces, in order. */
    static List<RecordedSegment> segments(List<Piece> pieces) {
        int n = 0;
        for (Piece p : pieces) {
            n += p.segments().size();
        }
        List<RecordedSegment> out = new ArrayList<>(n);
        for (Piece p : pieces) {
            out.addAll(p.segments());
        }
        return out;
    }

    /** Cuts rows of {@code [from, complete)} into blocks, renders and keeps them, and hands them to {@code have}. */
    private void split(String stream, String rendition, List<RecordedSegment> rows, long from, long complete, long nowMs,
                       Map<Long, Block> have) {
        int i = 0;
        for (long h = from; h < complete; h += BLOCK_MS) {
            int start = i;
            while (i < rows.size() && rows.get(i).pdtMillis() < h + BLOCK_MS) {
                i++;
            }
            Block b = block(h, List.copyOf(rows.subList(start, i)), nowMs);
            put(key(stream, rendition, h), b);
            synchronized (have) {
                have.put(h, b);
            }
        }
    }

    static Block block(long start, List<RecordedSegment> segs, long nowMs) {
        StringBuilder lines = new StringBuilder(90 * segs.size());
        long minEnd = Long.MAX_VALUE;
        long maxPdt = Long.MIN_VALUE;
        long target = 1;
        for (int i = 0; i < segs.size(); i++) {
            RecordedSegment s = segs.get(i);
            if (i > 0) {
                DvrPlaylists.segmentLines(lines, segs.get(i - 1), s);
            }
            minEnd = Math.min(minEnd, s.endMillis());
            maxPdt = Math.max(maxPdt, s.pdtMillis());
            target = Math.max(target, DvrPlaylists.targetDuration(s));
        }
        return new Block(start, segs, lines.toString().getBytes(StandardCharsets.US_ASCII), minEnd, maxPdt, target, nowMs);
    }

    /** Drops the blocks of a stream that hold segments starting in {@code [fromMs, toMs)} (deleted or expired). */
    synchronized void forget(String stream, long fromMs, long toMs) {
        String prefix = stream + "/";
        var it = blocks.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Block> e = it.next();
            long start = e.getValue().start();
            if (e.getKey().startsWith(prefix) && start < toMs && start + BLOCK_MS > fromMs) {
                bytes -= e.getValue().bytes();
                it.remove();
            }
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    private static String key(String stream, String rendition, long block) {
        return stream + "/" + rendition + "/" + block;
    }

    private synchronized Block get(String key, long nowMs) {
        Block b = blocks.get(key);
        if (b != null && nowMs - b.at() > ttlMs) {
            blocks.remove(key);
            bytes -= b.bytes();
            return null;
        }
        return b;
    }

    private synchronized void put(String key, Block b) {
        if (b.bytes() > maxBytes / 8) {
            return;
        }
        Block old = blocks.put(key, b);
        bytes += b.bytes() - (old == null ? 0 : old.bytes());
        var it = blocks.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= it.next().getValue().bytes();
            it.remove();
        }
    }
}
