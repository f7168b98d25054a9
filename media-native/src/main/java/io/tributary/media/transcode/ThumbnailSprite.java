package io.tributary.media.transcode;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;

/**
 * Scrubbing previews: one JPEG grid of small pictures (a sprite) and a WebVTT map whose cues name
 * each picture's rectangle ({@code sprite.jpg#xywh=x,y,w,h}) for the span of media it stands for.
 * The pictures are the keyframes opening the tiles' spans, read from one fMP4 stream (an init and
 * then the fragments that open each span, in order): only keyframes are decoded, so a sprite of a
 * long asset costs one decoded picture per tile. Blocking: call it on a worker thread.
 */
public final class ThumbnailSprite {

    /** A tile's span of media, in seconds from the asset's start. */
    public record Span(double start, double end) {
    }

    /** The sprite: its JPEG, its grid and the tiles in reading order (left to right, top to bottom). */
    public record Sheet(byte[] jpeg, int columns, int rows, int tileWidth, int tileHeight, List<Span> spans) {

        /** The WebVTT map naming {@code image} (a URI relative to the map). */
        public String vtt(String image) {
            StringBuilder b = new StringBuilder(32 + 80 * spans.size()).append("WEBVTT\n");
            for (int i = 0; i < spans.size(); i++) {
                Span s = spans.get(i);
                b.append('\n').append(time(s.start())).append(" --> ").append(time(s.end())).append('\n')
                        .append(image).append("#xywh=").append(i % columns * tileWidth).append(',')
                        .append(i / columns * tileHeight).append(',').append(tileWidth).append(',').append(tileHeight).append('\n');
            }
            return b.toString();
        }
    }

    /** A keyframe this close before a span's start still opens it (timestamps rounded by the muxer). */
    private static final double SLACK_SECONDS = 0.1;

    private ThumbnailSprite() {
    }

    /**
     * Renders {@code spans} (in order, from the stream's first picture's time) from {@code fmp4}: each
     * tile is the first keyframe at or after its span's start, scaled to {@code tileWidth} (the height
     * keeps the aspect ratio), laid out {@code columns} to a row. A span the stream has no keyframe for
     * repeats the picture before it.
     *
     * @throws IOException when the stream holds no decodable picture
     */
    public static Sheet render(InputStream fmp4, List<Span> spans, int tileWidth, int columns, float quality) throws IOException {
        if (spans.isEmpty() || tileWidth < 2 || columns < 1) {
            throw new IllegalArgumentException("a sprite needs spans, a tile width and columns");
        }
        BufferedImage[] pictures = new BufferedImage[spans.size()];
        int tileHeight = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(fmp4, 0);
             Java2DFrameConverter converter = new Java2DFrameConverter()) {
            g.setFormat("mp4");
            g.start();
            double first = Double.NaN;
            int next = 0; // the first span without a picture
            Frame frame;
            while (next < spans.size() && (frame = g.grabKeyFrame()) != null) {
                if (frame.image == null) {
                    continue;
                }
                double at = frame.timestamp / 1e6;
                if (Double.isNaN(first)) {
                    first = at;
                }
                double t = at - first;
                // the last span this keyframe opens: the spans it passed by keep the previous picture
                int span = next;
                while (span + 1 < spans.size() && spans.get(span + 1).start() - SLACK_SECONDS <= t) {
                    span++;
                }
                if (spans.get(span).start() - SLACK_SECONDS > t) {
                    continue; // inside a span that already has its picture
                }
                BufferedImage picture = converter.convert(frame);
                if (tileHeight == 0) {
                    tileHeight = Math.max(2, (int) Math.round(picture.getHeight() * (double) tileWidth / picture.getWidth()) & ~1);
                }
                pictures[span] = scaled(picture, tileWidth, tileHeight);
                next = span + 1;
            }
        }
        if (tileHeight == 0) {
            throw new IOException("no picture decodable for the thumbnail sprite");
        }
        int cols = Math.min(columns, spans.size());
        int rows = (spans.size() + cols - 1) / cols;
        BufferedImage sheet = new BufferedImage(cols * tileWidth, rows * tileHeight, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D gr = sheet.createGraphics();
        BufferedImage last = null;
        for (int i = 0; i < pictures.length; i++) {
            last = pictures[i] != null ? pictures[i] : last;
            if (last != null) {
                gr.drawImage(last, i % cols * tileWidth, i / cols * tileHeight, null);
            }
        }
        gr.dispose();
        return new Sheet(KeyframeThumbnail.jpeg(sheet, quality), cols, rows, tileWidth, tileHeight, List.copyOf(spans));
    }

    private static BufferedImage scaled(BufferedImage picture, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D gr = out.createGraphics();
        gr.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        gr.drawImage(picture, 0, 0, width, height, null);
        gr.dispose();
        return out;
    }

    /** WebVTT's {@code hh:mm:ss.ttt}. */
    static String time(double seconds) {
        long ms = Math.max(0, Math.round(seconds * 1000));
        return String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    }
}
