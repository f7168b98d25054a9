package io.tributary.dvr;

import io.tributary.StatusException;
import io.tributary.media.hls.LlHlsPlaylist;
import io.vertx.core.Future;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * The seek-back of a live LL-HLS playlist ({@code /live/{key}/{rendition}/index.m3u8?dvr=2h}, or
 * {@code dvr.window} for every live playlist): the recorded segments of the same live stream
 * before its live window, listed first, served from {@code /dvr}. Only the run whose media
 * sequence numbers end right before the live window's first is listed, so
 * EXT-X-MEDIA-SEQUENCE stays exact across reloads; an earlier live stream of the key (its numbers
 * started over) is for {@code /dvr} catch-up, not for this playlist.
 */
public final class DvrLiveWindow {

    /** No DVR on this node: live playlists are live only. */
    public static final DvrLiveWindow NONE = new DvrLiveWindow(null, 0, 0);
    private static final DateTimeFormatter PDT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
    /** Blocking reloads come every part: the index is asked at most this often per playlist. */
    static final long REUSE_MS = 1000;
    /** Seek-backs are rounded up to this step: a client cannot mint a new cache entry per millisecond. */
    static final long STEP_MS = 60_000;
    /** Bounds of the fetched pasts kept (entries, and rows over all entries). */
    static final int CACHED = 256;
    static final long CACHED_ROWS = 2L * DvrRoutes.MAX_ROWS;

    private final DvrIndex index;
    private final long defaultWindowMs;
    private final long maxWindowMs;

    /**
     * The recorded segments of one window as fetched at {@code at}, and the lines of their last
     * rendering: a reload renders the past again only when the live window has moved on.
     */
    public static final class Recorded {
        final String key;
        final String rendition;
        final long windowStartMs;
        final List<RecordedSegment> rows;
        private long pastFor = Long.MIN_VALUE;
        private LlHlsPlaylist.Past past;

        Recorded(String key, String rendition, long windowStartMs, List<RecordedSegment> rows) {
            this.key = key;
            this.rendition = rendition;
            this.windowStartMs = windowStartMs;
            this.rows = rows;
        }

        /** The lines before the live window starting at {@code firstLiveMsn}, rendered once per first number. */
        public synchronized LlHlsPlaylist.Past past(long firstLiveMsn) {
            if (past == null || pastFor != firstLiveMsn) {
                past = DvrLiveWindow.past(rows, firstLiveMsn, windowStartMs, key, rendition);
                pastFor = firstLiveMsn;
            }
            return past;
        }
    }

    private record Fetched(long at, Future<Recorded> recorded) {
        int rows() {
            Recorded r = recorded.result();
            return r == null ? 0 : r.rows.size();
        }
    }

    private final LinkedHashMap<String, Fetched> recent = new LinkedHashMap<>(64, 0.75f, true);

    /**
     * @param defaultWindowMs dvr.window: the seek-back without {@code ?dvr=} (0: none)
     * @param maxWindowMs     dvr.max-window: the longest {@code ?dvr=} honoured
     */
    public DvrLiveWindow(DvrIndex index, long defaultWindowMs, long maxWindowMs) {
        this.index = index;
        this.defaultWindowMs = defaultWindowMs;
        this.maxWindowMs = maxWindowMs;
    }

    /**
     * The seek-back a request asks for in ms, rounded up to a whole minute (at most dvr.max-window),
     * 0 for none; 400 naming {@code dvr} when malformed or too long.
     */
    public long windowMs(String param) {
        if (param == null) {
            return index == null ? 0 : defaultWindowMs;
        }
        long ms = DvrTimes.duration("dvr", param);
        if (index == null) {
            throw StatusException.badRequest("dvr: this node records nothing (dvr.enabled is false)");
        }
        if (ms > maxWindowMs) {
            throw StatusException.badRequest("dvr: " + DvrTimes.seconds(ms) + " s is longer than dvr.max-window ("
                    + DvrTimes.seconds(maxWindowMs) + " s)");
        }
        return quantised(ms, maxWindowMs);
    }

