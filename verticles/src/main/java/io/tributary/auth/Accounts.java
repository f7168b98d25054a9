package io.tributary.auth;

import io.tributary.StatusException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** The PostgreSQL side of auth: accounts, refresh-token families, API keys, publish secrets, the audit log. */
public final class Accounts {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    /** PostgreSQL's unique_violation. */
    private static final String DUPLICATE = "23505";

    /** An account as stored. */
    public record Account(long id, String name, String passwordHash, Role role, String plan) {
    }

    /** What presenting a refresh token came to. */
    public record Refreshed(Account account, String family) {
    }

    /** An API key as stored. */
    public record ApiKey(String id, String name, byte[] hash, Role role) {
    }

    private final Pool pool;

    public Accounts(Pool pool) {
        this.pool = pool;
    }

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public Future<Optional<Account>> byName(String name) {
        return pool.preparedQuery("SELECT id, name, password_hash, role, plan FROM account WHERE name = $1")
                .execute(Tuple.of(name)).map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(account(rows.iterator().next())));
    }

    private static Account account(Row r) {
        return new Account(r.getLong("id"), r.getString("name"), r.getString("password_hash"), Role.parse(r.getString("role")),
                r.getString("plan"));
    }

    /** Creates an account; 409 when the name is taken. */
    public Future<Account> create(String name, String passwordHash, Role role, String plan) {
        return pool.preparedQuery("INSERT INTO account (name, password_hash, role, plan) VALUES ($1, $2, $3, $4) RETURNING id")
                .execute(Tuple.of(name, passwordHash, role.wire(), plan))
                .map(rows -> new Account(rows.iterator().next().getLong(0), name, passwordHash, role, plan))
                .recover(e -> Future.failedFuture(duplicate(e) ? StatusException.conflict("an account named '" + name + "' exists") : e));
    }

    public Future<Boolean> anyAdmin() {
        return pool.query("SELECT EXISTS (SELECT 1 FROM account WHERE role = 'admin')").execute()
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    public Future<JsonArray> list() {
        return pool.query("SELECT id, name, role, plan, created_at FROM account ORDER BY id LIMIT 1000").execute().map(rows -> {
            JsonArray out = new JsonArray();
            for (Row r : rows) {
                out.add(new JsonObject().put("id", String.valueOf(r.getLong("id"))).put("name", r.getString("name"))
                        .put("role", r.getString("role")).put("plan", r.getString("plan"))
                        .put("createdAt", r.getOffsetDateTime("created_at").toString()));
            }
            return out;
        });
    }

    // ---- refresh tokens ----

    /** Stores a new refresh token of {@code family} (null: a new family, at login). */
    public Future<Void> storeRefresh(String token, String family, long account, Duration ttl) {
        return pool.preparedQuery("INSERT INTO refresh_token (token_hash, family, account, expires_at) VALUES ($1, $2, $3, $4)")
                .execute(Tuple.of(Buffer.buffer(Tokens.sha256(token)), UUID.fromString(family), account,
                        OffsetDateTime.now(ZoneOffset.UTC).plus(ttl)))
                .mapEmpty();
    }

    /**
     * Uses {@code token} once: its account and family when it was live. A token used or revoked
     * before revokes its whole family (it was copied: whoever holds the newer one loses it too);
     * unknown or expired: 401.
     */
    public Future<Refreshed> useRefresh(String token) {
        Buffer hash = Buffer.buffer(Tokens.sha256(token));
        // a Refreshed when live, the family's id when used before, null when unknown
        return pool.<Object>withTransaction(conn -> conn.preparedQuery("UPDATE refresh_token SET used_at = now() "
                        + "WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING family, account")
                .execute(Tuple.of(hash)).compose(rows -> {
                    if (rows.size() == 1) {
                        Row r = rows.iterator().next();
                        String family = r.getUUID("family").toString();
                        return conn.preparedQuery("SELECT id, name, password_hash, role, plan FROM account WHERE id = $1")
                                .execute(Tuple.of(r.getLong("account")))
                                .map(acc -> acc.size() == 0 ? null : new Refreshed(account(acc.iterator().next()), family));
                    }
                    return conn.preparedQuery("SELECT family, used_at IS NOT NULL OR revoked_at IS NOT NULL FROM refresh_token "
                            + "WHERE token_hash = $1").execute(Tuple.of(hash)).map(found -> {
                                if (found.size() == 0) {
                                    return null;
                                }
                                Row row = found.iterator().next();
                                return row.getBoolean(1) ? row.getUUID(0).toString() : null;
                            });
                }))
                .compose(x -> {
                    if (x instanceof Refreshed r) {
                        return Future.succeededFuture(r);
                    }
                    if (x instanceof String family) {
                        return revokeFamily(family).compose(y -> Future.failedFuture(
                                AuthException.unauthorized("refresh token used before: every token of its login is revoked")));
                    }
                    return Future.failedFuture(AuthException.unauthorized("refresh token unknown or expired"));
                });
    }

    /** Revokes the family of {@code token} (logout); false when the token is unknown. */
    public Future<Boolean> revokeFamilyOf(String token) {
        return pool.preparedQuery("UPDATE refresh_token SET revoked_at = coalesce(revoked_at, now()) WHERE family = "
                        + "(SELECT family FROM refresh_token WHERE token_hash = $1)")
                .execute(Tuple.of(Buffer.buffer(Tokens.sha256(token)))).map(rows -> rows.rowCount() > 0);
    }

    private Future<Void> revokeFamily(String family) {
        return pool.preparedQuery("UPDATE refresh_token SET revoked_at = coalesce(revoked_at, now()) WHERE family = $1")
                .execute(Tuple.of(UUID.fromString(family))).mapEmpty();
    }

    /** Drops refresh tokens a day past expiry: nobody can present them any more. */
    public Future<Integer> purgeExpired() {
        return pool.query("DELETE FROM refresh_token WHERE expires_at < now() - interval '1 day'").execute().map(RowSet::rowCount);
    }

    // ---- API keys ----

    public Future<Void> storeApiKey(String id, String name, String secret, Role role, String createdBy) {
        return pool.preparedQuery("INSERT INTO api_key (id, name, key_hash, role, created_by) VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(id, name, Buffer.buffer(Tokens.sha256(secret)), role.wire(), createdBy)).mapEmpty();
    }

    /** A live (unrevoked) key by id. */
    public Future<Optional<ApiKey>> apiKey(String id) {
        return pool.preparedQuery("SELECT id, name, key_hash, role FROM api_key WHERE id = $1 AND revoked_at IS NULL")
                .execute(Tuple.of(id)).map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    return Optional.of(new ApiKey(r.getString("id"), r.getString("name"), r.getBuffer("key_hash").getBytes(),
                            Role.parse(r.getString("role"))));
                });
    }

    public Future<Boolean> revokeApiKey(String id) {
        return pool.preparedQuery("UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
                .execute(Tuple.of(id)).map(rows -> rows.rowCount() > 0);
    }

    public Future<JsonArray> apiKeys() {
        return pool.query("SELECT id, name, role, created_by, created_at FROM api_key WHERE revoked_at IS NULL ORDER BY created_at "
                + "LIMIT 1000").execute().map(rows -> {
                    JsonArray out = new JsonArray();
                    for (Row r : rows) {
                        out.add(new JsonObject().put("id", r.getString("id")).put("name", r.getString("name"))
                                .put("role", r.getString("role")).put("createdBy", r.getString("created_by"))
                                .put("createdAt", r.getOffsetDateTime("created_at").toString()));
                    }
                    return out;
                });
    }

    // ---- publish secrets ----

    /** Creates stream {@code name} with its secret's hash; 409 when it exists. */
    public Future<Void> createStream(String name, byte[] secretHash, String createdBy) {
        return pool.preparedQuery("INSERT INTO publish_stream (name, secret_hash, created_by) VALUES ($1, $2, $3)")
                .execute(Tuple.of(name, Buffer.buffer(secretHash), createdBy)).<Void>mapEmpty()
                .recover(e -> Future.failedFuture(duplicate(e) ? StatusException.conflict("stream '" + name + "' exists") : e));
    }

    /** Replaces the secret of {@code name}; false when there is no such stream. */
    public Future<Boolean> replaceSecret(String name, byte[] secretHash) {
        return pool.preparedQuery("UPDATE publish_stream SET secret_hash = $2 WHERE name = $1")
                .execute(Tuple.of(name, Buffer.buffer(secretHash))).map(rows -> rows.rowCount() > 0);
    }

    public Future<Map<String, byte[]>> streamSecrets() {
        return pool.query("SELECT name, secret_hash FROM publish_stream").execute().map(rows -> {
            Map<String, byte[]> out = new HashMap<>();
            for (Row r : rows) {
                out.put(r.getString(0), r.getBuffer(1).getBytes());
            }
            return out;
        });
    }

    // ---- audit ----

    public Future<Void> audit(String actor, String action, int outcome) {
        return pool.preparedQuery("INSERT INTO audit_log (actor, action, outcome) VALUES ($1, $2, $3)")
                .execute(Tuple.of(actor, action, outcome)).mapEmpty();
    }

    public Future<JsonArray> auditTrail(int limit) {
        return pool.preparedQuery("SELECT at, actor, action, outcome FROM audit_log ORDER BY id DESC LIMIT $1")
                .execute(Tuple.of(limit)).map(rows -> {
                    JsonArray out = new JsonArray();
                    for (Row r : rows) {
                        out.add(new JsonObject().put("at", r.getOffsetDateTime("at").toString()).put("actor", r.getString("actor"))
                                .put("action", r.getString("action")).put("outcome", r.getInteger("outcome")));
                    }
                    return out;
                });
    }

    private static boolean duplicate(Throwable e) {
        return e instanceof PgException pg && DUPLICATE.equals(pg.getSqlState());
    }
}
