package io.tributary.dvr;

import io.tributary.config.StreamKeys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The recordings on this node's disk, under {@code data-dir/dvr}:
 * {@code {stream}/{rendition}/init-{v}.mp4} and {@code {stream}/{rendition}/{yyyyMMddHH}/{pdtMs}.m4s}
 * (an hour a directory: 1,800 files of 2 s). A file appears complete or not at all (written
 * beside, then renamed); everything here blocks, so it runs on worker threads.
 */
final class DvrFiles {

    static final String TEMP_SUFFIX = ".tmp";
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);

    private final Path root;

    DvrFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** Whether a stream key or rendition name may be a directory here (the URL alphabet: no dots, no slashes). */
    static boolean safeName(String name) {
        return StreamKeys.valid(name);
    }

    static String segmentFile(String stream, String rendition, long pdtMillis) {
        return stream + "/" + rendition + "/" + HOUR.format(Instant.ofEpochMilli(pdtMillis)) + "/" + pdtMillis + ".m4s";
    }

    /** A segment's file name taken apart; see {@link #segmentName}. */
    record SegmentName(String stream, String rendition, long pdtMillis) {
    }

    private static final java.util.regex.Pattern SEGMENT_FILE =
            java.util.regex.Pattern.compile("([A-Za-z0-9_-]{1,128})/([A-Za-z0-9_-]{1,128})/(\\d{10})/(\\d{1,15})\\.m4s");

    /** The stream, rendition and PDT a name of {@link #segmentFile} says; null for any other name. */
    static SegmentName segmentName(String relative) {
        java.util.regex.Matcher m = SEGMENT_FILE.matcher(relative);
        if (!m.matches()) {
            return null;
        }
        long pdt = Long.parseLong(m.group(4));
        return segmentFile(m.group(1), m.group(2), pdt).equals(relative) ? new SegmentName(m.group(1), m.group(2), pdt) : null;
    }

    static String initFile(String stream, String rendition, int version) {
        return stream + "/" + rendition + "/init-" + version + ".mp4";
    }

    /** The absolute path of a relative name, or null when it would leave the root. */
    Path resolve(String relative) {
        Path p = root.resolve(relative).normalize();
        return p.startsWith(root) && !p.equals(root) ? p : null;
    }

    /** Writes the chunks back to back as {@code relative}, complete once this returns; gives the bytes written. */
    long write(String relative, ByteBuffer... chunks) throws IOException {
        return write(relative, true, chunks);
    }

    /**
     * As {@link #write(String, ByteBuffer...)}, but a file already there is kept: gives -1 and writes nothing
     * (a segment's name is its PDT; the row of the first one stays, so must its file).
     */
    long writeNew(String relative, ByteBuffer... chunks) throws IOException {
        Path target = resolve(relative);
        if (target != null && Files.exists(target)) {
            return -1; // the common case, without writing a temp file first
        }
        return write(relative, false, chunks);
    }

    long write(String relative, boolean replace, ByteBuffer... chunks) throws IOException {
        Path target = resolve(relative);
        if (target == null) {
            throw new IOException("name outside the recordings: " + relative);
        }
        Path temp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
        long n = 0;
        try (FileChannel ch = create(temp)) {
            for (ByteBuffer chunk : chunks) {
                ByteBuffer b = chunk.duplicate();
                while (b.hasRemaining()) {
                    n += ch.write(b);
                }
            }
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        if (!replace) {
            try {
                // a link fails atomically when the name is taken (a rename would replace it)
                Files.createLink(target, temp);
                return n;
            } catch (FileAlreadyExistsException e) {
                return -1;
            } catch (UnsupportedOperationException | IOException e) {
                // no hard links here: a plain move, which refuses an existing target (not atomically)
                try {
                    Files.move(temp, target);
                    return n;
                } catch (FileAlreadyExistsException e2) {
                    return -1;
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return n;
    }

    /** Creates the file and its directories; once more if a deletion took an emptied hour directory meanwhile. */
    private static FileChannel create(Path file) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Files.createDirectories(file.getParent());
            try {
                return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                if (attempt == 2) {
                    throw e;
                }
            }
        }
    }

    /** Deletes a recorded file (and its hour directory once empty); gives the bytes freed. */
    long delete(String relative) {
        Path p = resolve(relative);
        if (p == null) {
            return 0;
        }
        try {
            long size = Files.size(p);
            Files.delete(p);
            Path dir = p.getParent();
            if (dir != null && dir.getFileName().toString().matches("\\d{10}")) {
                try {
                    Files.delete(dir); // only when empty: the hour is over
                } catch (IOException ignored) {
                    // not empty yet, or gone
                }
            }
            return size;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The {@code stream/rendition} directories on disk. */
    List<String[]> renditionDirs() throws IOException {
        List<String[]> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> streams = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path s : streams) {
                try (DirectoryStream<Path> renditions = Files.newDirectoryStream(s, Files::isDirectory)) {
                    for (Path r : renditions) {
                        out.add(new String[]{s.getFileName().toString(), r.getFileName().toString()});
                    }
                }
            }
        }
        return out;
    }

    /** A recorded file found on disk: its name relative to the root and its size. */
    record OnDisk(String file, long size) {
    }

    /** Every file under one rendition's directory (segments, inits and leftovers of interrupted writes). */
    List<OnDisk> files(String stream, String rendition) throws IOException {
        List<OnDisk> out = new ArrayList<>();
        Path dir = root.resolve(stream).resolve(rendition);
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var walk = Files.walk(dir, 2)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    out.add(new OnDisk(root.relativize(p).toString().replace('\\', '/'), Files.size(p)));
                }
            }
        }
        return out;
    }

    /** Bytes used and free on the file system of the root (0, 0 when it is missing). */
    long[] usage() {
        try {
            var store = Files.getFileStore(Files.isDirectory(root) ? root : root.getParent());
            return new long[]{store.getTotalSpace() - store.getUnallocatedSpace(), store.getUsableSpace()};
        } catch (IOException | RuntimeException e) {
            return new long[]{0, 0};
        }
    }
}
