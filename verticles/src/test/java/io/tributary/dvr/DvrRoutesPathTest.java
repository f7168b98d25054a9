package io.tributary.dvr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tributary.StatusException;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Nothing outside data-dir/dvr: whatever a row names, a path leaving the root is refused. */
class DvrRoutesPathTest {

    /** Only the root matters here; the routes ask nothing else of the index in these checks. */
    private static DvrRoutes routes(Path root) {
        DvrIndex index = new DvrIndex() {
            public Future<Boolean> knows(String stream) {
                throw new UnsupportedOperationException();
            }

            public Future<List<RecordedRendition>> renditions(String stream, long fromMs, long toMs) {
                throw new UnsupportedOperationException();
            }

            public Future<List<RecordedSegment>> segments(String s, String r, long f, long t, int limit) {
                throw new UnsupportedOperationException();
            }

            public Future<Optional<Path>> initFile(String stream, String rendition, int initVersion) {
                throw new UnsupportedOperationException();
            }

            public Path root() {
                return root;
            }
        };
        return new DvrRoutes(index, 86_400_000L, k -> false, new DvrThumbnails(1));
    }

    @Test
    void pathsStayUnderTheRoot() {
        DvrRoutes r = routes(Path.of("data/dvr")); // relative, as with the default data-dir
        Path root = Path.of("data/dvr").toAbsolutePath().normalize();
        assertEquals(root.resolve("cam/720p/00/1796605200000.m4s"), r.checked("cam/720p/00/1796605200000.m4s"));
        assertEquals(root.resolve("cam/720p/init-0.mp4"), r.checked(Path.of("data/dvr/cam/720p/init-0.mp4")));
        for (String bad : List.of("../../etc/passwd", "cam/../../pg/postgresql.conf", "/etc/passwd", "..")) {
            StatusException e = assertThrows(StatusException.class, () -> r.checked(bad), bad);
            assertEquals(404, e.status());
        }
        assertThrows(StatusException.class, () -> r.checked(Path.of("/etc/passwd")));
        assertThrows(StatusException.class, () -> r.checked(Path.of("data/dvr-other/x")));
    }
}
