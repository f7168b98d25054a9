package io.tributary.bench.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive hold of {@code /tmp/tributary-bench.lock} for one measurement phase, so that
 * benchmark runs never overlap. Takes both lock kinds Linux keeps apart: a flock(2) lock
 * (held by a {@code flock} child process, as the flock(1) command takes it) and then a
 * POSIX record lock (Java's FileChannel lock).
 */
public final class BenchLock implements AutoCloseable {

    public static final Path FILE = Path.of("/tmp/tributary-bench.lock");

    private final Process flock;
    private final FileChannel channel;
    private final FileLock lock;

    private BenchLock(Process flock, FileChannel channel, FileLock lock) {
        this.flock = flock;
        this.channel = channel;
        this.lock = lock;
    }

    public static BenchLock acquire(String phase) {
        long t0 = System.nanoTime();
        System.out.println("[lock] waiting for " + FILE + " (" + phase + ")");
        Process p = null;
        try {
            p = new ProcessBuilder("flock", FILE.toString(), "-c", "echo locked; exec cat")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
            String line = r.readLine();
            if (!"locked".equals(line)) {
                throw new IOException("flock did not report the lock: " + line);
            }
            FileChannel ch = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.lock();
            System.out.printf("[lock] acquired after %.1f s (%s)%n", (System.nanoTime() - t0) / 1e9, phase);
            return new BenchLock(p, ch, l);
        } catch (IOException e) {
            if (p != null) {
                p.destroy();
            }
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // released with the process anyway
        }
        try {
            flock.getOutputStream().close(); // cat sees EOF, flock exits, the lock is released
            flock.waitFor();
        } catch (IOException | InterruptedException e) {
            flock.destroy();
        }
        System.out.println("[lock] released");
    }
}
