package io.tributary.media.hls;

import java.util.List;
import java.util.Locale;

/** Renders the multivariant playlist of a live stream: video variants plus one audio group. */
public final class MultivariantPlaylist {

    public static final String AUDIO_GROUP = "audio";

    /** One video variant; {@code bandwidth} in bits/s (peak), {@code averageBandwidth} mean. */
    public record Variant(String uri, String videoCodec, int width, int height, double frameRate,
                          long bandwidth, long averageBandwidth) {
    }

    /** The audio rendition, or null for a video-only stream. */
    public record Audio(String uri, String name, String codec, int channels, long bandwidth) {
    }

    private MultivariantPlaylist() {
    }

    /** Without a CLOSED-CAPTIONS attribute: the variants may carry captions (a source's, passed through). */
    public static String render(List<Variant> variants, Audio audio, String query) {
        return render(variants, audio, query, false);
    }

    /**
     * With {@code noCaptions}, every variant says {@code CLOSED-CAPTIONS=NONE} (RFC 8216bis: NONE on one
     * means NONE on all): the node's own encodes and a source that showed none carry no captions.
     */
    public static String render(List<Variant> variants, Audio audio, String query, boolean noCaptions) {
        String q = query == null || query.isEmpty() ? "" : "?" + query;
        StringBuilder b = new StringBuilder(512);
        b.append("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        if (audio != null) {
            b.append("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"").append(AUDIO_GROUP).append("\",NAME=\"")
                    .append(audio.name()).append("\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"")
                    .append(audio.channels()).append("\",URI=\"").append(audio.uri()).append(q).append("\"\n");
        }
        for (Variant v : variants) {
            long audioBw = audio == null ? 0 : audio.bandwidth();
            b.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(v.bandwidth() + audioBw)
                    .append(",AVERAGE-BANDWIDTH=").append(v.averageBandwidth() + audioBw)
                    .append(",CODECS=\"").append(v.videoCodec());
            if (audio != null) {
                b.append(',').append(audio.codec());
            }
            b.append('"');
            if (v.width() > 0) {
                b.append(",RESOLUTION=").append(v.width()).append('x').append(v.height());
            }
            if (v.frameRate() > 0) {
                b.append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", v.frameRate()));
            }
            if (audio != null) {
                b.append(",AUDIO=\"").append(AUDIO_GROUP).append('"');
            }
            if (noCaptions) {
                b.append(",CLOSED-CAPTIONS=NONE");
            }
            b.append('\n').append(v.uri()).append(q).append('\n');
        }
        if (variants.isEmpty() && audio != null) {
            // audio-only stream: the audio playlist is the variant
            b.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(audio.bandwidth()).append(",CODECS=\"")
                    .append(audio.codec()).append("\"\n").append(audio.uri()).append(q).append('\n');
        }
        return b.toString();
    }
}
