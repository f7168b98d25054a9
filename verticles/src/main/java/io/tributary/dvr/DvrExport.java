package io.tributary.dvr;

import io.tributary.StatusException;
import io.tributary.media.cmaf.CmafTrackMerge;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
 * tracks follow the wall clock across publisher reconnects.
 */
final class DvrExport {

    static final int AUDIO_TRACK = 2;
    private final DvrIndex index;
    private final Path root;

    DvrExport(DvrIndex index, Path root) {
        this.index = index;
        this.root = root;
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
            Future<Optional<Path>> vInit = index.initFile(key, v.rendition(), vSegs.get(0).initVersion());
            Future<Optional<Path>> aInit = aSegs.isEmpty() ? Future.succeededFuture(Optional.empty())
                    : index.initFile(key, a.rendition(), aSegs.get(0).initVersion());
            return Future.all(vInit, aInit).compose(y -> {
                if (vInit.result().isEmpty()) {
                    return Future.failedFuture(StatusException.notFound("the init of " + key + "/" + v.rendition() + " is gone"));
                }
                Path vPath = routes.checked(vInit.result().get());
                Path aPath = aInit.result().isEmpty() ? null : routes.checked(aInit.result().get());
                List<Piece> out = aPath == null ? pieces.stream().filter(p -> p.track() == 1).toList() : pieces;
                return ctx.vertx().executeBlocking(() -> {
                    byte[] vi = Files.readAllBytes(vPath);
                    return aPath == null ? vi : CmafTrackMerge.mergeInits(vi, Files.readAllBytes(aPath), AUDIO_TRACK);
                }, false).compose(init -> {
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
        Path file = root.resolve(p.segment().file()).normalize();
        if (!file.startsWith(root)) {
            return Future.failedFuture(StatusException.notFound("recorded object is not available"));
        }
        int[] next = new int[1];
        return ctx.vertx().executeBlocking(() -> {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException("recorded segment " + p.segment().file() + " is unreadable", e);
            }
            next[0] = CmafTrackMerge.retrack(bytes, p.track(), sequence, p.shift());
            return bytes;
        }, false).compose(bytes -> {
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
