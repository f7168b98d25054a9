package io.tributary.vod;

import io.tributary.testing.PgServers;
import org.junit.jupiter.api.BeforeAll;

/** {@link VodQueueTest} on the external PostgreSQL (skipped with a message when none listens on 127.0.0.1:5432). */
class VodQueueExternalTest extends VodQueueTest {

    @BeforeAll
    static void start() {
        startOn(PgServers.settings("external"));
    }
}
