package io.tributary.db;

import io.tributary.testing.PgServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's PostgreSQL on both columns: started or reached, database created, migrations applied once. */
class PostgresTest {

    @TempDir
    Path dataDir;
    private Vertx vertx;
    private String url;

    @BeforeEach
    void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        PgServers.drop(url);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "external"})
    void migrationsApplyOnceHoweverOftenAndConcurrentlyTheyRun(String column) throws Exception {
        PgSettings settings = PgServers.settings(column);
        url = settings.url();
        Postgres pg = await(Postgres.start(vertx, settings, dataDir));
        try {
            assertEquals(column.equals("embedded"), pg.embedded());
            if (pg.embedded()) {
                assertTrue(Files.isRegularFile(dataDir.resolve("pg/PG_VERSION")), "the embedded cluster lives under data-dir/pg");
            }
            assertEquals(Migrations.FILES.size(), await(Migrations.apply(pg.pool())));
            // four nodes starting together: one migrates, the others find it done
            List<Future<Integer>> together = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                together.add(Migrations.apply(pg.pool()));
            }
            await(Future.all(together));
            for (Future<Integer> f : together) {
                assertEquals(Migrations.FILES.size(), f.result());
            }
            List<Row> versions = new ArrayList<>();
            await(pg.pool().query("SELECT version, name FROM schema_version ORDER BY version").execute()).forEach(versions::add);
            assertEquals(Migrations.FILES.size(), versions.size(), "each migration recorded once");
            assertEquals("V1__dvr.sql", versions.get(0).getString(1));
            long tables = await(pg.pool().query("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                    + "('dvr_segment', 'dvr_init', 'dvr_rendition', 'dvr_node')").execute()).iterator().next().getLong(0);
            assertEquals(4, tables);
        } finally {
            await(pg.close());
        }
        // a second start on the same data (the embedded cluster kept, the external database there now) migrates nothing
        Postgres again = await(Postgres.start(vertx, settings, dataDir));
        try {
            long rows = await(again.pool().query("SELECT count(*) FROM schema_version").execute()).iterator().next().getLong(0);
            assertEquals(Migrations.FILES.size(), rows);
        } finally {
            await(again.close());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://postgres@127.0.0.1:5432/x", "postgres://u:secret@db:5432/tributary"})
    void passwordsStayOutOfLogs(String u) {
        assertTrue(!PgSettings.redacted(u).contains("secret"), PgSettings.redacted(u));
    }
}
