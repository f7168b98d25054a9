package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;

import io.tributary.media.Track;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real FFmpeg publisher (JavaCV) against RtmpServerSession over a loopback socket. */
@Tag("e2e")
class FfmpegPublishTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void ffmpegPublishesH264WithBFramesAndAacToTheSession() throws Exception {
        FfmpegPublishCapture.Result result = FfmpegPublishCapture.get();
        assertNull(result.serverError(), () -> "server loop failed: " + result.serverError());
        List<RtmpEvent> events = result.events();

        RtmpEvent.Connected connected = first(events, RtmpEvent.Connected.class);
        assertEquals("live", connected.app());
        assertTrue(connected.tcUrl().startsWith("rtmp://127.0.0.1:"), connected.tcUrl());

        RtmpEvent.PublishRequested publish = first(events, RtmpEvent.PublishRequested.class);
        assertEquals("live", publish.app());
        assertEquals("testkey", publish.streamKey());
        assertEquals("", publish.query());

        assertTrue(first(events, MediaEvent.MetaData.class).values().containsKey("width"), "onMetaData carries width");
        byte[] avcc = first(events, MediaEvent.VideoConfig.class).avcDecoderConfigurationRecord();
        assertEquals(1, avcc[0], "AVCDecoderConfigurationRecord version");
        assertTrue(first(events, MediaEvent.AudioConfig.class).audioSpecificConfig().length >= 2);

        List<io.tributary.media.MediaSample> video = samples(events, Track.VIDEO);
        List<io.tributary.media.MediaSample> audio = samples(events, Track.AUDIO);
        assertTrue(video.size() >= FfmpegPublishCapture.FRAMES - 2, "video samples: " + video.size());
        assertTrue(video.get(0).keyframe(), "stream starts on a keyframe");
        assertTrue(video.stream().filter(s -> s.keyframe()).count() >= 2, "a keyframe per GOP of 25");
        assertTrue(video.stream().anyMatch(s -> s.compositionOffset() > 0), "B-frames give composition offsets");
        assertTrue(audio.size() >= 60, "audio samples: " + audio.size()); // ~2 s of 1024-sample AAC frames
        for (int i = 1; i < video.size(); i++) {
            assertTrue(video.get(i).dts() >= video.get(i - 1).dts(), "video dts never decreases");
        }
        long span = video.get(video.size() - 1).dts() - video.get(0).dts();
        assertTrue(span >= 1800 && span <= 2100, "two seconds of video, span " + span + " ms");

        assertTrue(result.peerClosed(), "FFmpeg closed the connection");
        assertEquals(new RtmpEvent.Unpublished("testkey"), events.get(events.size() - 1));
        assertEquals(1, events.stream().filter(e -> e instanceof RtmpEvent.Unpublished).count());
    }

    static List<io.tributary.media.MediaSample> samples(List<RtmpEvent> events, Track track) {
        return events.stream().filter(e -> e instanceof RtmpEvent.Media m && m.event() instanceof MediaEvent.Sample s && s.sample().track() == track)
                .map(e -> ((MediaEvent.Sample) RtmpTestKit.media(e)).sample()).toList();
    }

    static <T> T first(List<RtmpEvent> events, Class<T> type) {
        return events.stream().map(e -> e instanceof RtmpEvent.Media m ? (Object) m.event() : e)
                .filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + summary(events)));
    }

    static String summary(List<RtmpEvent> events) {
        StringBuilder sb = new StringBuilder();
        for (RtmpEvent e : events.subList(0, Math.min(events.size(), 12))) {
            sb.append(e.getClass().getSimpleName()).append(' ');
        }
        return sb.append("... (").append(events.size()).append(" events)").toString();
    }
}
