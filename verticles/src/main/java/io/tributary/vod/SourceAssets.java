package io.tributary.vod;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog as another domain of the node uses it (server-side ad insertion): a media file that
 * domain fetched itself becomes an asset through the same job queue and workers as an upload, and
 * assets are looked up by id or tag. Nothing here is an HTTP route.
 */
public final class SourceAssets {

    private final Vertx vertx;
    private final VodModule vod;

    private SourceAssets(Vertx vertx, VodModule vod) {
        this.vertx = vertx;
        this.vod = vod;
    }

    /** The tag that puts an asset in the node's ad pool (SSAI); only a clear asset may carry it. */
    public static final String AD_TAG = "ad";

    public static SourceAssets of(Vertx vertx, VodModule vod) {
        return new SourceAssets(vertx, vod);
    }

    /** A new asset id and the file to write its source to before {@link #register} (a leftover is removed at start-up). */
    public record Staged(String id, Path file) {
    }

    public Future<Staged> stage() {
        String id = VodFiles.newId();
        return vertx.fileSystem().mkdirs(vod.files().uploads().toString()).map(x -> new Staged(id, vod.files().partial(id)));
    }

    /** Queues the staged source for the transcode workers as an asset with {@code title} and {@code tags}. */
    public Future<String> register(Staged staged, long size, String title, List<String> tags) {
        return register(staged, size, title, tags, null);
    }

    /** As {@link #register(Staged, long, String, List)}, transcoded into {@code ladder} exactly (null: the VOD template). */
    public Future<String> register(Staged staged, long size, String title, List<String> tags, ConformLadder ladder) {
        AssetMetadata meta = AssetMetadata.create(new JsonObject().put("title", title).put("tags", new JsonArray(tags)), title);
        return vertx.fileSystem().move(staged.file().toString(), vod.files().uploads().resolve(staged.id()).toString())
                .compose(x -> vod.catalog().create(staged.id(), meta, VodFiles.sourceName(staged.id()), size, 0, ladder)) // spliced: clear
                .map(job -> {
                    vertx.eventBus().publish(TranscodeWorker.WAKE, null); // with Kafka too: the workers' poll finds it either way
                    return staged.id();
                });
    }

    /**
     * The state ({@code uploaded}, {@code processing}, {@code ready}, {@code failed}) and duration of the clear
     * assets that exist: an encrypted one is absent here, so no ad decision (a VAST naming it) splices its files.
     */
    public Future<Map<String, Asset>> assets(List<String> ids) {
        if (ids.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        return vod.pool().preparedQuery("SELECT id, state, duration, renditions, (available_from IS NULL OR available_from <= now()) "
                        + "AND (available_until IS NULL OR available_until > now()) FROM vod_asset WHERE id = ANY($1) AND key_epoch IS NULL")
                .execute(Tuple.of(ids.toArray(new String[0])))
                .map(rows -> {
                    Map<String, Asset> out = new HashMap<>();
                    for (Row r : rows) {
                        out.put(r.getString(0), asset(r));
                    }
                    return out;
                });
    }

    /**
     * Up to {@code max} ready clear assets carrying {@code tag} whose window is open, newest first. Never an
     * encrypted one: the ad pool splices these files as they are on disk (and the API refuses tagging one
     * {@link #AD_TAG}; this keeps out any row from before that rule).
     */
    public Future<List<Asset>> ready(String tag, int max) {
        return vod.pool().preparedQuery("SELECT id, state, duration, renditions, true FROM vod_asset WHERE tags @> $1 AND state = 'ready' "
                        + "AND key_epoch IS NULL "
                        + "AND duration > 0 AND (available_from IS NULL OR available_from <= now()) "
                        + "AND (available_until IS NULL OR available_until > now()) ORDER BY created_at DESC, id LIMIT $2")
                .execute(Tuple.of(new String[] {tag}, max))
                .map(rows -> {
                    List<Asset> out = new ArrayList<>();
                    rows.forEach(r -> out.add(asset(r)));
                    return out;
                });
    }

    private static Asset asset(Row r) {
        Double d = r.getDouble(2);
        String renditions = r.getString(3);
        return new Asset(r.getString(0), r.getString(1), d == null ? 0 : Math.round(d * 1000),
                renditions == null || renditions.isEmpty() ? List.of() : List.of(renditions.split(",")), Boolean.TRUE.equals(r.getBoolean(4)));
    }

    /**
     * @param durationMs its media length once transcoded, else 0
     * @param renditions its rendition names in ladder order ({@code 1080p}, {@code 720p}, ...), once ready
     * @param available  whether its availability window is open now
     */
    public record Asset(String id, String state, long durationMs, List<String> renditions, boolean available) {

        public boolean playable() {
            return "ready".equals(state) && available && durationMs > 0;
        }
    }
}
