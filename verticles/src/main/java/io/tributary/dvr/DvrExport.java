package io.tributary.dvr;

import io.tributary.StatusException;
import io.tributary.media.cmaf.CmafTrackMerge;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /dvr/{key}/export.mp4}: one fragmented MP4 of a video rung and the audio,
 * stream-copied. A combined init (two traks) is written first, then the recorded segments of
 * both tracks in PDT order with their track_ID, sequence numbers and decode times patched in
 * place ({@link CmafTrackMerge}), one segment in memory at a time, waiting for the client
 * when its write queue is full. Decode times are rebased so the file starts at 0 and both
 * tracks follow the wall clock across publisher reconnects. Segments and inits recorded on another
 * node (the publisher moved there) are fetched from it ({@link DvrPeers}), one at a time as well.
 */
final class DvrExport {

    static final int AUDIO_TRACK = 2;
    /** A recorded file fetched from another node is taken up to this many times the size its row says. */
    private static final long REMOTE_SLACK = 2;

    private final DvrIndex index;
    private final Path root;
    /** Segments and inits on other nodes' disks come from them; null: this node's disk only. */
    private final DvrPeers peers;

    DvrExport(DvrIndex index, Path root, DvrPeers peers) {
        this.index = index;
        this.root = root;
        this.peers = peers;
    }

    /** One segment of the output: which file, its track and the shift of its decode times. */
    record Piece(RecordedSegment segment, int track, long shift) {
    }

    Future<?> send(RoutingContext ctx, String key, DvrTimes.Window w, List<RecordedRendition> renditions,
                   String wanted, DvrRoutes routes) {
        RecordedRendition video = null;
        RecordedRendition audio = null;
        for (RecordedRendition r : renditions) {
            if (r.audio()) {
                audio = audio == null ? r : audio;
            } else if (wanted != null ? r.rendition().equals(wanted)
                    : video == null || r.bandwidth() > video.bandwidth()) {
                video = r;
            }
        }
        if (video == null) {
            return Future.failedFuture(StatusException.badRequest(wanted != null
                    ? "rendition '" + wanted + "' is not a video rendition recorded in the window"
                    : "from/to: no video recorded in the window"));
        }
        RecordedRendition v = video;
        RecordedRendition a = audio;
        Future<List<RecordedSegment>> vs = routes.segments(key, v.rendition(), w);
        Future<List<RecordedSegment>> as = a == null ? Future.succeededFuture(List.of()) : routes.segments(key, a.rendition(), w);
        return Future.all(vs, as).compose(x -> {
            List<RecordedSegment> vSegs = sameInit(vs.result());
            if (vSegs.isEmpty()) {
                return Future.failedFuture(StatusException.badRequest("from/to: no video recorded in the window"));
            }
            List<RecordedSegment> aSegs = sameInit(as.result());
            long origin = aSegs.isEmpty() ? vSegs.get(0).pdtMillis()
                    : Math.min(vSegs.get(0).pdtMillis(), aSegs.get(0).pdtMillis());
            List<Piece> pieces = new ArrayList<>(pieces(vSegs, 1, origin));
            pieces.addAll(pieces(aSegs, AUDIO_TRACK, origin));
            pieces.sort(Comparator.comparingLong((Piece p) -> p.segment().pdtMillis()).thenComparingInt(Piece::track));
            Future<byte[]> vInit = initBytes(ctx.vertx(), key, v.rendition(), vSegs.get(0).initVersion(), routes);
            Future<byte[]> aInit = aSegs.isEmpty() ? Future.succeededFuture(null)
                    : initBytes(ctx.vertx(), key, a.rendition(), aSegs.get(0).initVersion(), routes);
            return Future.all(vInit, aInit).compose(y -> {
                if (vInit.result() == null) {
                    return Future.failedFuture(StatusException.notFound("the init of " + key + "/" + v.rendition() + " is gone"));
                }
                byte[] vi = vInit.result();
                byte[] ai = aInit.result();
                List<Piece> out = ai == null ? pieces.stream().filter(p -> p.track() == 1).toList() : pieces;
                return ctx.vertx().executeBlocking(() -> ai == null ? vi : CmafTrackMerge.mergeInits(vi, ai, AUDIO_TRACK),
                        false).compose(init -> {
                    HttpServerResponse res = ctx.response();
                    res.setChunked(true)
                            .putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4")
                            .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=3600")
                            .putHeader("Content-Disposition", "attachment; filename=\"" + key + "-"
                                    + DvrTimes.seconds(w.fromMs()) + ".mp4\"");
                    return res.write(Buffer.buffer(init)).compose(z -> write(ctx, res, out, 0, 1))
                            .compose(z -> res.end());
                });
            });
        });
    }

