package io.tributary.db;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

/**
 * The node's PostgreSQL (the {@code pg.*} keys): the store of the DVR index, and later of the VOD
 * catalog, jobs and accounts.
 *
 * @param url      empty: an embedded PostgreSQL under {@code data-dir/pg}, started and stopped with
 *                 the node; else that server, e.g. {@code postgresql://user@127.0.0.1:5432/tributary}
 *                 (its database is created when missing and the user may)
 * @param poolSize connections the node holds at most
 */
public record PgSettings(String url, int poolSize) {

    public boolean embedded() {
        return url.isEmpty();
    }

    public static PgSettings from(Settings s) {
        Object v = s.optional("pg.url");
        String url = v == null ? "" : String.valueOf(v).trim();
        if (!url.isEmpty() && !url.matches("postgres(ql)?://\\S+")) {
            throw ConfigException.invalid("pg.url", "empty (embedded) or postgresql://[user[:password]@]host[:port]/database",
                    redacted(url));
        }
        return new PgSettings(url, s.integer("pg.pool-size", 1, 1000));
    }

    /** The URL without its password, for logs and errors. */
    public static String redacted(String url) {
        return url.replaceAll("://([^:@/]*):[^@/]*@", "://$1:***@");
    }
}
