package io.tributary.dvr;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.vertx.core.Future;
import io.netty.buffer.Unpooled;
import io.vertx.core.MultiMap;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time-addressed playback of recordings under {@code /dvr/{key}/}: HLS catch-up and start-over
 * playlists, DASH MPDs, the recorded inits and segments from disk, MP4 export and thumbnails.
 * Shared by the node's delivery verticles (its caches are synchronized). Nothing is read outside
 * {@code data-dir/dvr}: paths come from the index, are resolved under its root and checked.
 */
public final class DvrRoutes {

    private static final Logger LOG = Logger.getLogger(DvrRoutes.class.getName());
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    static final String PLAYLIST_TYPE = "application/vnd.apple.mpegurl";
    /** Rows of one rendition in one window: dvr.max-window of 24 h at 1 s segments, with room. */
    static final int MAX_ROWS = 200_000;
    private static final Pattern SEGMENT = Pattern.compile("seg-(\\d{1,15})\\.m4s");
    private static final Pattern TIMED = Pattern.compile("t-(\\d{1,18})\\.m4s");
    private static final Pattern INIT = Pattern.compile("init-(\\d{1,9})\\.mp4");
    private static final int PATH_CACHE = 4096;

    private final DvrIndex index;
    private final long maxWindowMs;
    private final Predicate<String> liveHere;
    private final DvrExport export;
    private final DvrThumbnails thumbnails;
    private final Path root;
    /** Where an object on another node's disk is fetched from; null: only this node's disk is served. */
    private final DvrPeers peers;
    /** Renderings of closed past windows, bounded in bytes, kept a minute (retention may remove segments). */
    private final DvrRenderedCache playlists = new DvrRenderedCache(64L << 20, 60_000);
    /** Closed 10-minute blocks of every rendition asked for, read from the index once: 128 MB per node, each kept 10 minutes. */
    private final DvrBlocks blocks;
    /** Recorded files asked for again, in memory: 256 MB per node, each at most 5 minutes. */
    private final DvrHotSegments hot = new DvrHotSegments(256L << 20, 300_000);
    /** key/rendition/object -> the checked file: recordings are immutable, so are these answers. */
    private final Map<String, Path> paths = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Path> eldest) {
            return size() > PATH_CACHE;
        }
    };

    /**
     * @param maxWindowMs dvr.max-window: the longest window a playlist, MPD or export covers
     * @param liveHere    whether a key is live on this node (a start-over playlist of it is not ended)
     */
    public DvrRoutes(DvrIndex index, long maxWindowMs, Predicate<String> liveHere, DvrThumbnails thumbnails) {
        this(index, maxWindowMs, liveHere, thumbnails, null);
    }

    /** As above; recorded objects on other nodes' disks are fetched from them through {@code peers}. */
    public DvrRoutes(DvrIndex index, long maxWindowMs, Predicate<String> liveHere, DvrThumbnails thumbnails, DvrPeers peers) {
        this.peers = peers;
        this.index = index;
        this.maxWindowMs = maxWindowMs;
        this.liveHere = liveHere;
        this.root = index.root().toAbsolutePath().normalize();
        this.export = new DvrExport(index, root, peers);
        this.blocks = new DvrBlocks(index, 128L << 20, 600_000);
        this.thumbnails = thumbnails;
    }

    public void mount(Router router) {
        router.get("/dvr/:key/index.m3u8").handler(ctx -> run(ctx, this::multivariant));
        router.get("/dvr/:key/manifest.mpd").handler(ctx -> run(ctx, this::mpd));
        router.get("/dvr/:key/export.mp4").handler(ctx -> run(ctx, this::export));
        router.get("/dvr/:key/thumbnail.jpg").handler(ctx -> run(ctx, this::thumbnail));
        router.get("/dvr/:key/:rendition/:object").handler(ctx -> run(ctx, this::object));
    }

    private interface Handler {
        Future<?> handle(RoutingContext ctx);
    }

    /** Every failure, thrown or in the future, goes to the router's failure handler (one line of text). */
    private static void run(RoutingContext ctx, Handler h) {
        Future<?> f;
        try {
            f = h.handle(ctx);
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        f.onFailure(e -> {
            if (!ctx.response().ended() && !ctx.response().headWritten()) {
                ctx.fail(e);
            } else {
                ctx.response().reset();
            }
        });
    }

    static String key(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        if (!StreamKeys.valid(key)) {
            throw StatusException.badRequest("malformed stream key");
        }
        return key;
    }

    static String rendition(String value) {
        if (!StreamKeys.valid(value)) {
            throw StatusException.badRequest("malformed rendition name");
        }
        return value;
    }

    DvrTimes.Window window(RoutingContext ctx) {
        MultiMap q = ctx.queryParams();
        return DvrTimes.window(q.get("from"), q.get("to"), q.get("duration"), maxWindowMs, System.currentTimeMillis());
    }

    /**
     * The renditions recorded in the window; 404 for an unknown stream, 400 naming the parameter
     * when the window misses the recording (only then is the whole recording's span asked for).
     */
    Future<List<RecordedRendition>> recorded(String key, DvrTimes.Window w) {
        return index.knows(key).compose(known -> {
            if (!known) {
                return Future.failedFuture(StatusException.notFound("no recording of stream '" + key + "'"));
            }
            return index.renditions(key, w.fromMs(), w.toMs());
        }).compose(in -> {
            if (!in.isEmpty()) {
                return Future.succeededFuture(in);
            }
            return index.span(key).map(span -> {
                if (span.length == 2) {
                    DvrTimes.within(w, span[0], span[1]);
                }
                throw StatusException.badRequest("from/to: nothing was recorded in the window (a gap in the recording)");
            });
        });
    }

    /** The segments of one rendition in the window, sorted by PDT. */
    Future<List<RecordedSegment>> segments(String key, String rendition, DvrTimes.Window w) {
        return blocks.window(key, rendition, w, System.currentTimeMillis()).map(DvrBlocks::segments);
    }

    /** Drops what is kept of a stream's segments starting in {@code [fromMs, toMs)}: they were deleted. */
    public void forget(String key, long fromMs, long toMs) {
        blocks.forget(key, fromMs, toMs);
        playlists.forget(key);
    }

    /** A start-over window is over when the stream is not live here and nothing was recorded for a while. */
    boolean ended(String key, List<RecordedSegment> segs) {
        if (liveHere.test(key)) {
            return false;
        }
        if (segs.isEmpty()) {
            return true;
        }
        RecordedSegment last = segs.get(segs.size() - 1);
        long end = last.pdtMillis() + Math.round(last.duration() * 1000);
        return System.currentTimeMillis() - end > Math.max(6000, Math.round(3000 * last.duration()));
    }

    // ---- HLS ----

    private Future<?> multivariant(RoutingContext ctx) {
        String key = key(ctx);
        DvrTimes.Window w = window(ctx);
        return recorded(key, w).map(renditions -> {
            String body = DvrPlaylists.multivariant(renditions, w.query());
            send(ctx, PLAYLIST_TYPE, w.open() ? "no-cache" : "public, max-age=60", body);
            return null;
        });
    }

    private Future<?> mediaPlaylist(RoutingContext ctx, String key, String rendition) {
        DvrTimes.Window w = window(ctx);
        // a closed window in the past never changes (until retention): its rendering is kept a while
        String cacheKey = key + "/" + rendition + "/" + w.fromMs() + "/" + w.toMs();
        boolean immutable = !w.open() && w.toMs() < System.currentTimeMillis() - 60_000;
        if (immutable) {
            io.vertx.core.buffer.Buffer hit = playlists.get(cacheKey);
            if (hit != null) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PLAYLIST_TYPE)
                        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=60").end(signed(ctx, hit));
                return Future.succeededFuture();
            }
        }
        // the rows first: only an empty answer needs the stream and the recorded span (for a 404 or a 400)
        return blocks.window(key, rendition, w, System.currentTimeMillis()).compose(pieces -> {
            if (pieces.isEmpty()) {
                return recorded(key, w).map(r -> {
                    throw StatusException.notFound("no recording of " + key + "/" + rendition + " in the window");
                });
            }
            List<RecordedSegment> lastPiece = pieces.get(pieces.size() - 1).segments();
            boolean ended = w.open() && ended(key, List.of(lastPiece.get(lastPiece.size() - 1)));
            io.vertx.core.buffer.Buffer body = DvrPlaylists.mediaOf(pieces, w.open(), ended);
            if (immutable) {
                playlists.put(cacheKey, body);
            }
            // a growing EVENT playlist: players reload it every target duration
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PLAYLIST_TYPE)
                    .putHeader(HttpHeaders.CACHE_CONTROL, w.open() && !ended ? "no-cache" : "public, max-age=60").end(signed(ctx, body));
            return Future.succeededFuture();
        });
    }

    // ---- DASH ----

    private Future<?> mpd(RoutingContext ctx) {
        String key = key(ctx);
        DvrTimes.Window w = window(ctx);
        return recorded(key, w).compose(renditions -> {
            List<Future<DvrDash.Track>> tracks = new ArrayList<>();
            for (RecordedRendition r : renditions) {
                tracks.add(segments(key, r.rendition(), w).map(segs -> new DvrDash.Track(r, segs)));
            }
            return Future.all(tracks).map(all -> {
                List<DvrDash.Track> list = all.list();
                if (list.stream().allMatch(t -> t.segments().isEmpty())) {
                    throw StatusException.badRequest("from/to: nothing recorded in the window");
                }
                List<RecordedSegment> any = list.stream().filter(t -> !t.segments().isEmpty()).findFirst()
                        .orElseThrow().segments();
                boolean ended = !w.open() || ended(key, any);
                String body = DvrDash.render(list, w.open(), ended, System.currentTimeMillis());
                send(ctx, DvrDash.CONTENT_TYPE, w.open() && !ended ? "no-cache" : "public, max-age=60", body);
                return null;
            });
        });
    }

    // ---- objects ----

    private Future<?> object(RoutingContext ctx) {
        String key = key(ctx);
        String rendition = rendition(ctx.pathParam("rendition"));
        String name = ctx.pathParam("object");
        if (name.equals("index.m3u8")) {
            return mediaPlaylist(ctx, key, rendition);
        }
        String cacheKey = key + "/" + rendition + "/" + name;
        Path cached;
        synchronized (paths) {
            cached = paths.get(cacheKey);
        }
        if (cached != null) { // t-{time} objects are never cached: their key ignores the query
            return sendFile(ctx, rendition, cached);
        }
        Future<Optional<Held>> file;
        Matcher m = SEGMENT.matcher(name);
        Matcher t = TIMED.matcher(name);
        Matcher i = INIT.matcher(name);
        if (m.matches()) {
            long pdt = Long.parseLong(m.group(1));
            file = index.segments(key, rendition, pdt - 1, pdt + 1, 8).map(rows -> rows.stream()
                    .filter(r -> r.pdtMillis() == pdt).findFirst().map(this::held));
        } else if (t.matches()) {
            long time = Long.parseLong(t.group(1));
            MultiMap q = ctx.queryParams();
            long p = number(q.get("p"), "p");
            long t0 = number(q.get("t0"), "t0");
            int ts = (int) Math.min(Integer.MAX_VALUE, Math.max(1, number(q.get("ts"), "ts")));
            long near = DvrDash.approximatePdt(p, t0, time, ts);
            file = index.segments(key, rendition, near - 2000, near + 2000, 16).map(rows -> rows.stream()
                    .filter(r -> r.baseMediaTime() == time).findFirst().map(this::held));
        } else if (i.matches()) {
            int version = Integer.parseInt(i.group(1));
            file = index.initNode(key, rendition, version).compose(node -> {
                if (node.isPresent() && !here(node.get())) {
                    return Future.succeededFuture(Optional.of(new Held(node.get(), null)));
                }
                return index.initFile(key, rendition, version).map(p -> p.map(path -> new Held(null, checked(path))));
            });
        } else {
            throw StatusException.notFound("no such recorded object '" + name + "'");
        }
        return file.<Object>compose(h -> {
            if (h.isEmpty()) {
                return Future.failedFuture(StatusException.notFound("no recorded " + name + " of " + key + "/" + rendition));
            }
            if (h.get().path() == null) { // on another node's disk: fetched from there
                if (peers == null) {
                    return Future.failedFuture(StatusException.notFound("recorded object is on node " + h.get().node()
                            + ", not here"));
                }
                return peers.forward(ctx, h.get().node()).map(x -> null);
            }
            if (!t.matches()) {
                synchronized (paths) {
                    paths.put(cacheKey, h.get().path());
                }
            }
            return sendFile(ctx, rendition, h.get().path()).map(x -> null);
        });
    }

    /** Where a recorded object is: a checked path on this node's disk, or (path null) the node whose disk has it. */
    private record Held(String node, Path path) {
    }

    private Held held(RecordedSegment r) {
        return here(r.node()) ? new Held(null, checked(r.file())) : new Held(r.node(), null);
    }

    /** Whether a row's node is this one (an index without node ids has everything here). */
    private boolean here(String node) {
        String self = index.node();
        return self == null || node == null || node.isEmpty() || self.equals(node);
    }

    private static long number(String v, String param) {
        if (v == null || v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw StatusException.badRequest(param + " must be a non-negative integer");
        }
        return Long.parseLong(v);
    }

    /** A file the index names (relative to data-dir/dvr), resolved there; anything that leaves it is refused. */
    Path checked(String file) {
        return checked(root.resolve(file));
    }

    /** A path the index gives (an init's: relative to the working directory when data-dir is), checked to lie under data-dir/dvr. */
    Path checked(Path file) {
        Path p = file.toAbsolutePath().normalize();
        if (!p.startsWith(root)) {
            LOG.warning("index row names a file outside " + root + ": " + file);
            throw StatusException.notFound("recorded object is not available");
        }
        return p;
    }

    private Future<?> sendFile(RoutingContext ctx, String rendition, Path path) {
        HttpServerResponse res = ctx.response();
        res.putHeader(HttpHeaders.CONTENT_TYPE, rendition.equals("audio") ? "audio/mp4" : "video/mp4")
                .putHeader(HttpHeaders.CACHE_CONTROL, IMMUTABLE);
        ByteBuffer hot = this.hot.get(path);
        if (hot != null) {
            return res.end(BufferInternal.buffer(Unpooled.wrappedBuffer(hot)));
        }
        // read once (off the event loop), kept while it is asked for; a file too large for that is sent as a file
        return ctx.vertx().fileSystem().props(path.toString()).compose(props -> {
            if (props.size() > DvrHotSegments.MAX_FILE) {
                return res.sendFile(path.toString());
            }
            return ctx.vertx().fileSystem().readFile(path.toString()).compose(content -> {
                byte[] bytes = content.getBytes();
                this.hot.put(path, bytes);
                return res.end(content);
            });
        }).recover(e -> {
            if (res.headWritten()) {
                return Future.failedFuture(e);
            }
            res.headers().remove(HttpHeaders.CACHE_CONTROL);
            return Future.failedFuture(StatusException.notFound("recorded file is gone (retention?)"));
        });
    }

    // ---- export and thumbnails ----

    private Future<?> export(RoutingContext ctx) {
        String key = key(ctx);
        DvrTimes.Window w = window(ctx);
        if (w.open()) {
            throw StatusException.badRequest("to (or duration) is required for an export");
        }
        String wanted = ctx.queryParams().get("rendition");
        if (wanted != null) {
            rendition(wanted);
        }
        return recorded(key, w).compose(renditions -> export.send(ctx, key, w, renditions, wanted, this));
    }

    private Future<?> thumbnail(RoutingContext ctx) {
        String key = key(ctx);
        MultiMap q = ctx.queryParams();
        String t = q.get("t");
        if (t == null) {
            throw StatusException.badRequest("t is required");
        }
        long at = DvrTimes.time("t", t);
        int width = DvrThumbnails.width(q.get("width"));
        DvrTimes.Window w = new DvrTimes.Window(at, at + 1, false);
        return recorded(key, w).compose(renditions -> {
            RecordedRendition video = DvrThumbnails.pick(renditions, width);
            if (video == null) {
                return Future.failedFuture(StatusException.badRequest("t: no video recorded at that time"));
            }
            return index.segments(key, video.rendition(), at, at + 1, 4).compose(rows -> {
                RecordedSegment seg = rows.stream().filter(r -> r.pdtMillis() <= at)
                        .max(Comparator.comparingLong(RecordedSegment::pdtMillis)).orElse(null);
                if (seg == null || seg.pdtMillis() + Math.round(seg.duration() * 1000) + 1000 < at) {
                    return Future.failedFuture(StatusException.badRequest("t: nothing recorded at that time"));
                }
                if (!here(seg.node()) && peers != null) {
                    // the picture's segment (and an init for it) is on the node that recorded it: that node makes it
                    return peers.forward(ctx, seg.node()).map(x -> (Object) null);
                }
                return index.initFile(key, video.rendition(), seg.initVersion()).compose(init -> {
                    if (init.isEmpty()) {
                        return Future.failedFuture(StatusException.notFound("init of the recording is gone"));
                    }
                    Path initPath = checked(init.get());
                    Path segPath = checked(seg.file());
                    return thumbnails.jpeg(ctx.vertx(), key + "/" + video.rendition() + "/" + seg.pdtMillis() + "/" + width,
                            initPath, segPath, width);
                }).<Object>map(jpeg -> {
                    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "image/jpeg")
                            .putHeader(HttpHeaders.CACHE_CONTROL, IMMUTABLE)
                            .end(io.vertx.core.buffer.Buffer.buffer(jpeg));
                    return null;
                });
            });
        });
    }

    private static void send(RoutingContext ctx, String type, String cacheControl, String body) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type).putHeader(HttpHeaders.CACHE_CONTROL, cacheControl)
                .end(io.tributary.session.SessionUris.tag(body, io.tributary.playback.PlaybackAccess.query(ctx)));
    }

    /** A rendered playlist with a signed viewer's token on every URI (the cached rendering has none). */
    private static io.vertx.core.buffer.Buffer signed(RoutingContext ctx, io.vertx.core.buffer.Buffer playlist) {
        String token = io.tributary.playback.PlaybackAccess.query(ctx);
        return token.isEmpty() ? playlist : io.vertx.core.buffer.Buffer.buffer(
                io.tributary.session.SessionUris.tag(playlist.toString(java.nio.charset.StandardCharsets.UTF_8), token));
    }
}
