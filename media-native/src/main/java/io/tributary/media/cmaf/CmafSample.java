package io.tributary.media.cmaf;

/**
 * One sample of a fragment; {@code duration} and {@code compositionOffset} are in the track
 * timescale. {@code duration} is an unsigned 32-bit value in MP4 and must not be negative here;
 * {@code compositionOffset} may be negative (fragments use trun version 1).
 * {@code data} is written as-is (AVCC length-prefixed NAL units for H.264, a raw AAC frame).
 */
public record CmafSample(int duration, int compositionOffset, boolean sync, byte[] data) {
}
