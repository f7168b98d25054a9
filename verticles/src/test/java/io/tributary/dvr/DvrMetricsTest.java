package io.tributary.dvr;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DvrMetricsTest {

    @TempDir
    Path dir;

    @Test
    void freeDiskGaugeShowsTheLastReadingAndReadsNoDisk() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DvrMetrics m = new DvrMetrics(registry);
        assertEquals(0.0, registry.get("tributary_dvr_disk_free_bytes").gauge().value(), "nothing read yet");
        long[] usage = new DvrFiles(dir.resolve("dvr")).usage(); // what a retention pass reads on its worker
        assertTrue(usage[1] > 0, "a real file system has room: " + usage[1]);
        m.free.set(usage[1]);
        assertEquals(usage[1], (long) registry.get("tributary_dvr_disk_free_bytes").gauge().value());
    }
}
