package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;

import io.tributary.media.MediaSample;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/** Event comparison by value, including payload bytes (records compare arrays by identity). */
final class EventAssert {

    private EventAssert() {
    }

    static void assertSameEvents(List<RtmpEvent> expected, List<RtmpEvent> actual, String context) {
        String mismatch = firstMismatch(expected, actual);
        if (mismatch != null) {
            fail(context + ": " + mismatch);
        }
    }

    /** @return a description of the first difference, or null if the sequences are equal */
    static String firstMismatch(List<RtmpEvent> expected, List<RtmpEvent> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!same(expected.get(i), actual.get(i))) {
                return "event " + i + " differs: expected " + describe(expected.get(i)) + " but got " + describe(actual.get(i));
            }
        }
        if (expected.size() != actual.size()) {
            return "expected " + expected.size() + " events but got " + actual.size();
        }
        return null;
    }

    static boolean same(RtmpEvent a, RtmpEvent b) {
        if (a instanceof RtmpEvent.Media x && b instanceof RtmpEvent.Media y) {
            return same(x.event(), y.event());
        }
        return a.equals(b);
    }

    static boolean same(MediaEvent a, MediaEvent b) {
        if (a instanceof MediaEvent.VideoConfig x && b instanceof MediaEvent.VideoConfig y) {
            return Arrays.equals(x.avcDecoderConfigurationRecord(), y.avcDecoderConfigurationRecord());
        }
        if (a instanceof MediaEvent.AudioConfig x && b instanceof MediaEvent.AudioConfig y) {
            return Arrays.equals(x.audioSpecificConfig(), y.audioSpecificConfig());
        }
        if (a instanceof MediaEvent.Sample x && b instanceof MediaEvent.Sample y) {
            MediaSample s = x.sample();
            MediaSample t = y.sample();
            return s.track() == t.track() && s.dts() == t.dts() && s.compositionOffset() == t.compositionOffset()
                    && s.keyframe() == t.keyframe() && Arrays.equals(s.data(), t.data());
        }
        return a.equals(b);
    }

    static String describe(RtmpEvent e) {
        return e instanceof RtmpEvent.Media m ? describe(m.event()) : String.valueOf(e);
    }

    static String describe(MediaEvent e) {
        if (e instanceof MediaEvent.Sample s) {
            MediaSample m = s.sample();
            return "Sample[" + m.track() + " dts=" + m.dts() + " cts=" + m.compositionOffset() + " key=" + m.keyframe()
                    + " bytes=" + m.data().length + " hash=" + Arrays.hashCode(m.data()) + "]";
        }
        if (e instanceof MediaEvent.VideoConfig v) {
            return "VideoConfig[" + Arrays.toString(v.avcDecoderConfigurationRecord()) + "]";
        }
        if (e instanceof MediaEvent.AudioConfig a) {
            return "AudioConfig[" + Arrays.toString(a.audioSpecificConfig()) + "]";
        }
        return String.valueOf(e);
    }
}
