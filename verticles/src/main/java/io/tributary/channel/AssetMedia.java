package io.tributary.channel;

import io.tributary.media.cmaf.Fmp4Reader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One published VOD asset as a playout reads it (blocking: on a worker): per rendition its init
 * (decoder config, timescale) and its segment files in order, from the media playlists the VOD
 * pipeline wrote; then the samples of video segment {@code k} of every rung (IDRs aligned, so
 * segment {@code k} is the same pictures in each) with the audio that goes with them.
 */
final class AssetMedia {

    /**
     * A rendition's files: the init, the segment names and where each starts (ms, from the EXTINFs).
     * {@code delay}: ticks its IDRs decode before they show, read from its first sample; 0 as the VOD
     * pipeline packages now (signed offsets, each IDR decodes when it shows), positive in an asset
     * packaged by an older build, whose decode times reading moves later by it. {@code shownFrom}: the
     * time its first sample shows, in ticks.
     */
    record Rendition(String name, Fmp4Reader.Track track, List<String> files, long[] startsMs, Path dir, int delay, long shownFrom) {
    }

    /**
     * A sample read for airing: media time in ms from the asset's time 0 (where its first picture
     * decodes and shows, see {@link #origin}); {@code rendition} null for audio. {@code ctsMs}: its
     * composition offset in ms (negative for a B-frame shown before it decodes).
     */
    record Timed(long mediaMs, String rendition, boolean video, int ctsMs, boolean sync, byte[] data) {
    }

    /** Where a reader is in the audio track: the next audio segment and what was read past the last chunk. */
    static final class AudioCursor {
        int next;
        /** After its first chunk: audio from before a chunk's first picture belongs to the previous one. */
        boolean started;
        final List<Timed> held = new ArrayList<>();
    }

    final String id;
    final Map<String, Rendition> video;
    final Rendition audio;
    /**
     * The first picture's time in the asset's files, in ms: the programme airs from it, so a
     * boundary's first segment opens on the picture shown first. Audio moves with it (in sync as
     * packaged); what precedes the first picture does not air.
     */
    final long origin;

    private AssetMedia(String id, Map<String, Rendition> video, Rendition audio, long origin) {
        this.id = id;
        this.video = video;
        this.audio = audio;
        this.origin = origin;
    }

    static AssetMedia load(String id, Path dir, List<String> renditions, boolean withAudio) throws IOException {
        Map<String, Rendition> video = new LinkedHashMap<>();
        for (String name : renditions) {
            video.put(name, rendition(name, dir.resolve(name)));
        }
        Rendition lead = video.values().iterator().next();
        long origin = ms(lead.shownFrom(), lead.track().timescale());
        return new AssetMedia(id, video, withAudio ? rendition("audio", dir.resolve("audio")) : null, origin);
    }

    private static long ms(long ticks, int timescale) {
        return Math.floorDiv(ticks * 1000, timescale);
    }

    private static Rendition rendition(String name, Path dir) throws IOException {
        Fmp4Reader.Track track = Fmp4Reader.init(Files.readAllBytes(dir.resolve("init.mp4")));
        List<String> files = new ArrayList<>();
        List<Long> starts = new ArrayList<>();
        double at = 0;
        double pending = -1;
        for (String line : Files.readAllLines(dir.resolve("index.m3u8"), StandardCharsets.UTF_8)) {
            if (line.startsWith("#EXTINF:")) {
                String v = line.substring(8);
                int comma = v.indexOf(',');
                pending = Double.parseDouble(comma < 0 ? v : v.substring(0, comma));
            } else if (!line.isBlank() && !line.startsWith("#") && pending >= 0) {
                files.add(line.trim());
                starts.add(Math.round(at * 1000));
                at += pending;
                pending = -1;
            }
        }
        if (files.isEmpty()) {
            throw new IOException("rendition " + name + " of " + dir + " lists no segments");
        }
        List<Fmp4Reader.Sample> first = Fmp4Reader.samples(track, Files.readAllBytes(dir.resolve(files.get(0))));
        int delay = first.isEmpty() || !track.video() ? 0 : Math.max(0, first.get(0).compositionOffset());
        long shownFrom = first.isEmpty() ? 0 : first.get(0).dts() + delay;
        return new Rendition(name, track, List.copyOf(files), starts.stream().mapToLong(Long::longValue).toArray(), dir, delay,
                shownFrom);
    }

    /** The first rung: its segments are the chunks. */
    Rendition lead() {
        return video.values().iterator().next();
    }

    int chunks() {
        return lead().files().size();
    }

    /** The chunk holding media time {@code ms} (the last one starting at or before it). */
    int chunkAt(long ms) {
        long[] s = lead().startsMs();
        int k = 0;
        while (k + 1 < s.length && s[k + 1] <= ms) {
            k++;
        }
        return k;
    }

    /** A cursor placed for reading from chunk {@code k}. */
    AudioCursor audioFrom(int k) {
        AudioCursor c = new AudioCursor();
        if (audio != null) {
            long from = lead().startsMs()[k];
            long[] s = audio.startsMs();
            while (c.next + 1 < s.length && s[c.next + 1] <= from) {
                c.next++;
            }
        }
        return c;
    }

    /**
     * Chunk {@code k}: every rung's video samples of segment {@code k} and the audio up to where
     * that video ends (all the rest with the last chunk), in airing order (by media time, video
     * first). Audio before the chunk's first picture (a seek into the asset) is dropped.
     */
    List<Timed> chunk(int k, AudioCursor cursor) throws IOException {
        List<Timed> out = new ArrayList<>();
        long videoStart = Long.MAX_VALUE;
        long videoEnd = Long.MIN_VALUE;
        for (Rendition r : video.values()) {
            int ts = r.track().timescale();
            for (Fmp4Reader.Sample s : Fmp4Reader.samples(r.track(), Files.readAllBytes(r.dir().resolve(r.files().get(k))))) {
                long dts = s.dts() + r.delay();
                long ms = ms(dts, ts);
                int cts = (int) (ms(dts + s.compositionOffset() - r.delay(), ts) - ms);
                out.add(new Timed(ms - origin, r.name(), true, cts, s.sync(), s.data()));
                videoStart = Math.min(videoStart, ms - origin);
                videoEnd = Math.max(videoEnd, ms(dts + s.duration(), ts) - origin);
            }
        }
        if (audio != null) {
            boolean last = k == chunks() - 1;
            int ts = audio.track().timescale();
            while ((last || cursor.held.isEmpty() || cursor.held.get(cursor.held.size() - 1).mediaMs() < videoEnd)
                    && cursor.next < audio.files().size()) {
                byte[] bytes = Files.readAllBytes(audio.dir().resolve(audio.files().get(cursor.next++)));
                for (Fmp4Reader.Sample s : Fmp4Reader.samples(audio.track(), bytes)) {
                    cursor.held.add(new Timed(ms(s.dts(), ts) - origin, null, false, 0, true, s.data()));
                }
            }
            List<Timed> keep = new ArrayList<>();
            for (Timed t : cursor.held) {
                if (!last && t.mediaMs() >= videoEnd) {
                    keep.add(t);
                } else if (cursor.started || t.mediaMs() >= videoStart) {
                    out.add(t);
                }
            }
            cursor.started = true;
            cursor.held.clear();
            cursor.held.addAll(keep);
        }
        // stable: video of a time before audio of the same time, rungs in ladder order
        out.sort((a, b) -> a.mediaMs() != b.mediaMs() ? Long.compare(a.mediaMs(), b.mediaMs())
                : Boolean.compare(!a.video(), !b.video()));
        return out;
    }
}
