package io.tributary.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Logger;

/**
 * Versioned schema migrations, applied at start-up: {@code db/migration/V{n}__{name}.sql} resources,
 * each applied once in order and recorded in {@code schema_version}. All of it runs in one
 * transaction under an advisory lock, so nodes starting together against one server migrate once.
 */
public final class Migrations {

    private static final Logger LOG = Logger.getLogger(Migrations.class.getName());

    /** Every migration in order; version n is the n-th. Append, never edit one that shipped. */
    static final List<String> FILES = List.of("V1__dvr.sql", "V2__vod.sql", "V3__channels.sql", "V4__vod_availability.sql",
            "V5__accounts.sql", "V6__ssai_creatives.sql", "V7__vod_encryption.sql",
            "V8__vod_conform_ladder.sql");

    /** Taken by every node migrating this database (any constant the other users of the server do not use). */
    static final long LOCK = 0x7472_6962_7574_6172L; // "tributar"

    private Migrations() {
    }

    /** Applies the missing migrations; gives the schema version now. */
    public static Future<Integer> apply(Pool pool) {
        return pool.withTransaction(conn -> conn.query("SET LOCAL client_min_messages = warning").execute() // no "exists, skipping"
                .compose(x -> conn.query("SELECT pg_advisory_xact_lock(" + LOCK + ")").execute())
                .compose(x -> conn.query("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                        + "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute())
                .compose(x -> conn.query("SELECT coalesce(max(version), 0) FROM schema_version").execute())
                .compose(rows -> from(conn, rows.iterator().next().getInteger(0))));
    }

    private static Future<Integer> from(SqlConnection conn, int current) {
        if (current > FILES.size()) {
            return Future.failedFuture(new IllegalStateException("the database has schema version " + current
                    + ", newer than this node knows (" + FILES.size() + "): a newer node migrated it"));
        }
        Future<Integer> chain = Future.succeededFuture(current);
        for (int v = current + 1; v <= FILES.size(); v++) {
            int version = v;
            String file = FILES.get(v - 1);
            chain = chain.compose(x -> conn.query(sql(file)).execute())
                    .compose(x -> conn.preparedQuery("INSERT INTO schema_version (version, name) VALUES ($1, $2)")
                            .execute(Tuple.of(version, file)))
                    .map(x -> {
                        LOG.info("schema migrated to version " + version + " (" + file + ")");
                        return version;
                    });
        }
        return chain;
    }

    static String sql(String file) {
        try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + file)) {
            if (in == null) {
                throw new IllegalStateException("migration " + file + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
