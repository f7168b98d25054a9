package io.tributary.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The node's PostgreSQL: a pool of the Vert.x PG client on the configured server, or on an
 * embedded one under {@code data-dir/pg} that lives as long as the node; the schema migrated
 * before anything uses it ({@link Migrations}).
 */
public final class Postgres {

    private static final Logger LOG = Logger.getLogger(Postgres.class.getName());

    private final Vertx vertx;
    private final Pool pool;
    /** Null on an external server. */
    private final EmbeddedPostgres embedded;
    private final String description;

    private Postgres(Vertx vertx, Pool pool, EmbeddedPostgres embedded, String description) {
        this.vertx = vertx;
        this.pool = pool;
        this.embedded = embedded;
        this.description = description;
    }

    /**
     * An embedded server starting on a thread of its own, before the node has Vert.x: initdb and the
     * start take seconds, as long as joining the cluster, so the two overlap. {@link #start} takes it
     * over; until then {@link #abandon()} stops it (a node start that failed first).
     */
    public static final class Launch {

        private final Path dir;
        private final CompletableFuture<EmbeddedPostgres> server = new CompletableFuture<>();
        private final AtomicBoolean taken = new AtomicBoolean();

        private Launch(Path dataDir) {
            dir = dataDir.resolve("pg").toAbsolutePath();
            Thread t = new Thread(() -> {
                try {
                    Files.createDirectories(dir);
                    stopOrphan(dir);
                    server.complete(EmbeddedPostgres.builder().setDataDirectory(dir.toFile()).setCleanDataDirectory(false).start());
                } catch (Throwable e) {
                    server.completeExceptionally(e);
                }
            }, "embedded-postgres-start");
            t.setDaemon(true);
            t.start();
        }

        /**
         * A node killed outright (SIGKILL, OOM) leaves its embedded server running on the data, and a
         * new one could not start there: the server named in {@code postmaster.pid} is stopped first,
         * if it is a postgres process (it serves nobody: the node it served is gone, and only a node
         * of this data-dir starts one here: the start takes a file lock in it).
         */
        static void stopOrphan(Path dir) {
            Path pidFile = dir.resolve("postmaster.pid");
            long pid;
            try {
                if (!Files.isRegularFile(pidFile)) {
                    return;
                }
                pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            } catch (IOException | RuntimeException e) {
                return; // unreadable: the server's own start decides
            }
            // a stale file's PID may since be another server (the system's): only one started on this directory is ours
            ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
                    .filter(p -> servesDirectory(pid, dir))
                    .ifPresent(p -> {
                        LOG.warning("an embedded PostgreSQL (pid " + pid + ") outlived its node on " + dir + ": stopping it");
                        p.destroy(); // SIGTERM: a smart shutdown, and it has no clients left
                        try {
                            p.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (Exception e) {
                            p.destroyForcibly();
                        }
                    });
        }

        /** Whether process {@code pid}'s command line names {@code dir} as its data directory ({@code -D dir}); false when unreadable. */
        static boolean servesDirectory(long pid, Path dir) {
            try {
                Path proc = Path.of("/proc", Long.toString(pid));
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8);
                return namesDataDirectory(java.util.Arrays.asList(cmdline.split("\0")), proc.resolve("cwd").toRealPath(), dir);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        /** Whether {@code args} (a postgres command line) give {@code dir} to {@code -D}; a relative one is taken from {@code cwd}. */
        static boolean namesDataDirectory(java.util.List<String> args, Path cwd, Path dir) {
            Path want = dir.toAbsolutePath().normalize();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                String value = a.equals("-D") && i + 1 < args.size() ? args.get(i + 1)
                        : a.startsWith("-D") && a.length() > 2 ? a.substring(2) : null;
                if (value != null && !value.isEmpty() && cwd.resolve(value).normalize().equals(want)) {
                    return true;
                }
            }
            return false;
        }

        /** Stops the server unless {@link #start} took it. */
        public void abandon() {
            if (taken.compareAndSet(false, true)) {
                server.thenAccept(pg -> {
                    try {
                        pg.close();
                    } catch (IOException e) {
                        LOG.warning("embedded PostgreSQL did not stop cleanly: " + e.getMessage());
                    }
                });
            }
        }
    }

