package io.tributary.vod;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The catalog and the job queue in PostgreSQL. Assets are rows with a full-text vector of title
 * and description; jobs are claimed one at a time with {@code FOR UPDATE SKIP LOCKED} (two workers
 * never get one job) and held by a lease the worker renews with its progress: a row whose lease
 * lapsed is claimable again until it used {@code max-attempts}, then it fails with the reason.
 */
final class VodCatalog {

    static final int PAGE_SIZE = 20;

    private static final String ASSET_COLUMNS = "id, title, description, tags, languages, available_from, available_until, state, "
            + "size, duration, renditions, error, created_at, updated_at, key_epoch";

    private final Pool pool;
    private static final String OPEN_NOW = "((available_from IS NULL OR available_from <= now()) "
            + "AND (available_until IS NULL OR available_until > now()))";

    VodCatalog(Pool pool) {
        this.pool = pool;
    }

    /**
     * A job as a worker holds it; {@code encrypted}: its asset is served with AES-128 (no DASH);
     * {@code ladder}: the ladder to conform it to, null for the VOD template.
     */
    record Claim(long job, String asset, String source, int attempts, boolean encrypted, ConformLadder ladder) {
    }

    /** A job that failed or ended without its worker: its asset, for the events. */
    record Ended(long job, String asset, String error) {
    }

    /** A clear asset: {@link #create(String, AssetMetadata, String, long, long)} with no key epoch. */
    Future<Long> create(String id, AssetMetadata m, String source, long size) {
        return create(id, m, source, size, 0);
    }

    /** Adds the asset and queues its job, in one transaction; gives the job id. {@code keyEpoch}: 0 for a clear asset. */
    Future<Long> create(String id, AssetMetadata m, String source, long size, long keyEpoch) {
        return create(id, m, source, size, keyEpoch, null);
    }

    /** As {@link #create(String, AssetMetadata, String, long, long)}, transcoded into {@code ladder} (null: the template). */
    Future<Long> create(String id, AssetMetadata m, String source, long size, long keyEpoch, ConformLadder ladder) {
        return pool.withTransaction(c -> c.preparedQuery("INSERT INTO vod_asset (id, title, description, tags, languages, "
                        + "available_from, available_until, state, source, size, key_epoch, conform_ladder) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, 'uploaded', $8, $9, $10, $11)")
                .execute(Tuple.from(new Object[] {id, m.title(), m.description(), m.tags().toArray(new String[0]),
                        m.languages().toArray(new String[0]), offset(m.availableFrom()), offset(m.availableUntil()), source, size,
                        keyEpoch == 0 ? null : keyEpoch, ladder == null ? null : ladder.toJson().encode()}))
                .compose(x -> c.preparedQuery("INSERT INTO vod_job (asset, state) VALUES ($1, 'queued') RETURNING id")
                        .execute(Tuple.of(id)))
                .map(rows -> rows.iterator().next().getLong(0)));
    }