    static long quantised(long ms, long maxWindowMs) {
        if (ms <= 0) {
            return 0;
        }
        long up = (ms + STEP_MS - 1) / STEP_MS * STEP_MS;
        return Math.min(up, maxWindowMs);
    }

    /** The recorded segments of the last {@code windowMs} (sorted by PDT), reused for a second per playlist. */
    public synchronized Future<Recorded> recorded(String key, String rendition, long windowMs) {
        long now = System.currentTimeMillis();
        String k = key + "/" + rendition + "/" + windowMs;
        Fetched f = recent.get(k);
        if (f != null && now - f.at() < REUSE_MS && !f.recorded().failed()) {
            return f.recorded();
        }
        long start = now - windowMs;
        Future<Recorded> rows = index.segments(key, rendition, start, now, DvrRoutes.MAX_ROWS)
                .map(list -> {
                    List<RecordedSegment> sorted = new ArrayList<>(list);
                    sorted.sort(java.util.Comparator.comparingLong(RecordedSegment::pdtMillis));
                    return new Recorded(key, rendition, start, sorted);
                });
        recent.put(k, new Fetched(now, rows));
        trim(now);
        return rows;
    }

    /** Drops what is past its reuse time, then the least recently used while over the entry or row bound. */
    private void trim(long now) {
        long rows = 0;
        for (var it = recent.values().iterator(); it.hasNext(); ) {
            Fetched f = it.next();
            if (now - f.at() >= REUSE_MS) {
                it.remove();
            } else {
                rows += f.rows();
            }
        }
        for (var it = recent.values().iterator(); it.hasNext() && (recent.size() > CACHED || rows > CACHED_ROWS); ) {
            rows -= it.next().rows();
            it.remove();
        }
    }

    /** Entries kept now (for tests). */
    synchronized int cached() {
        return recent.size();
    }

    /**
     * The lines of the recorded run that ends right before {@code firstLiveMsn}, its segments
     * addressed under {@code /dvr/{key}/{rendition}/}; {@code windowStartMs}: nothing older.
     */
    public static LlHlsPlaylist.Past past(List<RecordedSegment> sorted, long firstLiveMsn, long windowStartMs,
                                         String key, String rendition) {
        // walk back from the segment before the live window while the numbers are consecutive
        int end = -1;
        for (int i = sorted.size() - 1; i >= 0; i--) {
            if (sorted.get(i).msn() == firstLiveMsn - 1) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return LlHlsPlaylist.Past.NONE;
        }
        int start = end;
        while (start > 0 && sorted.get(start - 1).msn() == sorted.get(start).msn() - 1
                && sorted.get(start - 1).pdtMillis() >= windowStartMs) {
            start--;
        }
        if (sorted.get(start).pdtMillis() < windowStartMs) {
            return LlHlsPlaylist.Past.NONE;
        }
        String base = "/dvr/" + key + "/" + rendition + "/";
        StringBuilder b = new StringBuilder(160 * (end - start + 1));
        int discontinuities = 0;
        int map = -1;
        for (int i = start; i <= end; i++) {
            RecordedSegment s = sorted.get(i);
            // not on the first listed: nothing before it to break from (the recorder marks a stream's first)
            if (s.discontinuity() && i > start) {
                b.append("#EXT-X-DISCONTINUITY\n");
                discontinuities++;
            }
            if (s.initVersion() != map) {
                b.append("#EXT-X-MAP:URI=\"").append(base).append("init-").append(s.initVersion()).append(".mp4\"\n");
                map = s.initVersion();
            }
            b.append("#EXT-X-PROGRAM-DATE-TIME:").append(PDT.format(Instant.ofEpochMilli(s.pdtMillis()))).append('\n');
            b.append("#EXTINF:").append(String.format(Locale.ROOT, "%.5f", s.duration())).append(",\n");
            b.append(base).append("seg-").append(s.pdtMillis()).append(".m4s\n");
        }
        return new LlHlsPlaylist.Past(b.toString(), end - start + 1, discontinuities);
    }
}
