package io.tributary.dvr;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Files of deleted rows on other nodes' disks. A {@code DELETE /api/v1/recordings} on any node
 * removes every node's rows; the files of rows naming another node are that node's to delete, so
 * it is asked over the (cluster) event bus at its own address, {@code tributary.dvr.delete.{node}}.
 * It deletes only segment files no row of its own names any more (the message cannot take what
 * is still indexed). A node that does not answer (down, or a single-node bus) deletes them at its
 * next start: its reconciliation removes files without rows.
 */
final class DvrDeletions {

    private static final Logger LOG = Logger.getLogger(DvrDeletions.class.getName());
    static final String ADDRESS = "tributary.dvr.delete.";
    /** Files per message: the receiver checks them in one query and refuses more. */
    static final int BATCH = 1000;
    static final long TIMEOUT_MS = 15_000;

    private final Vertx vertx;
    private final PgDvrIndex index;
    private final DvrFiles files;
    private final DvrMetrics metrics;
    private final WorkerExecutor workers;
    private MessageConsumer<JsonObject> consumer;

    DvrDeletions(Vertx vertx, PgDvrIndex index, DvrFiles files, DvrMetrics metrics, WorkerExecutor workers) {
        this.vertx = vertx;
        this.index = index;
        this.files = files;
        this.metrics = metrics;
        this.workers = workers;
    }

    /** Answers other nodes' requests for this node's disk. */
    Future<Void> listen() {
        consumer = vertx.eventBus().consumer(ADDRESS + index.node(), this::onRequest);
        return consumer.completion();
    }

    Future<Void> close() {
        return consumer == null ? Future.succeededFuture() : consumer.unregister().otherwiseEmpty();
    }

    /** What became of the files on one other node. */
    record Outcome(String node, int files, long bytesFreed, String failure) {
        JsonObject toJson() {
            JsonObject o = new JsonObject().put("node", node).put("files", files);
            return failure == null ? o.put("deleted", true).put("bytesFreed", bytesFreed)
                    : o.put("deleted", false).put("reason", failure + "; the node deletes them when it next starts");
        }
    }

    /** Asks each other node holding removed rows' files to delete them; a node that fails is reported, not retried. */
    Future<List<Outcome>> elsewhere(List<PgDvrIndex.Removed> removed) {
        Map<String, List<String>> byNode = new LinkedHashMap<>();
        for (PgDvrIndex.Removed r : removed) {
            if (!index.node().equals(r.node())) {
                byNode.computeIfAbsent(r.node(), k -> new ArrayList<>()).add(r.file());
            }
        }
        List<Future<Outcome>> all = new ArrayList<>();
        byNode.forEach((node, names) -> all.add(ask(node, names)));
        return Future.join(all).transform(x -> {
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : all) {
                out.add(f.result());
            }
            return Future.succeededFuture(out);
        });
    }

    /** One node, its files in batches one after another. */
    private Future<Outcome> ask(String node, List<String> names) {
        Future<long[]> chain = Future.succeededFuture(new long[2]);
        for (int from = 0; from < names.size(); from += BATCH) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + BATCH));
            chain = chain.compose(sum -> vertx.eventBus().<JsonObject>request(ADDRESS + node,
                            new JsonObject().put("files", new JsonArray(new ArrayList<>(batch))),
                            new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
                    .map(reply -> new long[]{sum[0] + reply.body().getLong("deleted", 0L),
                            sum[1] + reply.body().getLong("bytes", 0L)}));
        }
        return chain.map(sum -> new Outcome(node, names.size(), sum[1], null))
                .otherwise(e -> {
                    LOG.warning("DVR: node " + node + " did not delete " + names.size() + " files: " + e.getMessage());
                    return new Outcome(node, names.size(), 0, "node did not answer: " + e.getMessage());
                });
    }

    private void onRequest(Message<JsonObject> m) {
        JsonArray list = m.body() == null ? null : m.body().getJsonArray("files");
        if (list == null || list.size() > BATCH) {
            m.fail(400, "files: an array of at most " + BATCH + " names");
            return;
        }
        List<DvrFiles.SegmentName> names = new ArrayList<>();
        for (Object o : list) {
            DvrFiles.SegmentName n = o instanceof String s ? DvrFiles.segmentName(s) : null;
            if (n != null) { // anything but a segment's file name is not this request's to delete
                names.add(n);
            }
        }
        if (names.isEmpty()) {
            m.reply(new JsonObject().put("deleted", 0).put("bytes", 0));
            return;
        }
        index.indexedSegments(names).compose(indexed -> workers.executeBlocking(() -> {
            long freed = 0;
            int deleted = 0;
            for (DvrFiles.SegmentName n : names) {
                String file = DvrFiles.segmentFile(n.stream(), n.rendition(), n.pdtMillis());
                if (!indexed.contains(file)) {
                    long size = files.delete(file);
                    freed += size;
                    deleted += size > 0 ? 1 : 0;
                }
            }
            return new long[]{deleted, freed};
        }, false)).onSuccess(r -> {
            metrics.used.addAndGet(-r[1]);
            m.reply(new JsonObject().put("deleted", r[0]).put("bytes", r[1]));
        }).onFailure(e -> m.fail(500, String.valueOf(e.getMessage())));
    }
}