    /** The asset with its latest job, if it exists. */
    Future<Optional<JsonObject>> asset(String id) {
        return pool.preparedQuery("SELECT " + ASSET_COLUMNS + " FROM vod_asset WHERE id = $1").execute(Tuple.of(id))
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.empty());
                    }
                    JsonObject asset = asset(rows.iterator().next());
                    return pool.preparedQuery("SELECT * FROM vod_job WHERE asset = $1 ORDER BY id DESC LIMIT 1").execute(Tuple.of(id))
                            .map(jobs -> {
                                if (jobs.size() > 0) {
                                    asset.put("job", job(jobs.iterator().next()));
                                }
                                return Optional.of(asset);
                            });
                });
    }

    /** The source file (relative to data-dir/vod) of an asset. */
    Future<Optional<String>> source(String id) {
        return pool.preparedQuery("SELECT source FROM vod_asset WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
    }

    /**
     * A page of assets: with {@code q}, ranked by full-text match (websearch syntax: words, "phrases",
     * -not, or); with {@code tag}, only assets carrying it; else newest first. {@code available}:
     * null for all, true for those whose window is open now, false for the others.
     */
    Future<JsonObject> search(String q, String tag, Boolean available, int page) {
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE true");
        if (q != null) {
            params.add(q);
            where.append(" AND search @@ websearch_to_tsquery('english', $").append(params.size()).append(')');
        }
        if (tag != null) {
            params.add(new String[] {tag});
            where.append(" AND tags @> $").append(params.size());
        }
        if (available != null) {
            where.append(available ? " AND " : " AND NOT ").append(OPEN_NOW);
        }
        String order = q != null ? " ORDER BY ts_rank(search, websearch_to_tsquery('english', $1)) DESC, created_at DESC, id"
                : " ORDER BY created_at DESC, id";
        params.add(PAGE_SIZE + 1);
        params.add((long) (page - 1) * PAGE_SIZE);
        String sql = "SELECT " + ASSET_COLUMNS + " FROM vod_asset" + where + order + " LIMIT $" + (params.size() - 1)
                + " OFFSET $" + params.size();
        return pool.preparedQuery(sql).execute(Tuple.wrap(params)).map(rows -> {
            JsonArray items = new JsonArray();
            for (Row r : rows) {
                if (items.size() < PAGE_SIZE) {
                    items.add(asset(r));
                }
            }
            return new JsonObject().put("page", page).put("pageSize", PAGE_SIZE).put("more", rows.size() > PAGE_SIZE)
                    .put("items", items);
        });
    }

    /**
     * Sets the fields the PATCH named (a window end given as null opens it); false when there is no
     * such asset. A window whose end would come before its start (with the other end as stored) is a 400.
     */
    Future<Boolean> update(String id, AssetMetadata m) {
        StringBuilder set = new StringBuilder("updated_at = now()");
        List<Object> params = new ArrayList<>();
        params.add(id);
        java.util.function.BiConsumer<String, Object> column = (name, value) -> {
            params.add(value);
            set.append(", ").append(name).append(" = $").append(params.size());
        };
        if (m.has("title")) {
            column.accept("title", m.title());
        }
        if (m.has("description")) {
            column.accept("description", m.description());
        }
        if (m.has("tags")) {
            column.accept("tags", m.tags().toArray(new String[0]));
        }
        if (m.has("languages")) {
            column.accept("languages", m.languages().toArray(new String[0]));
        }
        if (m.has("availableFrom")) {
            column.accept("available_from", offset(m.availableFrom()));
        }
        if (m.has("availableUntil")) {
            column.accept("available_until", offset(m.availableUntil()));
        }
        return pool.preparedQuery("UPDATE vod_asset SET " + set + " WHERE id = $1").execute(Tuple.wrap(params))
                .map(rows -> rows.rowCount() > 0)
                .recover(e -> Future.failedFuture(e instanceof io.vertx.pgclient.PgException pg && "23514".equals(pg.getSqlState())
                        ? io.tributary.StatusException.badRequest("availableUntil: after availableFrom (with the window's other end as stored)")
                        : e));
    }

    /** When asset {@code id} may be played, and whether encrypted: empty when there is no such asset. */
    Future<Optional<Playable>> playable(String id) {
        return pool.preparedQuery("SELECT available_from, available_until, key_epoch FROM vod_asset WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    Long epoch = r.getLong(2);
                    return Optional.of(new Playable(new AvailabilityWindow(instant(r.getOffsetDateTime(0)), instant(r.getOffsetDateTime(1))),
                            epoch == null ? 0 : epoch));
                });
    }

    private static java.time.OffsetDateTime offset(java.time.Instant i) {
        return i == null ? null : i.atOffset(java.time.ZoneOffset.UTC);
    }

    private static java.time.Instant instant(java.time.OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /** Deletes the asset and its jobs; gives its source file, empty when there was no such asset. */
    Future<Optional<String>> delete(String id) {
        return pool.preparedQuery("DELETE FROM vod_asset WHERE id = $1 RETURNING source").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
    }

    Future<Optional<JsonObject>> job(long id) {
        return pool.preparedQuery("SELECT * FROM vod_job WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(job(rows.iterator().next())));
    }

    /**
     * The jobs an operator watches: queued and running ones, and those that ended in the last ten
     * minutes; newest first, at most {@code max}, each with its asset's title.
     */
    Future<JsonArray> recentJobs(int max) {
        return pool.preparedQuery("SELECT j.*, a.title FROM vod_job j JOIN vod_asset a ON a.id = j.asset "
                        + "WHERE j.state IN ('queued', 'running') OR j.finished_at > now() - interval '10 minutes' "
                        + "ORDER BY j.id DESC LIMIT $1")
                .execute(Tuple.of(max)).map(rows -> {
                    JsonArray out = new JsonArray();
                    rows.forEach(r -> out.add(job(r).put("title", r.getString("title"))));
                    return out;
                });
    }

    /** Jobs waiting for a worker (lapsed leases not counted until claimed again). */
    Future<Long> queued() {
        return pool.query("SELECT count(*) FROM vod_job WHERE state = 'queued'").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Claims the oldest claimable job for {@code worker}: queued, or running on a lease that lapsed
     * (its worker died) with attempts left. Rows another claim holds are skipped, not waited for.
     */
    Future<Optional<Claim>> claim(String worker, long leaseMillis, int maxAttempts) {
        return claim(worker, null, leaseMillis, maxAttempts);
    }

    /** The same for job {@code job} only (a dispatched job): empty when it is not claimable now. */
    Future<Optional<Claim>> claim(String worker, long job, long leaseMillis, int maxAttempts) {
        return claim(worker, (Long) job, leaseMillis, maxAttempts);
    }

    private Future<Optional<Claim>> claim(String worker, Long job, long leaseMillis, int maxAttempts) {
        return pool.preparedQuery("UPDATE vod_job j SET state = 'running', attempts = j.attempts + 1, worker = $1, "
                        + "lease_until = now() + $2 * interval '1 millisecond', started_at = now(), percent = 0, media_done_ms = 0, "
                        + "speed = 0, eta_ms = NULL "
                        + "WHERE j.id = (SELECT id FROM vod_job WHERE (state = 'queued' OR state = 'running' AND lease_until < now()) "
                        + "AND attempts < $3 AND ($4::bigint IS NULL OR id = $4) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                        + "RETURNING j.id, j.asset, j.attempts, (SELECT source FROM vod_asset a WHERE a.id = j.asset), "
                        + "(SELECT key_epoch IS NOT NULL FROM vod_asset a WHERE a.id = j.asset), "
                        + "(SELECT conform_ladder FROM vod_asset a WHERE a.id = j.asset)")
                .execute(Tuple.of(worker, leaseMillis, maxAttempts, job))
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.<Claim>empty());
                    }
                    Row r = rows.iterator().next();
                    String ladder = r.getString(5);
                    Claim claim = new Claim(r.getLong(0), r.getString(1), r.getString(3), r.getInteger(2), Boolean.TRUE.equals(r.getBoolean(4)),
                            ladder == null ? null : ConformLadder.fromJson(new io.vertx.core.json.JsonObject(ladder)));
                    return pool.preparedQuery("UPDATE vod_asset SET state = 'processing', error = NULL, updated_at = now() WHERE id = $1")
                            .execute(Tuple.of(claim.asset())).map(x -> Optional.of(claim));
                });
    }

    /** Fails the jobs whose lease lapsed on their last attempt; gives them. */
    Future<List<Ended>> expire(int maxAttempts) {
        return pool.withTransaction(c -> c.preparedQuery("UPDATE vod_job SET state = 'failed', finished_at = now(), "
                        + "error = 'the worker stopped answering (lease lapsed) on each of ' || attempts || ' attempts' "
                        + "WHERE state = 'running' AND lease_until < now() AND attempts >= $1 RETURNING id, asset, error")
                .execute(Tuple.of(maxAttempts))
                .compose(rows -> {
                    List<Ended> ended = new ArrayList<>();
                    for (Row r : rows) {
                        ended.add(new Ended(r.getLong(0), r.getString(1), r.getString(2)));
                    }
                    Future<?> chain = Future.succeededFuture();
                    for (Ended e : ended) {
                        chain = chain.compose(x -> c.preparedQuery("UPDATE vod_asset SET state = 'failed', error = $2, "
                                + "updated_at = now() WHERE id = $1").execute(Tuple.of(e.asset(), e.error())));
                    }
                    return chain.map(x -> ended);
                }));
    }

    /** Renews the lease with the progress; false when the job is no longer this worker's (lapsed and reclaimed, deleted). */
    Future<Boolean> renew(long job, String worker, long leaseMillis, double percent, long mediaDoneMs, double speed, Long etaMs) {
        return pool.preparedQuery("UPDATE vod_job SET lease_until = now() + $3 * interval '1 millisecond', percent = $4, "
                        + "media_done_ms = $5, speed = $6, eta_ms = $7 WHERE id = $1 AND worker = $2 AND state = 'running'")
                .execute(Tuple.from(new Object[] {job, worker, leaseMillis, percent, mediaDoneMs, speed, etaMs}))
                .map(rows -> rows.rowCount() > 0);
    }

    /** The job is done and its asset published; false when the job was no longer this worker's. */
    Future<Boolean> finish(long job, String worker, String asset, double seconds, String renditions, double speed) {
        return pool.withTransaction(c -> c.preparedQuery("UPDATE vod_job SET state = 'done', percent = 100, eta_ms = 0, "
                        + "media_done_ms = $3, speed = $4, finished_at = now(), lease_until = NULL "
                        + "WHERE id = $1 AND worker = $2 AND state = 'running'")
                .execute(Tuple.of(job, worker, Math.round(seconds * 1000), speed))
                .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
                        : c.preparedQuery("UPDATE vod_asset SET state = 'ready', duration = $2, renditions = $3, error = NULL, "
                                + "updated_at = now() WHERE id = $1").execute(Tuple.of(asset, seconds, renditions))
                                .map(x -> true)));
    }

    /** The job failed for good (the input is not media, the pipeline broke). */
    Future<Boolean> fail(long job, String worker, String asset, String error) {
        return pool.withTransaction(c -> c.preparedQuery("UPDATE vod_job SET state = 'failed', error = $3, finished_at = now(), "
                        + "lease_until = NULL WHERE id = $1 AND worker = $2 AND state = 'running'")
                .execute(Tuple.of(job, worker, error))
                .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
                        : c.preparedQuery("UPDATE vod_asset SET state = 'failed', error = $2, updated_at = now() WHERE id = $1")
                                .execute(Tuple.of(asset, error)).map(x -> true)));
    }

    /** A worker stopping gives its job back to the queue; that attempt is not counted. */
    Future<Void> release(long job, String worker) {
        return pool.preparedQuery("UPDATE vod_job SET state = 'queued', attempts = greatest(attempts - 1, 0), worker = NULL, "
                        + "lease_until = NULL WHERE id = $1 AND worker = $2 AND state = 'running'")
                .execute(Tuple.of(job, worker)).mapEmpty();
    }

    private static JsonObject asset(Row r) {
        JsonObject o = metadata(new JsonObject().put("id", r.getString("id")), r.getString("title"), r.getString("description"),
                List.of(r.getArrayOfStrings("tags")), List.of(r.getArrayOfStrings("languages")),
                instant(r.getOffsetDateTime("available_from")), instant(r.getOffsetDateTime("available_until")))
                .put("state", r.getString("state")).put("size", r.getLong("size"))
                .put("createdAt", iso(r.getOffsetDateTime("created_at"))).put("updatedAt", iso(r.getOffsetDateTime("updated_at")));
        if (r.getDouble("duration") != null) {
            o.put("duration", r.getDouble("duration"));
        }
        String renditions = r.getString("renditions");
        if (renditions != null && !renditions.isEmpty()) {
            o.put("renditions", new JsonArray(List.of((Object[]) renditions.split(","))));
        }
        if (r.getString("error") != null) {
            o.put("error", r.getString("error"));
        }
        boolean encrypted = r.getLong("key_epoch") != null;
        o.put("encryption", encrypted ? "aes-128" : "none");
        if ("ready".equals(o.getString("state"))) {
            String base = "/vod/" + o.getString("id") + "/";
            o.put("hls", base + "index.m3u8").put("dash", base + "manifest.mpd") // encrypted: DASH ClearKey (VodCenc)
                    .put("poster", base + "poster.jpg").put("thumbnails", base + "thumbnails.vtt");
        }
        return o;
    }

    /** The editable fields as the API shows them, with {@code available}: whether the window is open now. */
    static JsonObject metadata(JsonObject o, String title, String description, List<String> tags, List<String> languages,
                               java.time.Instant from, java.time.Instant until) {
        o.put("title", title).put("description", description).put("tags", new JsonArray(tags))
                .put("languages", new JsonArray(languages));
        if (from != null) {
            o.put("availableFrom", from.toString());
        }
        if (until != null) {
            o.put("availableUntil", until.toString());
        }
        return o.put("available", new AvailabilityWindow(from, until).openAt(java.time.Instant.now()));
    }

    static JsonObject job(Row r) {
        JsonObject o = new JsonObject().put("id", r.getLong("id")).put("asset", r.getString("asset"))
                .put("state", r.getString("state")).put("attempts", r.getInteger("attempts"))
                .put("percent", Math.round(r.getDouble("percent") * 10) / 10.0)
                .put("mediaSecondsDone", r.getLong("media_done_ms") / 1000.0)
                .put("speed", Math.round(r.getDouble("speed") * 100) / 100.0)
                .put("createdAt", iso(r.getOffsetDateTime("created_at")));
        Long eta = r.getLong("eta_ms");
        if (eta != null) {
            o.put("etaSeconds", eta / 1000.0);
        }
        if (r.getString("error") != null) {
            o.put("error", r.getString("error"));
        }
        if (r.getOffsetDateTime("started_at") != null) {
            o.put("startedAt", iso(r.getOffsetDateTime("started_at")));
        }
        if (r.getOffsetDateTime("finished_at") != null) {
            o.put("finishedAt", iso(r.getOffsetDateTime("finished_at")));
        }
        return o;
    }

    private static String iso(OffsetDateTime t) {
        return t == null ? null : t.toInstant().toString();
    }
}
