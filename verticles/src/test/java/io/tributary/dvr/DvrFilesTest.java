package io.tributary.dvr;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class DvrFilesTest {

    @TempDir
    Path dir;

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aSecondSegmentAtTheSamePdtKeepsTheFirstFile() throws Exception {
        DvrFiles files = new DvrFiles(dir);
        String name = DvrFiles.segmentFile("cam", "720p", 1_796_605_200_000L);
        assertEquals(5, files.writeNew(name, bytes("first")));
        assertEquals(-1, files.writeNew(name, bytes("second!")), "the name is taken: nothing written");
        assertArrayEquals("first".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(files.resolve(name)));
        // the name taken between the check and the write (the link refuses it): still kept
        assertEquals(-1, files.write(name, false, bytes("third")));
        assertArrayEquals("first".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(files.resolve(name)));
        List<DvrFiles.OnDisk> onDisk = files.files("cam", "720p");
        assertEquals(List.of(new DvrFiles.OnDisk(name, 5)), onDisk, "no temp file left behind");
        // inits are rewritten in place on purpose (same version, same bytes)
        String init = DvrFiles.initFile("cam", "720p", 0);
        files.write(init, bytes("a"));
        assertEquals(2, files.write(init, bytes("bb")));
        assertArrayEquals("bb".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(files.resolve(init)));
    }

    @Test
    void onlyASegmentsOwnNameIsTakenApart() {
        String name = DvrFiles.segmentFile("cam", "720p", 1_796_605_200_000L);
        assertEquals(new DvrFiles.SegmentName("cam", "720p", 1_796_605_200_000L), DvrFiles.segmentName(name));
        // what another node may ask this one to delete: nothing but a segment's file, in its own hour directory
        for (String other : List.of(DvrFiles.initFile("cam", "720p", 0), "node-id", "../pg/postgresql.conf",
                "cam/720p/2026120823/1796605200000.m4s", "cam/../720p/2026120701/1796605200000.m4s",
                "cam/720p/" + "2026120701/1796605200000.m4s.x.tmp")) {
            assertNull(DvrFiles.segmentName(other), other);
        }
    }
}
