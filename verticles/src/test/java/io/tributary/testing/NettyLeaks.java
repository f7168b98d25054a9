package io.tributary.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.util.ArrayList;
import java.util.List;

/**
 * Netty's leak detector, made to fail tests. The test JVM runs with
 * {@code -Dio.netty.leakDetection.level=paranoid} (the surefire argLine): every buffer is tracked.
 * As the launcher session opens, before any test class touches Netty, detectors that also record
 * what they report are installed; after each test class, a collection makes unreleased buffers
 * reportable, a few tracked allocations make the detectors poll, and a reported leak fails that
 * class (the leak may be an earlier class's: the record names where the buffer was touched).
 */
public final class NettyLeaks implements LauncherSessionListener, AfterAllCallback {

    private static final List<String> REPORTS = new ArrayList<>();
    private static volatile boolean installed;

    /** Whether the recording detectors are in place and tracking (the surefire run). */
    static boolean active() {
        return installed && ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.DISABLED;
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                return new Recording<>(resource, samplingInterval);
            }
        });
        installed = true;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        check(context.getDisplayName());
    }

    /** Fails if Netty reported a leak since the last check (collecting first, so that there is something to report). */
    static void check(String where) throws InterruptedException {
        if (!installed || ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED) {
            return;
        }
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (ByteBufAllocator a : new ByteBufAllocator[]{PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT}) {
                a.directBuffer(1).release(); // tracked: the detector polls its queue of collected buffers
                a.heapBuffer(1).release();
            }
        }
        List<String> found;
        synchronized (REPORTS) {
            found = new ArrayList<>(REPORTS);
            REPORTS.clear();
        }
        if (!found.isEmpty()) {
            throw new AssertionError("Netty reported " + found.size() + " leaked buffer(s) by the end of "
                    + where + ":\n" + String.join("\n", found));
        }
    }

    private static final class Recording<T> extends ResourceLeakDetector<T> {

        Recording(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true; // whatever the log level: a leak is a failure
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK: " + resourceType + " was not released before it was collected." + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK: " + resourceType + " was not released before it was collected (no trace recorded).");
            super.reportUntracedLeak(resourceType);
        }

        private static void record(String report) {
            synchronized (REPORTS) {
                if (REPORTS.size() < 20) {
                    REPORTS.add(report);
                }
            }
        }
    }
}
