package io.tributary.dvr;

import io.tributary.testing.PgServers;
import java.util.Map;

/**
 * The DVR playback suite on the external PostgreSQL at 127.0.0.1:5432, in a database of its own
 * dropped afterwards; skipped with a message when nothing listens there.
 */
class DvrPlaybackExternalPgTest extends DvrPlaybackTest {

    @Override
    Map<String, String> pgEnv() {
        return PgServers.env("external");
    }
}
