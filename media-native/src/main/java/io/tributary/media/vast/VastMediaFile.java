package io.tributary.media.vast;

/**
 * One {@code MediaFile} of a linear creative.
 *
 * @param url         the media's URI
 * @param type        its MIME type ({@code video/mp4}, {@code application/x-mpegURL}, ...), "" when absent
 * @param delivery    {@code progressive} or {@code streaming}
 * @param width       pixels, 0 when absent
 * @param height      pixels, 0 when absent
 * @param bitrateKbps kilobits per second (the {@code bitrate}, else {@code maxBitrate}), 0 when absent
 */
public record VastMediaFile(String url, String type, String delivery, int width, int height, int bitrateKbps) {

    public boolean progressive() {
        return "progressive".equalsIgnoreCase(delivery);
    }
}
