package io.tributary.vod;

import io.tributary.media.cmaf.Fmp4Reader;
import io.tributary.media.codec.MediaFormatException;

/**
 * Reads what the packager needs from fragmented MP4: the track's timescale and codec from an
 * init segment, and per media segment its first fragment's place (for trick-play byte ranges),
 * whether that fragment opens on a sync sample, its decode time and its duration in ticks.
 * Plain bytes in, numbers out.
 */
final class VodFragments {

    /** What one media segment holds. */
    record Segment(long baseDecodeTime, long duration, long firstFragmentOffset, long iframeLength, boolean startsWithSync,
                   int keyframes) {
    }

    /** What an init segment says. */
    record Init(int timescale, String codec) {
    }

    private VodFragments() {
    }

    /** Any track: sync flags read from each sample, no trex defaults (the packager's own segments carry theirs). */
    private static final Fmp4Reader.Track FLAGGED = new Fmp4Reader.Track(true, 0, "", new byte[0], 0, 0, 0);

    static Init init(byte[] bytes) {
        try {
            Fmp4Reader.Track track = Fmp4Reader.init(bytes);
            byte[] avcC = track.config();
            String codec = track.video()
                    ? String.format("avc1.%02x%02x%02x", avcC[1] & 0xff, avcC[2] & 0xff, avcC[3] & 0xff) : "mp4a.40.2";
            return new Init(track.timescale(), codec);
        } catch (MediaFormatException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not an init segment: " + e.getMessage(), e);
        }
    }

    /** A media segment: one or more moof+mdat pairs (an optional styp/sidx before them). */
    static Segment segment(byte[] bytes) {
        java.util.List<Fmp4Reader.Fragment> fragments;
        try {
            fragments = Fmp4Reader.fragments(FLAGGED, bytes);
        } catch (MediaFormatException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not a media segment: " + e.getMessage(), e);
        }
        if (fragments.isEmpty()) {
            throw new IllegalArgumentException("segment has no moof");
        }
        Fmp4Reader.Fragment first = fragments.get(0);
        long duration = 0;
        int keyframes = 0;
        for (Fmp4Reader.Fragment f : fragments) {
            for (Fmp4Reader.Sample s : f.samples()) {
                duration += s.duration();
                keyframes += s.sync() ? 1 : 0;
            }
        }
        boolean firstSync = !first.samples().isEmpty() && first.samples().get(0).sync();
        long firstSize = first.samples().isEmpty() ? 0 : first.samples().get(0).data().length;
        // the moof, the mdat header and the first sample: what decodes the keyframe alone
        long iframeLength = first.moofSize() + 8 + firstSize;
        return new Segment(first.baseDecodeTime(), duration, first.offset(), iframeLength, firstSync, keyframes);
    }
}
