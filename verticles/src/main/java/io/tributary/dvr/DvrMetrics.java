package io.tributary.dvr;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the DVR shows at {@code /metrics} ({@code tributary_dvr_*}); no stream or session labels. */
final class DvrMetrics {

    final Counter recordedBytes;
    final Counter segments;
    final Counter writeErrors;
    final Counter indexErrors;
    final Counter evictions;
    final Counter expired;
    final Counter skippedBacklog;
    final Counter skippedStopped;
    final Counter skippedLagged;
    final Counter skippedDuplicate;
    final Timer indexWrite;
    /** Renditions being recorded now. */
    final AtomicInteger active = new AtomicInteger();
    /** 1 while a failing disk keeps recording stopped. */
    final AtomicInteger stopped = new AtomicInteger();
    /** Bytes of this node's recordings (segments and inits). */
    final AtomicLong used = new AtomicLong();
    /** Usable bytes on the recordings' file system, as the last retention pass read it (a scrape does no statvfs). */
    final AtomicLong free = new AtomicLong();

    DvrMetrics(MeterRegistry registry) {
        recordedBytes = Counter.builder("tributary_dvr_recorded_bytes").description("bytes of segments and inits written to disk")
                .register(registry);
        segments = Counter.builder("tributary_dvr_segments").description("segments recorded (file written and indexed)")
                .register(registry);
        writeErrors = Counter.builder("tributary_dvr_write_errors").description("recorded files that could not be written")
                .register(registry);
        indexErrors = Counter.builder("tributary_dvr_index_errors").description("index writes PostgreSQL refused or lost")
                .register(registry);
        evictions = Counter.builder("tributary_dvr_evictions").description("segments evicted, oldest first, by dvr.max-disk")
                .register(registry);
        expired = Counter.builder("tributary_dvr_expired_segments").description("segments deleted past their retention")
                .register(registry);
        skippedBacklog = Counter.builder("tributary_dvr_skipped_segments").tag("reason", "backlog")
                .description("completed segments not recorded").register(registry);
        skippedStopped = Counter.builder("tributary_dvr_skipped_segments").tag("reason", "disk")
                .description("completed segments not recorded").register(registry);
        skippedLagged = Counter.builder("tributary_dvr_skipped_segments").tag("reason", "lagged")
                .description("completed segments not recorded").register(registry);
        skippedDuplicate = Counter.builder("tributary_dvr_skipped_segments").tag("reason", "duplicate")
                .description("completed segments not recorded").register(registry);
        indexWrite = Timer.builder("tributary_dvr_index_write").description("one batched INSERT of segment rows")
                .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("tributary_dvr_recordings_active", active::get).description("renditions being recorded")
                .register(registry);
        Gauge.builder("tributary_dvr_recording_stopped", stopped::get)
                .description("1 while a failing disk keeps recording stopped").register(registry);
        Gauge.builder("tributary_dvr_disk_used_bytes", used::get).description("bytes of this node's recordings")
                .register(registry);
        Gauge.builder("tributary_dvr_disk_free_bytes", free::get)
                .description("usable bytes left on the recordings' file system").register(registry);
    }
}
