package io.tributary.media.flv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlvFileReaderTest {

    /** Builds an FLV file the way the format lays it out. */
    static byte[] flv(List<FlvTag> tags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0});
        for (FlvTag t : tags) {
            int size = t.payload().length;
            long ts = t.timestamp();
            out.writeBytes(new byte[] {(byte) t.type(), (byte) (size >> 16), (byte) (size >> 8), (byte) size,
                (byte) (ts >> 16), (byte) (ts >> 8), (byte) ts, (byte) (ts >> 24), 0, 0, 0});
            out.writeBytes(t.payload());
            int prev = 11 + size;
            out.writeBytes(new byte[] {(byte) (prev >> 24), (byte) (prev >> 16), (byte) (prev >> 8), (byte) prev});
        }
        return out.toByteArray();
    }

    @Test
    void readsHeaderAndTagsWithExtendedTimestamps(@TempDir Path dir) throws IOException {
        List<FlvTag> tags = List.of(
                new FlvTag(FlvTag.SCRIPT_DATA, 0, new byte[] {2, 0, 1, 'x'}),
                new FlvTag(FlvTag.VIDEO, 0, new byte[] {0x17, 0, 0, 0, 0, 1}),
                new FlvTag(FlvTag.AUDIO, 0x01234567L, new byte[] {(byte) 0xAF, 1, 5}));
        Path file = dir.resolve("in.flv");
        Files.write(file, flv(tags));
        try (FlvFileReader reader = FlvFileReader.open(file)) {
            assertTrue(reader.hasAudio());
            assertTrue(reader.hasVideo());
        }
        List<FlvTag> read = FlvFileReader.readAll(file);
        assertEquals(3, read.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(tags.get(i).type(), read.get(i).type());
            assertEquals(tags.get(i).timestamp(), read.get(i).timestamp());
            assertArrayEquals(tags.get(i).payload(), read.get(i).payload());
        }
    }

    @Test
    void aTagCutShortEndsTheStreamButEarlierTagsSurvive() throws IOException {
        byte[] whole = flv(List.of(new FlvTag(FlvTag.VIDEO, 0, new byte[100]), new FlvTag(FlvTag.VIDEO, 40, new byte[100])));
        FlvFileReader reader = new FlvFileReader(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 50)));
        assertEquals(0, reader.next().timestamp());
        assertNull(reader.next());
        assertNull(reader.next());
        // a file missing only the final PreviousTagSize still yields its last tag
        reader = new FlvFileReader(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 4)));
        reader.next();
        assertEquals(40, reader.next().timestamp());
        assertNull(reader.next());
    }

    @Test
    void notAnFlvIsRefused() {
        IOException e = assertThrows(IOException.class, () -> new FlvFileReader(new ByteArrayInputStream("MP4xxxxxxxxxx".getBytes())));
        assertEquals("not an FLV stream (no 'FLV' signature)", e.getMessage());
    }
}
