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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.SequenceInputStream;

/**
 * A JPEG of the first picture of a CMAF segment (which starts with a keyframe): the init and
 * the segment are demuxed and decoded by FFmpeg, the picture scaled to the asked width (the
 * height keeps the aspect ratio) and encoded. Blocking: call it on a worker thread.
 */
public final class KeyframeThumbnail {

    private KeyframeThumbnail() {
    }

    /** @throws IOException when the media holds no decodable picture */
    public static byte[] jpeg(byte[] init, byte[] segment, int width, float quality) throws IOException {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(
                new SequenceInputStream(new ByteArrayInputStream(init), new ByteArrayInputStream(segment)), 0)) {
            g.setFormat("mp4");
            g.start();
            Frame frame = null;
            for (int i = 0; i < 8 && frame == null; i++) { // a few tries: a decoder may want more than one packet
                frame = g.grabImage();
            }
            if (frame == null || frame.image == null) {
                throw new IOException("no picture decodable in the segment");
            }
            BufferedImage picture;
            try (Java2DFrameConverter c = new Java2DFrameConverter()) {
                picture = c.convert(frame);
            }
            int height = Math.max(2, (int) Math.round(picture.getHeight() * (double) width / picture.getWidth()) & ~1);
            BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D gr = scaled.createGraphics();
            gr.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            gr.drawImage(picture, 0, 0, width, height, null);
            gr.dispose();
            return jpeg(scaled, quality);
        }
    }

    /** {@code image} as a JPEG of {@code quality} (0-1). */
    static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
