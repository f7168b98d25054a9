package io.tributary.bench.edge;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A player at the live edge, one request at a time like a real one: an LL-HLS part player
 * (blocking reload with {@code _HLS_msn} and {@code _HLS_part}, then the new parts) or a
 * segment player (blocking reload with {@code _HLS_msn}, then the new segment). It records
 * every distinct object and reload it asked for, so the origin's request count can be
 * divided by the number of distinct objects.
 */
final class LivePlayer {

    /** What all players of a run share: the client, the distinct names, the tallies. */
    static final class Shared {
        final HttpClientAgent client;
        final int port;
        final String base; // /live/KEY/RENDITION/
        final Set<String> parts = ConcurrentHashMap.newKeySet();
        final Set<String> segments = ConcurrentHashMap.newKeySet();
        final Set<String> inits = ConcurrentHashMap.newKeySet();
        final Set<String> reloads = ConcurrentHashMap.newKeySet();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final Set<String> errorSamples = ConcurrentHashMap.newKeySet();

        Shared(HttpClientAgent client, int port, String base) {
            this.client = client;
            this.port = port;
            this.base = base;
        }
    }

    private final Shared shared;
    private final boolean partPlayer;
    private final long deadlineNanos;
    private long msn;
    private int part;

    LivePlayer(Shared shared, boolean partPlayer, long deadlineNanos) {
        this.shared = shared;
        this.partPlayer = partPlayer;
        this.deadlineNanos = deadlineNanos;
    }

    /** Plays until the deadline; completes when the player stopped (never fails: errors are counted). */
    Future<Void> play() {
        shared.reloads.add("index.m3u8");
        return get(shared.base + "index.m3u8").compose(body -> {
            Playlist pl = Playlist.parse(body.toString());
            if (partPlayer) {
                Playlist.Segment open = pl.segments.get(pl.lastMsn());
                if (open != null && !open.complete) {
                    msn = open.msn;
                    part = open.parts.size();
                } else {
                    msn = pl.lastMsn() + 1;
                    part = 0;
                }
            } else {
                msn = pl.lastCompleteMsn() + 1;
            }
            if (pl.init == null) {
                return Future.failedFuture(new IllegalStateException("no EXT-X-MAP in\n" + body));
            }
            shared.inits.add(pl.init);
            return get(shared.base + pl.init).compose(x -> loop());
        }).otherwiseEmpty().mapEmpty();
    }

    private Future<Void> loop() {
        if (System.nanoTime() > deadlineNanos) {
            return Future.succeededFuture();
        }
        String reload = "index.m3u8?_HLS_msn=" + msn + (partPlayer ? "&_HLS_part=" + part : "");
        shared.reloads.add(reload);
        return get(shared.base + reload).compose(body -> fetchNew(Playlist.parse(body.toString()))).compose(x -> loop());
    }

    /** Fetches, in order, what the reloaded playlist holds beyond what this player has. */
    private Future<Void> fetchNew(Playlist pl) {
        List<String> todo = new ArrayList<>();
        while (true) {
            Playlist.Segment s = pl.segments.get(msn);
            if (s == null) {
                break;
            }
            if (partPlayer && part < s.parts.size()) {
                String p = s.parts.get(part++);
                shared.parts.add(p);
                todo.add(p);
            } else if (s.complete) {
                if (!partPlayer) {
                    shared.segments.add(s.uri);
                    todo.add(s.uri);
                }
                msn++;
                part = 0;
            } else {
                break;
            }
        }
        Future<Void> f = Future.succeededFuture();
        for (String uri : todo) {
            f = f.compose(x -> get(shared.base + uri)).mapEmpty();
        }
        return f;
    }

    private Future<Buffer> get(String uri) {
        shared.requests.incrementAndGet();
        return shared.client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                        .setPort(shared.port).setURI(uri).setIdleTimeout(15_000))
                .compose(req -> req.send())
                .compose(resp -> resp.body().compose(b -> {
                    if (resp.statusCode() != 200) {
                        return Future.failedFuture(new IllegalStateException(resp.statusCode() + " " + uri + ": " + b));
                    }
                    shared.bytes.addAndGet(b.length());
                    return Future.succeededFuture(b);
                }))
                .onFailure(e -> {
                    shared.errors.incrementAndGet();
                    if (shared.errorSamples.size() < 5) {
                        shared.errorSamples.add(String.valueOf(e.getMessage()).trim());
                    }
                });
    }

    /** Just enough of a media playlist: segments by msn with their parts, the open one last. */
    static final class Playlist {
        record Segment(long msn, List<String> parts, String uri, boolean complete) {
        }

        final Map<Long, Segment> segments = new LinkedHashMap<>();
        String init;
        long first;

        long lastMsn() {
            return first + segments.size() - 1;
        }

        long lastCompleteMsn() {
            Segment last = segments.get(lastMsn());
            return last != null && !last.complete ? lastMsn() - 1 : lastMsn();
        }

        static Playlist parse(String text) {
            Playlist pl = new Playlist();
            long msn = -1;
            List<String> parts = new ArrayList<>();
            boolean nextIsSegment = false;
            for (String line : text.split("\n")) {
                if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
                    msn = Long.parseLong(line.substring(22).trim());
                    pl.first = msn;
                } else if (line.startsWith("#EXT-X-SKIP:")) {
                    throw new IllegalStateException("delta playlist not asked for");
                } else if (line.startsWith("#EXT-X-MAP:") && pl.init == null) {
                    pl.init = attr(line, "URI");
                } else if (line.startsWith("#EXT-X-PART:")) {
                    parts.add(attr(line, "URI"));
                } else if (line.startsWith("#EXTINF:")) {
                    nextIsSegment = true;
                } else if (nextIsSegment && !line.isEmpty() && !line.startsWith("#")) {
                    pl.segments.put(msn, new Segment(msn, parts, strip(line), true));
                    msn++;
                    parts = new ArrayList<>();
                    nextIsSegment = false;
                }
            }
            if (!parts.isEmpty()) {
                pl.segments.put(msn, new Segment(msn, parts, null, false));
            }
            return pl;
        }

        private static String attr(String line, String name) {
            int i = line.indexOf(name + "=\"");
            if (i < 0) {
                throw new IllegalStateException("no " + name + " in " + line);
            }
            int from = i + name.length() + 2;
            return strip(line.substring(from, line.indexOf('"', from)));
        }

        private static String strip(String uri) {
            int q = uri.indexOf('?');
            return q < 0 ? uri : uri.substring(0, q);
        }
    }
}
