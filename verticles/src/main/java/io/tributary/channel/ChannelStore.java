package io.tributary.channel;

import io.tributary.StatusException;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Channels in PostgreSQL (table {@code channel}), and what the VOD catalog says of the assets
 * their schedules name.
 */
final class ChannelStore {

    /** A stored channel. */
    record Channel(String id, String title, Schedule schedule, List<String> renditions, Instant created, Instant updated) {
        /** For the list: what the channel is, without its entries (a schedule may have thousands). */
        JsonObject summary() {
            return new JsonObject().put("id", id).put("title", title).put("renditions", new JsonArray(List.copyOf(renditions)))
                    .put("live", "/live/" + id + "/index.m3u8").put("kind", schedule.kind().name().toLowerCase())
                    .put("entries", schedule.entries().size()).put("updatedAt", updated.toString());
        }

        JsonObject json() {
            return new JsonObject().put("id", id).put("title", title).put("renditions", new JsonArray(List.copyOf(renditions)))
                    .put("live", "/live/" + id + "/index.m3u8").put("play", "/play/" + id)
                    .put("createdAt", created.toString()).put("updatedAt", updated.toString())
                    .mergeIn(schedule.json());
        }
    }

    private final Pool pool;

    ChannelStore(Pool pool) {
        this.pool = pool;
    }

    /** Adds a channel; false when the id is taken. */
    Future<Boolean> create(String id, String title, Schedule schedule, List<String> renditions) {
        return pool.preparedQuery("INSERT INTO channel (id, title, schedule, renditions) VALUES ($1, $2, $3, $4) "
                        + "ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.of(id, title, stored(schedule), String.join(",", renditions)))
                .map(rows -> rows.rowCount() == 1);
    }

    Future<Boolean> update(String id, String title, Schedule schedule, List<String> renditions) {
        return pool.preparedQuery("UPDATE channel SET title = $2, schedule = $3, renditions = $4, updated_at = now() WHERE id = $1")
                .execute(Tuple.of(id, title, stored(schedule), String.join(",", renditions)))
                .map(rows -> rows.rowCount() == 1);
    }

    Future<Boolean> delete(String id) {
        return pool.preparedQuery("DELETE FROM channel WHERE id = $1").execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
    }

    Future<Long> count() {
        return pool.query("SELECT count(*) FROM channel").execute().map(rows -> rows.iterator().next().getLong(0));
    }

    Future<Optional<Channel>> get(String id) {
        return pool.preparedQuery("SELECT * FROM channel WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(channel(rows.iterator().next())));
    }

    /** Every channel, by id (bounded by channels.max-channels). */
    Future<List<Channel>> all() {
        return pool.query("SELECT * FROM channel ORDER BY id").execute().map(rows -> {
            List<Channel> out = new ArrayList<>();
            rows.forEach(r -> out.add(channel(r)));
            return out;
        });
    }

    /** What the catalog knows of {@code ids} (absent: not in the catalog; not ready: duration 0). */
    Future<Map<String, Schedule.Asset>> assets(List<String> ids) {
        return listings(ids).map(m -> {
            Map<String, Schedule.Asset> out = new HashMap<>();
            m.forEach((id, l) -> out.put(id, l.asset()));
            return out;
        });
    }

    /**
     * Fails with a 400 naming the first of {@code ids} that is AES-128 encrypted: a channel airs the clear files
     * as a live stream, which would play such an asset to anyone without its keys.
     */
    Future<Void> clearOnly(List<String> ids) {
        return pool.preparedQuery("SELECT id FROM vod_asset WHERE id = ANY($1) AND key_epoch IS NOT NULL ORDER BY id LIMIT 1")
                .execute(Tuple.of(ids.toArray(new String[0]))).compose(rows -> rows.size() == 0 ? Future.succeededFuture()
                        : Future.failedFuture(StatusException.badRequest("asset " + rows.iterator().next().getString(0)
                        + " is AES-128 encrypted: a channel airs its assets in the clear at /live/{channel}/, so it takes clear assets only")));
    }

    /** An asset as the playout sees it: what it is and when it may air ({@code from}/{@code until}: null is open). */
    record Listing(Schedule.Asset asset, Instant from, Instant until) {
        boolean openAt(long ms) {
            return (from == null || from.toEpochMilli() <= ms) && (until == null || ms < until.toEpochMilli());
        }
    }

    /** The catalog's rows for {@code ids}, with their availability windows (absent: deleted or never there). */
    Future<Map<String, Listing>> listings(List<String> ids) {
        return pool.preparedQuery("SELECT id, title, state, duration, renditions, available_from, available_until FROM vod_asset "
                        + "WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(new String[0]))).map(rows -> {
                    Map<String, Listing> out = new HashMap<>();
                    for (Row r : rows) {
                        boolean ready = "ready".equals(r.getString("state")) && r.getDouble("duration") != null;
                        List<String> video = new ArrayList<>();
                        boolean audio = false;
                        for (String name : r.getString("renditions").split(",")) {
                            if (name.equals("audio")) {
                                audio = true;
                            } else if (!name.isEmpty()) {
                                video.add(name);
                            }
                        }
                        long ms = ready ? Math.round(r.getDouble("duration") * 1000) : 0;
                        Schedule.Asset asset = new Schedule.Asset(r.getString("id"), r.getString("title"), ms,
                                ready ? List.copyOf(video) : List.of(), audio);
                        out.put(r.getString("id"), new Listing(asset, instant(r, "available_from"), instant(r, "available_until")));
                    }
                    return out;
                });
    }

    private static Instant instant(Row r, String column) {
        var t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    private static JsonObject stored(Schedule s) {
        return s.json().put("kind", s.kind().name().toLowerCase()).put("anchor", s.anchorMs());
    }

    private static Channel channel(Row r) {
        Object raw = r.getValue("schedule");
        JsonObject s = raw instanceof JsonObject j ? j : new JsonObject(String.valueOf(raw));
        Schedule.Kind kind = "grid".equals(s.getString("kind")) ? Schedule.Kind.GRID : Schedule.Kind.LOOP;
        JsonArray list = s.getJsonArray(kind == Schedule.Kind.GRID ? "grid" : "loop");
        List<Schedule.Entry> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonObject e = list.getJsonObject(i);
            long start = kind == Schedule.Kind.GRID ? Instant.parse(e.getString("start")).toEpochMilli() : 0;
            if (e.containsKey("break")) {
                entries.add(new Schedule.Entry(start, null, Math.round(e.getDouble("break") * 1000)));
            } else {
                long d = e.containsKey("duration") ? Math.round(e.getDouble("duration") * 1000) : 0;
                entries.add(new Schedule.Entry(start, e.getString("asset"), d));
            }
        }
        Schedule schedule = new Schedule(kind, List.copyOf(entries), s.getLong("anchor", 0L), s.getString("slate"));
        return new Channel(r.getString("id"), r.getString("title"), schedule,
                List.of(r.getString("renditions").split(",")), r.getOffsetDateTime("created_at").toInstant(),
                r.getOffsetDateTime("updated_at").toInstant());
    }
}
