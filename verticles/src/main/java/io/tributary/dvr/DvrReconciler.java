package io.tributary.dvr;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * At start-up, before recording: this node's index rows and files agree again after a crash.
 * A row whose file is missing or shorter than its size is dropped; a file without a row (written
 * before a crash took its batch) and the leftover of an interrupted write are deleted. One
 * rendition at a time, so memory holds one rendition's names.
 */
final class DvrReconciler {

    private static final Logger LOG = Logger.getLogger(DvrReconciler.class.getName());

    /** What a reconciliation changed. */
    record Result(int renditions, int rowsDropped, int filesDeleted, long bytes) {
    }

    private final PgDvrIndex index;
    private final DvrFiles files;
    private final WorkerExecutor workers;

    DvrReconciler(PgDvrIndex index, DvrFiles files, WorkerExecutor workers) {
        this.index = index;
        this.files = files;
        this.workers = workers;
    }

    Future<Result> run() {
        long began = System.nanoTime();
        return workers.executeBlocking(files::renditionDirs, false).compose(dirs -> index.renditionsOfNode().compose(rows -> {
            Set<String> pairs = new LinkedHashSet<>();
            for (String[] d : dirs) {
                pairs.add(d[0] + "/" + d[1]);
            }
            for (String[] r : rows) {
                pairs.add(r[0] + "/" + r[1]);
            }
            Future<Result> chain = Future.succeededFuture(new Result(0, 0, 0, 0));
            for (String pair : pairs) {
                int slash = pair.indexOf('/');
                String stream = pair.substring(0, slash);
                String rendition = pair.substring(slash + 1);
                chain = chain.compose(sum -> one(stream, rendition).map(r -> new Result(sum.renditions() + 1,
                        sum.rowsDropped() + r.rowsDropped(), sum.filesDeleted() + r.filesDeleted(), sum.bytes() + r.bytes())));
            }
            return chain;
        })).onSuccess(r -> LOG.info(String.format("DVR reconciled %d renditions in %d ms: %d rows without their file dropped, "
                + "%d files without a row deleted, %d bytes recorded", r.renditions(), (System.nanoTime() - began) / 1_000_000,
                r.rowsDropped(), r.filesDeleted(), r.bytes())));
    }

    private Future<Result> one(String stream, String rendition) {
        return index.filesOf(stream, rendition).compose(rows -> workers.executeBlocking(() -> {
            List<DvrFiles.OnDisk> onDisk = DvrFiles.safeName(stream) && DvrFiles.safeName(rendition)
                    ? files.files(stream, rendition) : List.of();
            int deleted = 0;
            long bytes = 0;
            Set<String> present = new java.util.HashSet<>();
            for (DvrFiles.OnDisk f : onDisk) {
                Long size = rows.get(f.file());
                if (size != null && size == f.size()) {
                    present.add(f.file());
                    bytes += f.size();
                } else {
                    files.delete(f.file()); // no row, a cut-short file, or a temp of an interrupted write
                    deleted++;
                }
            }
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, Long> row : rows.entrySet()) {
                if (!present.contains(row.getKey())) {
                    missing.add(row.getKey());
                }
            }
            return new Object[]{missing, deleted, bytes};
        }, false)).compose(o -> {
            @SuppressWarnings("unchecked")
            List<String> missing = (List<String>) o[0];
            return index.forget(stream, rendition, missing).map(n -> new Result(1, n, (Integer) o[1], (Long) o[2]));
        });
    }
}
