package io.tributary.vod;

import io.tributary.media.hls.MultivariantPlaylist;
import io.tributary.media.transcode.KeyframeThumbnail;
import io.tributary.media.transcode.ThumbnailSprite;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes what players fetch over the renditions' fMP4 files: per rendition an HLS media playlist
 * (VOD, ENDLIST) and, for video, an I-frame-only playlist whose byte ranges hold each segment's
 * opening keyframe; the multivariant playlist naming both; a static DASH MPD over the same files
 * (SegmentTimeline from the fragments' own decode times); a poster JPEG from the top rung; a
 * thumbnail sprite ({@code sprite.jpg}) with its WebVTT map ({@code thumbnails.vtt}) for scrubbing.
 */
final class VodPackage {

    private static final Pattern SEGMENT = Pattern.compile("seg_(\\d+)\\.m4s");
    /** Scrubbing tiles: this wide, this many to a row, at most this many (a long asset's tiles span several segments). */
    static final int TILE_WIDTH = 160;
    static final int TILE_COLUMNS = 10;
    static final int MAX_TILES = 300;

    /** One rendition directory: {@code init.mp4} and {@code seg_N.m4s}. */
    record Rendition(String name, boolean video, int width, int height, double fps, int channels, Path dir) {
        static Rendition video(String name, int width, int height, double fps, Path dir) {
            return new Rendition(name, true, width, height, fps, 0, dir);
        }

        static Rendition audio(String name, int channels, Path dir) {
            return new Rendition(name, false, 0, 0, 0, channels, dir);
        }
    }

    /** A rendition read back: its codec, timescale, segments (in order) and bit rates. */
    record Packaged(Rendition rendition, String codec, int timescale, List<String> files, List<VodFragments.Segment> segments,
                    long peakBps, long averageBps) {
        double seconds() {
            return segments.stream().mapToLong(VodFragments.Segment::duration).sum() / (double) timescale;
        }
    }

    private VodPackage() {
    }

    /** Writes every playlist, the MPD and the poster into {@code out}; gives the packaged renditions. */
    static List<Packaged> write(Path out, List<Rendition> renditions, double segmentTarget) throws IOException {
        List<Packaged> packaged = new ArrayList<>();
        for (Rendition r : renditions) {
            Packaged p = read(r);
            packaged.add(p);
            Files.deleteIfExists(r.dir().resolve("ffmpeg.m3u8"));
            Files.writeString(r.dir().resolve("index.m3u8"), mediaPlaylist(p), StandardCharsets.UTF_8);
            if (r.video()) {
                Files.writeString(r.dir().resolve("iframes.m3u8"), iframePlaylist(p), StandardCharsets.UTF_8);
            }
        }
        Files.writeString(out.resolve("index.m3u8"), multivariant(packaged), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("manifest.mpd"), mpd(packaged, segmentTarget), StandardCharsets.UTF_8);
        Packaged top = packaged.stream().filter(p -> p.rendition().video()).findFirst().orElseThrow();
        byte[] init = Files.readAllBytes(top.rendition().dir().resolve("init.mp4"));
        // a picture a little into the asset (the second segment when there is one): past a fade-in
        String file = top.files().get(Math.min(1, top.files().size() - 1));
        byte[] segment = Files.readAllBytes(top.rendition().dir().resolve(file));
        Files.write(out.resolve("poster.jpg"), KeyframeThumbnail.jpeg(init, segment, Math.min(1280, top.rendition().width()), 0.85f));
        writeSprite(out, packaged);
        return packaged;
    }

    /**
     * The sprite and its map, from the smallest video rung at least a tile wide: one tile per
     * segment (each opens on a keyframe), or per run of segments when there would be more than
     * {@link #MAX_TILES}; only the segments opening a tile are read.
     */
    static ThumbnailSprite.Sheet writeSprite(Path out, List<Packaged> packaged) throws IOException {
        Packaged rung = null;
        for (Packaged p : packaged) {
            if (p.rendition().video() && (rung == null || p.rendition().width() >= TILE_WIDTH)) {
                rung = p; // ladder order, largest first: the last one wide enough wins
            }
        }
        if (rung == null) {
            throw new IOException("no video rendition for the thumbnail sprite");
        }
        List<VodFragments.Segment> segments = rung.segments();
        int n = segments.size();
        int step = (n + MAX_TILES - 1) / MAX_TILES;
        long first = segments.get(0).baseDecodeTime();
        double ts = rung.timescale();
        List<ThumbnailSprite.Span> spans = new ArrayList<>();
        List<Path> parts = new ArrayList<>();
        parts.add(rung.rendition().dir().resolve("init.mp4"));
        for (int i = 0; i < n; i += step) {
            double start = (segments.get(i).baseDecodeTime() - first) / ts;
            double end = i + step < n ? (segments.get(i + step).baseDecodeTime() - first) / ts : rung.seconds();
            spans.add(new ThumbnailSprite.Span(start, end));
            parts.add(rung.rendition().dir().resolve(rung.files().get(i)));
        }
        ThumbnailSprite.Sheet sheet;
        try (InputStream in = new SequenceInputStream(new LazyFiles(parts))) {
            sheet = ThumbnailSprite.render(in, spans, Math.min(TILE_WIDTH, rung.rendition().width()), TILE_COLUMNS, 0.7f);
        }
        Files.write(out.resolve("sprite.jpg"), sheet.jpeg());
        Files.writeString(out.resolve("thumbnails.vtt"), sheet.vtt("sprite.jpg"), StandardCharsets.UTF_8);
        return sheet;
    }

    /** Files opened one at a time as the sequence reaches them (a long asset's tiles never all open at once). */
    private static final class LazyFiles implements Enumeration<InputStream> {
        private final Iterator<Path> paths;

        LazyFiles(List<Path> paths) {
            this.paths = paths.iterator();
        }

        @Override
        public boolean hasMoreElements() {
            return paths.hasNext();
        }

        @Override
        public InputStream nextElement() {
            try {
                return Files.newInputStream(paths.next());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Packaged read(Rendition r) throws IOException {
        VodFragments.Init init = VodFragments.init(Files.readAllBytes(r.dir().resolve("init.mp4")));
        List<Integer> numbers = new ArrayList<>();
        try (var list = Files.list(r.dir())) {
            for (Path p : list.toList()) {
                Matcher m = SEGMENT.matcher(p.getFileName().toString());
                if (m.matches()) {
                    numbers.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        numbers.sort(null);
        if (numbers.isEmpty()) {
            throw new IOException("rendition " + r.name() + " has no segments");
        }
        List<String> files = new ArrayList<>();
        List<VodFragments.Segment> segments = new ArrayList<>();
        long peak = 0;
        long bytes = 0;
        long ticks = 0;
        for (int n : numbers) {
            String name = "seg_" + n + ".m4s";
            Path p = r.dir().resolve(name);
            long size = Files.size(p);
            VodFragments.Segment s = VodFragments.segment(Files.readAllBytes(p));
            files.add(name);
            segments.add(s);
            bytes += size;
            ticks += s.duration();
            // the last segment's remainder (a few ms of audio) says nothing of the rate
            if (s.duration() > 0 && (n != numbers.get(numbers.size() - 1) || numbers.size() == 1)) {
                peak = Math.max(peak, size * 8L * init.timescale() / s.duration());
            }
        }
        long average = ticks == 0 ? 0 : bytes * 8L * init.timescale() / ticks;
        return new Packaged(r, init.codec(), init.timescale(), List.copyOf(files), List.copyOf(segments), Math.max(peak, 1),
                Math.max(average, 1));
    }

    private static int targetDuration(Packaged p) {
        double max = 0;
        for (VodFragments.Segment s : p.segments()) {
            max = Math.max(max, s.duration() / (double) p.timescale());
        }
        return (int) Math.max(1, Math.round(max + 0.4999));
    }

    static String mediaPlaylist(Packaged p) {
        StringBuilder b = new StringBuilder(256 + 40 * p.files().size());
        b.append("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:").append(targetDuration(p))
                .append("\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n");
        for (int i = 0; i < p.files().size(); i++) {
            b.append("#EXTINF:").append(seconds(p.segments().get(i).duration(), p.timescale())).append(",\n")
                    .append(p.files().get(i)).append('\n');
        }
        return b.append("#EXT-X-ENDLIST\n").toString();
    }

    /** Each segment opens on an IDR: its first fragment's moof and first sample are the I-frame. */
    static String iframePlaylist(Packaged p) {
        StringBuilder b = new StringBuilder(256 + 60 * p.files().size());
        b.append("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:").append(targetDuration(p))
                .append("\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-I-FRAMES-ONLY\n#EXT-X-MAP:URI=\"init.mp4\"\n");
        for (int i = 0; i < p.files().size(); i++) {
            VodFragments.Segment s = p.segments().get(i);
            if (!s.startsWithSync()) {
                continue; // not a keyframe: not listed
            }
            b.append("#EXTINF:").append(seconds(s.duration(), p.timescale())).append(",\n#EXT-X-BYTERANGE:")
                    .append(s.iframeLength()).append('@').append(s.firstFragmentOffset()).append('\n')
                    .append(p.files().get(i)).append('\n');
        }
        return b.append("#EXT-X-ENDLIST\n").toString();
    }

    static String multivariant(List<Packaged> packaged) {
        List<MultivariantPlaylist.Variant> variants = new ArrayList<>();
        MultivariantPlaylist.Audio audio = null;
        StringBuilder iframes = new StringBuilder();
        for (Packaged p : packaged) {
            Rendition r = p.rendition();
            if (r.video()) {
                variants.add(new MultivariantPlaylist.Variant(r.name() + "/index.m3u8", p.codec(), r.width(), r.height(), r.fps(),
                        p.peakBps(), p.averageBps()));
                // an I-frame's bit rate: its bytes over the time it stands for
                long iframeBps = 1;
                for (VodFragments.Segment s : p.segments()) {
                    if (s.duration() > 0) {
                        iframeBps = Math.max(iframeBps, s.iframeLength() * 8L * p.timescale() / s.duration());
                    }
                }
                iframes.append("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=").append(iframeBps).append(",CODECS=\"").append(p.codec())
                        .append("\",RESOLUTION=").append(r.width()).append('x').append(r.height())
                        .append(",URI=\"").append(r.name()).append("/iframes.m3u8\"\n");
            } else if (audio == null) {
                audio = new MultivariantPlaylist.Audio(r.name() + "/index.m3u8", "audio", p.codec(), r.channels(), p.peakBps());
            }
        }
        return MultivariantPlaylist.render(variants, audio, null, true) + iframes; // the node's own encodes: no captions
    }

    static String mpd(List<Packaged> packaged, double segmentTarget) {
        double duration = packaged.stream().mapToDouble(Packaged::seconds).max().orElse(0);
        StringBuilder b = new StringBuilder(2048);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" ")
                .append("type=\"static\" mediaPresentationDuration=\"PT").append(String.format(Locale.ROOT, "%.3f", duration))
                .append("S\" minBufferTime=\"PT").append(String.format(Locale.ROOT, "%.1f", segmentTarget)).append("S\">\n")
                .append("  <Period id=\"0\" start=\"PT0S\">\n");
        for (boolean video : new boolean[] {true, false}) {
            List<Packaged> set = packaged.stream().filter(p -> p.rendition().video() == video).toList();
            if (set.isEmpty()) {
                continue;
            }
            b.append("    <AdaptationSet contentType=\"").append(video ? "video" : "audio").append("\" mimeType=\"")
                    .append(video ? "video/mp4" : "audio/mp4").append("\" segmentAlignment=\"true\" startWithSAP=\"1\">\n");
            for (Packaged p : set) {
                Rendition r = p.rendition();
                b.append("      <Representation id=\"").append(r.name()).append("\" bandwidth=\"").append(p.peakBps())
                        .append("\" codecs=\"").append(p.codec()).append('"');
                if (video) {
                    b.append(" width=\"").append(r.width()).append("\" height=\"").append(r.height()).append('"');
                } else {
                    b.append(">\n        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"")
                            .append(r.channels()).append("\"/");
                }
                long first = p.segments().get(0).baseDecodeTime();
                b.append(">\n        <SegmentTemplate timescale=\"").append(p.timescale()).append("\" initialization=\"")
                        .append(r.name()).append("/init.mp4\" media=\"").append(r.name()).append("/seg_$Number$.m4s\" startNumber=\"")
                        .append(number(p.files().get(0))).append("\" presentationTimeOffset=\"").append(first).append("\">\n")
                        .append("          <SegmentTimeline>\n");
                for (VodFragments.Segment s : p.segments()) {
                    b.append("            <S t=\"").append(s.baseDecodeTime()).append("\" d=\"").append(s.duration()).append("\"/>\n");
                }
                b.append("          </SegmentTimeline>\n        </SegmentTemplate>\n      </Representation>\n");
            }
            b.append("    </AdaptationSet>\n");
        }
        return b.append("  </Period>\n</MPD>\n").toString();
    }

    private static String number(String file) {
        Matcher m = SEGMENT.matcher(file);
        return m.matches() ? m.group(1) : "0";
    }

    private static String seconds(long ticks, int timescale) {
        return String.format(Locale.ROOT, "%.5f", ticks / (double) timescale);
    }
}
