package io.tributary.db;

import io.tributary.testing.PgServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void aServerLeftRunningByAKilledNodeIsStoppedAndTheDataKept() throws Exception {
        Path dir = dataDir.resolve("pg");
        Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), OrphanPostgres.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        long orphan = -1;
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("up ")) {
                // the child's logging
            }
            assertTrue(line != null, "the child started its server");
            orphan = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
            node.destroyForcibly(); // SIGKILL: no shutdown hook runs, the server stays
            node.waitFor(10, TimeUnit.SECONDS);
            assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false), "the server outlived its node");

            Postgres pg = await(Postgres.start(vertx, new PgSettings("", 2), dataDir));
            try {
                assertFalse(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false), "the orphan was stopped");
                assertEquals(Migrations.FILES.size(), await(pg.pool().query("SELECT count(*) FROM schema_version").execute()).iterator().next().getLong(0));
            } finally {
                await(pg.close());
            }
        } finally {
            node.destroyForcibly();
            if (orphan > 0) {
                ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly); // the server this test started, if still there
            }
        }
    }

    @Test
    void anOrphanIsOnlyAServerOfThisDirectory() {
        Path dir = Path.of("/data/node1/pg");
        Path cwd = Path.of("/data");
        assertTrue(Postgres.Launch.namesDataDirectory(List.of("/tmp/pg/bin/postgres", "-D", "/data/node1/pg", "-p", "5433"), cwd, dir));
        assertTrue(Postgres.Launch.namesDataDirectory(List.of("postgres", "-D/data/node1/./pg/"), cwd, dir));
        assertTrue(Postgres.Launch.namesDataDirectory(List.of("postgres", "-D", "node1/pg"), cwd, dir));
        // the system's server that a stale postmaster.pid's PID may now be
        assertFalse(Postgres.Launch.namesDataDirectory(List.of("/usr/lib/postgresql/15/bin/postgres", "-D",
                "/var/lib/postgresql/15/main", "-c", "config_file=/etc/postgresql/15/main/postgresql.conf"), cwd, dir));
        assertFalse(Postgres.Launch.namesDataDirectory(List.of("postgres", "-D", "/data/node1/pg2"), cwd, dir));
        assertFalse(Postgres.Launch.namesDataDirectory(List.of("postgres: 15/main: checkpointer"), cwd, dir));
        assertFalse(Postgres.Launch.namesDataDirectory(List.of("postgres", "-D"), cwd, dir));
        // this JVM is no postgres of any directory
        assertFalse(Postgres.Launch.servesDirectory(ProcessHandle.current().pid(), dir));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://postgres@127.0.0.1:5432/x", "postgres://u:secret@db:5432/tributary"})
    void passwordsStayOutOfLogs(String u) {
        assertTrue(!PgSettings.redacted(u).contains("secret"), PgSettings.redacted(u));
    }
}
