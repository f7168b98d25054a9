package io.tributary.metrics;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an operator looks at first when a node misbehaves is in a live scrape: memory, GC, threads, CPU, fds, Netty buffers. */
class JvmMetricsTest {

    @Test
    void jvmProcessAndNettyFiguresAreScraped() {
        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        try {
            System.gc(); // a GC pause to report (its notification comes asynchronously)
            TestNode.await("a GC pause in /metrics", java.time.Duration.ofSeconds(10),
                    () -> TestNode.get(node, "/metrics").body().contains("\njvm_gc_pause_seconds_count{"));
            String scrape = TestNode.get(node, "/metrics").body();
            for (String name : List.of("jvm_memory_used_bytes{", "jvm_gc_pause_seconds_count{", "jvm_threads_live_threads ",
                    "jvm_classes_loaded_classes ", "process_cpu_usage ", "system_cpus ", "process_files_open_files ",
                    "process_uptime_seconds ", "netty_allocator_memory_used{")) {
                assertTrue(scrape.contains("\n" + name), name + " in /metrics");
            }
        } finally {
            TestNode.stop(node);
        }
    }
}