    /** Starts the embedded server of {@code settings} now, when it has one (null for an external server). */
    public static Launch launch(PgSettings settings, Path dataDir) {
        return settings.embedded() ? new Launch(dataDir) : null;
    }

    /** Starts (embedded) or reaches (external) the server, creates the database when missing, migrates the schema. */
    public static Future<Postgres> start(Vertx vertx, PgSettings settings, Path dataDir) {
        return start(vertx, settings, dataDir, launch(settings, dataDir));
    }

    /** As {@link #start(Vertx, PgSettings, Path)}, taking over an embedded server {@link #launch}ed before. */
    public static Future<Postgres> start(Vertx vertx, PgSettings settings, Path dataDir, Launch launch) {
        long began = System.nanoTime();
        Future<Postgres> started;
        if (settings.embedded()) {
            Launch l = launch != null ? launch : new Launch(dataDir);
            if (!l.taken.compareAndSet(false, true)) {
                return Future.failedFuture(new IllegalStateException("the embedded PostgreSQL was abandoned"));
            }
            Path dir = l.dir;
            started = Future.fromCompletionStage(l.server, vertx.getOrCreateContext()).map(pg -> {
                PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(pg.getPort())
                        .setDatabase("postgres").setUser("postgres");
                return new Postgres(vertx, pool(vertx, options, settings.poolSize()), pg,
                        "embedded PostgreSQL in " + dir + " on port " + pg.getPort());
            });
        } else {
            PgConnectOptions options = PgConnectOptions.fromUri(settings.url());
            started = createDatabase(vertx, options).map(x -> new Postgres(vertx, pool(vertx, options, settings.poolSize()),
                    null, "PostgreSQL " + PgSettings.redacted(settings.url())));
        }
        return started.compose(pg -> Migrations.apply(pg.pool).transform(ar -> {
            if (ar.succeeded()) {
                LOG.info(String.format("%s, schema version %d, ready in %d ms", pg.description, ar.result(),
                        (System.nanoTime() - began) / 1_000_000));
                return Future.succeededFuture(pg);
            }
            return pg.close().transform(x -> Future.failedFuture(
                    new IllegalStateException("PostgreSQL (" + pg.description + "): " + ar.cause().getMessage(), ar.cause())));
        }));
    }

    private static Pool pool(Vertx vertx, PgConnectOptions options, int size) {
        return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(options).using(vertx).build();
    }

    /**
     * Creates the URL's database on first use when the user may (through the server's {@code postgres}
     * database); when it cannot, the pool's own connection says why.
     */
    private static Future<Void> createDatabase(Vertx vertx, PgConnectOptions options) {
        String name = options.getDatabase();
        if (name == null || name.isEmpty() || name.equals("postgres") || !name.matches("[A-Za-z0-9_-]{1,63}")) {
            return Future.succeededFuture();
        }
        PgConnectOptions admin = new PgConnectOptions(options).setDatabase("postgres");
        SqlClient client = PgBuilder.client().connectingTo(admin).using(vertx).build();
        return client.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1").execute(Tuple.of(name))
                .compose(rows -> rows.size() > 0 ? Future.succeededFuture()
                        : client.query("CREATE DATABASE \"" + name + "\"").execute()
                                .onSuccess(x -> LOG.info("created database " + name))
                                // another node may have created it meanwhile
                                .recover(e -> Future.succeededFuture()).mapEmpty())
                .<Void>mapEmpty()
                .otherwiseEmpty()
                .eventually(client::close);
    }

    /** The connections every store of the node shares. */
    public Pool pool() {
        return pool;
    }

    public boolean embedded() {
        return embedded != null;
    }

    /** Closes the pool, then stops an embedded server. */
    public Future<Void> close() {
        return pool.close().otherwiseEmpty().compose(x -> embedded == null ? Future.<Void>succeededFuture()
                : vertx.<Void>executeBlocking(() -> {
                    try {
                        embedded.close();
                    } catch (IOException e) {
                        LOG.warning("embedded PostgreSQL did not stop cleanly: " + e.getMessage());
                    }
                    return null;
                }, false));
    }

    @Override
    public String toString() {
        return description;
    }
}
