package io.tributary.ssai;

import io.tributary.media.vast.VastMediaFile;
import io.tributary.media.vast.VastMediaPicker;
import io.tributary.vod.ConformLadder;
import io.tributary.vod.SourceAssets;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Ad creatives conditioned to the content: the first decision that meets a creative id claims it
 * in {@code ssai_creatives} (one node of the cluster does), fetches its best media file once
 * (bounded in bytes and time) and gives it to the VOD pipeline as an asset tagged
 * {@code ad-creative}; the asset's renditions are what the splice plays. A decision for a stream
 * with a ladder conditions the creative to that ladder exactly ({@link ConformLadder}: its rung
 * names, sizes, bitrates, frame rate and timescale): the row's key is the creative's with the
 * ladder's signature, so streams with different ladders each get their own copy, and streams with
 * equal ones share it. Until that asset is
 * ready the creative is left out of pods. A creative whose conditioning failed is tried again
 * after {@link #RETRY_AFTER_MINUTES} minutes. The ad server hears of a failure once, at the error
 * URLs of the decision that started the conditioning: 401 when its media file is refused by the
 * node's {@link AdAddressPolicy}, 405 when it could not be fetched or its transcode failed later.
 */
final class AdCreatives {

    private static final Logger LOG = Logger.getLogger(AdCreatives.class.getName());
    static final String TAG = "ad-creative";
    static final long MAX_BYTES = 256L << 20;
    static final long FETCH_TIMEOUT_MS = 60_000;
    static final int RETRY_AFTER_MINUTES = 10;
    /** Creatives one node conditions at once; more wait for a later decision. */
    static final int MAX_PENDING = 64;
    static final int MAX_READY_CACHE = 10_000;

    /** A playable creative: the asset holding it and its media length. */
    record Ready(String assetId, long durationMs) {
    }

    private final Vertx vertx;
    private final Pool pool;
    private final SourceAssets assets;
    private final HttpClient client;
    private final AdUrlGuard guard;
    private final AdBeacons beacons;
    private final int targetHeight;
    /** Creative id -> its asset, once ready (a ready asset never changes: a new upload is a new id). */
    private final Map<String, Ready> ready = new ConcurrentHashMap<>();
    /** Creative ids this node is conditioning. */
    private final Map<String, Conditioning> pending = new ConcurrentHashMap<>();

    /** A creative this node conditions: its asset once registered ("" while fetching), and who hears of a failure. */
    private record Conditioning(String assetId, List<String> errorUrls, String session) {

        Conditioning registered(String asset) {
            return new Conditioning(asset, errorUrls, session);
        }
    }
    private final long sweep;
    /** When this node last asked the table about a creative that is not ready: not again for {@link #ASK_AGAIN_MS}. */
    private final Map<String, Long> asked = new ConcurrentHashMap<>();
    static final long ASK_AGAIN_MS = 30_000;

    AdCreatives(Vertx vertx, Pool pool, SourceAssets assets, int targetHeight, AdMetrics metrics, AdAddressPolicy addresses,
                AdBeacons beacons) {
        this.vertx = vertx;
        this.pool = pool;
        this.assets = assets;
        this.targetHeight = targetHeight;
        this.beacons = beacons;
        this.guard = new AdUrlGuard(vertx, addresses, metrics, "media", FETCH_TIMEOUT_MS);
        this.client = guard.client(new HttpClientOptions().setConnectTimeout(10_000).setMaxRedirects(3), new PoolOptions());
        metrics.pending(pending::size);
        // a creative nobody asks for again still leaves the pending count once its asset is done
        this.sweep = vertx.setPeriodic(5000, t -> lookup(List.copyOf(pending.keySet())));
    }

    /** Catalog assets the built-in server offered, as seen at most {@link #OWN_TTL_MS} ago. */
    private final Map<String, Seen> own = new ConcurrentHashMap<>();
    static final long OWN_TTL_MS = 5000;

    private record Seen(SourceAssets.Asset asset, long atMs) {
    }

    /**
     * The built-in server's ads (catalog assets, conditioned already) that exist, from a short-lived
     * cache: a decision does not ask the catalog again for the pool it was just answered from.
     */
    Future<Map<String, SourceAssets.Asset>> catalogAds(List<String> ids) {
        long now = System.currentTimeMillis();
        Map<String, SourceAssets.Asset> out = new java.util.HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            Seen s = own.get(id);
            if (s != null && now - s.atMs() < OWN_TTL_MS) {
                out.put(id, s.asset());
            } else {
                missing.add(id);
            }
        }
        if (missing.isEmpty()) {
            return Future.succeededFuture(out);
        }
        return assets.assets(missing).map(found -> {
            if (own.size() > MAX_READY_CACHE) {
                own.clear();
            }
            found.forEach((id, a) -> own.put(id, new Seen(a, now)));
            out.putAll(found);
            return out;
        });
    }

    /** The creative's key: the ad server's creative id, or one made from the ad system, ad id and media URL. */
    static String key(VastResolver.Inline in) {
        String id = in.linear().creativeId();
        String raw = id.isEmpty() ? in.ad().adSystem() + "|" + in.ad().id() + "|" + firstUrl(in) : in.ad().adSystem() + "|" + id;
        if (raw.length() <= 200) {
            return raw;
        }
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key of the creative's copy conditioned to {@code ladder} (null: the VOD template's, the plain key). */
    static String key(VastResolver.Inline in, ConformLadder ladder) {
        return ladder == null ? key(in) : key(in) + "@" + ladder.signature();
    }

    /** The height the media file to fetch should cover: the ladder's top rung, else the node's. */
    int targetHeight(ConformLadder ladder) {
        return ladder == null ? targetHeight : ladder.topHeight();
    }

    private static String firstUrl(VastResolver.Inline in) {
        return in.linear().mediaFiles().isEmpty() ? "" : in.linear().mediaFiles().get(0).url();
    }

    /** The ready creatives among {@code keys}. */
    Future<Map<String, Ready>> lookup(List<String> keys) {
        Map<String, Ready> out = new ConcurrentHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String k : keys) {
            Ready r = ready.get(k);
            if (r != null) {
                out.put(k, r);
            } else {
                unknown.add(k);
            }
        }
        if (unknown.isEmpty()) {
            return Future.succeededFuture(out);
        }
        return pool.preparedQuery("SELECT creative_id, asset_id FROM ssai_creatives WHERE creative_id = ANY($1) AND asset_id IS NOT NULL")
                .execute(Tuple.of(unknown.toArray(new String[0])))
                .compose(rows -> {
                    Map<String, String> assetOf = new java.util.HashMap<>();
                    for (Row r : rows) {
                        assetOf.put(r.getString(1), r.getString(0));
                    }
                    return assets.assets(List.copyOf(assetOf.keySet())).map(found -> {
                        assetOf.forEach((assetId, creative) -> {
                            SourceAssets.Asset a = found.get(assetId);
                            if (a == null || "failed".equals(a.state())) {
                                // transcode failed or the asset was deleted: claimable again after the retry delay
                                Conditioning mine = pending.get(creative);
                                if (mine != null && assetId.equals(mine.assetId()) && pending.remove(creative, mine)) {
                                    // this node started it: the ad server hears of it, once (VAST 405: the file could not be used)
                                    beacons.send(mine.errorUrls(), "error:405", null, mine.session());
                                }
                                pool.preparedQuery("UPDATE ssai_creatives SET state = 'failed', error = $2, updated_at = now() "
                                        + "WHERE creative_id = $1 AND asset_id = $3 AND state <> 'failed'")
                                        .execute(Tuple.of(creative, a == null ? "the asset was deleted" : "the transcode failed", assetId));
                            }
                        });
                        found.forEach((assetId, a) -> {
                            String creative = assetOf.get(assetId);
                            if (a.playable()) {
                                Ready r = new Ready(assetId, a.durationMs());
                                if (ready.size() < MAX_READY_CACHE) {
                                    ready.put(creative, r);
                                }
                                out.put(creative, r);
                                pending.remove(creative);
                            }
                        });
                        return out;
                    });
                });
    }

    /**
     * Starts conditioning the creatives that have no row yet (or whose last try failed long enough
     * ago), each on the node that claims it; returns at once.
     */
    void condition(List<VastResolver.Inline> ads, Map<String, Ready> known, String session, ConformLadder ladder) {
        for (VastResolver.Inline in : ads) {
            String key = key(in, ladder);
            if (known.containsKey(key) || pending.size() >= MAX_PENDING) {
                continue;
            }
            Optional<VastMediaFile> file = VastMediaPicker.best(in.linear().mediaFiles(), targetHeight(ladder), 0);
            long now = System.currentTimeMillis();
            Long tried = asked.get(key);
            if (file.isEmpty() || tried != null && now - tried < ASK_AGAIN_MS
                    || pending.putIfAbsent(key, new Conditioning("", in.errors(), session)) != null) {
                continue; // nothing to fetch (the decision sent VAST 403), asked lately, or this node is on it already
            }
            if (asked.size() >= MAX_READY_CACHE) {
                asked.clear();
            }
            asked.put(key, now);
            claim(key, file.get().url()).compose(mine -> mine ? fetch(key, file.get().url(), ladder) : Future.succeededFuture())
                    .onFailure(e -> {
                        pending.remove(key);
                        if (!(e instanceof AdUrlGuard.Refused)) { // a refusal is logged by the guard, once per host
                            LOG.warning("creative " + key + " not conditioned: " + e.getMessage());
                        }
                        pool.preparedQuery("UPDATE ssai_creatives SET state = 'failed', error = $2, updated_at = now() WHERE creative_id = $1")
                                .execute(Tuple.of(key, brief(e.getMessage())));
                        // the ad server hears of it: its file was refused (VAST 401: not found at its URI) or could not be fetched (405)
                        beacons.send(in.errors(), e instanceof AdUrlGuard.Refused ? "error:401" : "error:405", null, session);
                    })
                    .onSuccess(x -> {
                        Conditioning c = pending.get(key);
                        if (c != null && c.assetId().isEmpty()) {
                            pending.remove(key); // another node has it
                        }
                    });
        }
    }

    /** True when this node now holds the creative's conditioning. */
    private Future<Boolean> claim(String key, String url) {
        return pool.preparedQuery("INSERT INTO ssai_creatives (creative_id, media_url) VALUES ($1, $2) ON CONFLICT (creative_id) DO UPDATE "
                        + "SET state = 'fetching', media_url = $2, asset_id = NULL, error = NULL, updated_at = now() "
                        + "WHERE ssai_creatives.state = 'failed' AND ssai_creatives.updated_at < now() - $3 * interval '1 minute' "
                        + "RETURNING creative_id")
                .execute(Tuple.of(key, url, RETURN_MINUTES)).map(rows -> rows.size() > 0);
    }

    private static final int RETURN_MINUTES = RETRY_AFTER_MINUTES;

    private Future<Void> fetch(String key, String url, ConformLadder ladder) {
        return assets.stage().compose(staged -> download(url, staged.file().toString())
                .compose(size -> assets.register(staged, size, "ad creative " + brief(key), List.of(TAG), ladder))
                .onFailure(e -> vertx.fileSystem().delete(staged.file().toString()).otherwiseEmpty()))
                .compose(assetId -> {
                    pending.computeIfPresent(key, (k, c) -> c.registered(assetId));
                    LOG.info("creative " + key + " fetched from " + url + ", conditioning as asset " + assetId);
                    return pool.preparedQuery("UPDATE ssai_creatives SET asset_id = $2, state = 'conditioning', updated_at = now() "
                            + "WHERE creative_id = $1").execute(Tuple.of(key, assetId)).mapEmpty();
                });
    }

    /** Streams {@code url} to {@code path}; at most {@link #MAX_BYTES}, within {@link #FETCH_TIMEOUT_MS}. */
    private Future<Long> download(String url, String path) {
        Promise<Long> done = Promise.promise();
        long timer = vertx.setTimer(FETCH_TIMEOUT_MS, t -> done.tryFail("no complete answer within " + FETCH_TIMEOUT_MS + " ms"));
        vertx.fileSystem().open(path, new OpenOptions().setWrite(true).setCreateNew(true)).onFailure(done::tryFail).onSuccess(file -> {
            done.future().onComplete(x -> file.close());
            guard.get(url, false).map(o -> o.setIdleTimeout(FETCH_TIMEOUT_MS)).compose(client::request).compose(req -> {
                done.future().onFailure(e -> req.reset());
                return req.send();
            }).onSuccess(res -> {
                if (res.statusCode() / 100 != 2) {
                    done.tryFail("HTTP " + res.statusCode() + " for the media file");
                    return;
                }
                long[] size = {0};
                res.pipe().endOnComplete(false).to(new io.vertx.core.streams.WriteStream<>() {
                    @Override
                    public io.vertx.core.streams.WriteStream<io.vertx.core.buffer.Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> h) {
                        file.exceptionHandler(h);
                        return this;
                    }

                    @Override
                    public Future<Void> write(io.vertx.core.buffer.Buffer data) {
                        size[0] += data.length();
                        if (size[0] > MAX_BYTES) {
                            done.tryFail("the media file is over " + MAX_BYTES + " bytes");
                            return Future.failedFuture("too large");
                        }
                        return file.write(data);
                    }

                    @Override
                    public Future<Void> end() {
                        return Future.succeededFuture();
                    }

                    @Override
                    public io.vertx.core.streams.WriteStream<io.vertx.core.buffer.Buffer> setWriteQueueMaxSize(int maxSize) {
                        file.setWriteQueueMaxSize(maxSize);
                        return this;
                    }

                    @Override
                    public boolean writeQueueFull() {
                        return file.writeQueueFull();
                    }

                    @Override
                    public io.vertx.core.streams.WriteStream<io.vertx.core.buffer.Buffer> drainHandler(io.vertx.core.Handler<Void> h) {
                        file.drainHandler(h);
                        return this;
                    }
                }).onSuccess(x -> file.flush().onComplete(f -> {
                    if (size[0] == 0) {
                        done.tryFail("the media file is empty (HTTP " + res.statusCode() + ")");
                    } else {
                        done.tryComplete(size[0]);
                    }
                })).onFailure(e -> done.tryFail(e));
            }).onFailure(done::tryFail);
        });
        return done.future().onComplete(x -> vertx.cancelTimer(timer));
    }

    private static String brief(String s) {
        String t = String.valueOf(s);
        return t.length() > 200 ? t.substring(0, 200) : t;
    }

    Future<Void> close() {
        vertx.cancelTimer(sweep);
        return client.close();
    }
}
