package io.tributary.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;

/** A JVM that starts an embedded PostgreSQL on a directory and waits to be killed (a node that crashes). */
public final class OrphanPostgres {

    private OrphanPostgres() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(new File(args[0])).setCleanDataDirectory(false).start();
        System.out.println("up " + pg.getPort());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
