package io.tributary.testing;

import io.tributary.db.PgSettings;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.SqlClient;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The two PostgreSQL columns a store test runs on: the embedded server (under the test's data-dir)
 * and the external one the project machines run at 127.0.0.1:5432 (trust), a database of the
 * test's own created on it and dropped after; skipped with a message when nothing listens there.
 */
public final class PgServers {

    public static final String HOST = "127.0.0.1";
    public static final int PORT = 5432;

    private PgServers() {
    }

    public static boolean externalListening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, PORT), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Skips the calling test unless the external server listens; a fresh database name on it (not created yet). */
    public static String externalUrl() {
        Assumptions.assumeTrue(externalListening(),
                "no PostgreSQL listening on " + HOST + ":" + PORT + ": the external-server column is skipped");
        String db = "tributary_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        return "postgresql://postgres@" + HOST + ":" + PORT + "/" + db;
    }

    /** The settings of a column: "embedded" or "external". */
    public static PgSettings settings(String column) {
        return new PgSettings(column.equals("external") ? externalUrl() : "", 4);
    }

    /** Env overrides for a node on that column. */
    public static Map<String, String> env(String column) {
        return column.equals("external") ? Map.of("TRIBUTARY_PG_URL", externalUrl()) : Map.of();
    }

    /** Drops a test database of the external server (sessions left on it are ended). */
    public static void drop(String url) {
        if (url == null || url.isEmpty()) {
            return;
        }
        PgConnectOptions options = PgConnectOptions.fromUri(url);
        String db = options.getDatabase();
        if (!db.startsWith("tributary_test_")) {
            throw new IllegalArgumentException("not a test database: " + db);
        }
        Vertx vertx = Vertx.vertx();
        try {
            SqlClient c = PgBuilder.client().connectingTo(new PgConnectOptions(options).setDatabase("postgres")).using(vertx).build();
            c.query("DROP DATABASE IF EXISTS \"" + db + "\" WITH (FORCE)").execute().eventually(c::close)
                    .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not drop " + db, e);
        } finally {
            vertx.close();
        }
    }
}