    /** A recorded init's bytes, from this node's disk or the node holding it; null when none is recorded. */
    private Future<byte[]> initBytes(Vertx vertx, String key, String rendition, int version, DvrRoutes routes) {
        return index.initNode(key, rendition, version).compose(node -> {
            if (node.isPresent() && !here(node.get())) {
                return remote(node.get(), "/dvr/" + key + "/" + rendition + "/init-" + version + ".mp4", 1 << 20);
            }
            return index.initFile(key, rendition, version).compose(p -> {
                if (p.isEmpty()) {
                    return Future.succeededFuture(null);
                }
                Path path = routes.checked(p.get());
                return vertx.executeBlocking(() -> Files.readAllBytes(path), false);
            });
        });
    }

    private Future<byte[]> remote(String node, String path, long maxBytes) {
        if (peers == null) {
            return Future.failedFuture(StatusException.notFound("recorded object is on node " + node + ", not here"));
        }
        return peers.fetch(node, path, maxBytes).map(Buffer::getBytes);
    }

    private boolean here(String node) {
        String self = index.node();
        return self == null || node == null || node.isEmpty() || self.equals(node);
    }

    /** The segments that share the first one's init: one sample description per track in one file. */
    private static List<RecordedSegment> sameInit(List<RecordedSegment> segs) {
        if (segs.isEmpty()) {
            return segs;
        }
        int v = segs.get(0).initVersion();
        return segs.stream().filter(s -> s.initVersion() == v).toList();
    }

    /** Each continuous run keeps its decode times, shifted so its first one sits at its PDT after {@code origin}. */
    static List<Piece> pieces(List<RecordedSegment> segs, int track, long origin) {
        List<Piece> out = new ArrayList<>(segs.size());
        RecordedSegment previous = null;
        long shift = 0;
        for (RecordedSegment s : segs) {
            if (previous == null || DvrPlaylists.discontinuous(previous, s)) {
                long want = Math.round((s.pdtMillis() - origin) * (double) s.timescale() / 1000);
                shift = Math.max(0, want) - s.baseMediaTime();
            }
            out.add(new Piece(s, track, shift));
            previous = s;
        }
        return out;
    }

    private Future<Void> write(RoutingContext ctx, HttpServerResponse res, List<Piece> pieces, int i, int sequence) {
        if (i == pieces.size() || res.closed()) {
            return Future.succeededFuture();
        }
        Piece p = pieces.get(i);
        RecordedSegment seg = p.segment();
        Future<byte[]> read;
        if (here(seg.node())) {
            Path file = root.resolve(seg.file()).normalize();
            if (!file.startsWith(root)) {
                return Future.failedFuture(StatusException.notFound("recorded object is not available"));
            }
            read = ctx.vertx().executeBlocking(() -> {
                try {
                    return Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new UncheckedIOException("recorded segment " + seg.file() + " is unreadable", e);
                }
            }, false);
        } else { // recorded on another node (the publisher moved): fetched from it, one segment at a time too
            read = remote(seg.node(), "/dvr/" + seg.stream() + "/" + seg.rendition() + "/seg-" + seg.pdtMillis() + ".m4s",
                    Math.max(1 << 20, seg.size() * REMOTE_SLACK));
        }
        int[] next = new int[1];
        return read.compose(bytes -> ctx.vertx().executeBlocking(() -> {
            next[0] = CmafTrackMerge.retrack(bytes, p.track(), sequence, p.shift());
            return bytes;
        }, false)).compose(bytes -> {
            Future<Void> written = res.write(Buffer.buffer(bytes));
            if (!res.writeQueueFull()) {
                return written;
            }
            Promise<Void> drained = Promise.promise();
            res.drainHandler(v -> drained.tryComplete());
            res.closeHandler(v -> drained.tryComplete());
            return drained.future();
        }).compose(v -> write(ctx, res, pieces, i + 1, next[0]));
    }
}
