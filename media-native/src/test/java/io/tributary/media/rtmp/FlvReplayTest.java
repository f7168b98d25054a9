package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;

import io.tributary.media.Track;
import io.tributary.media.flv.FlvFileReader;
import io.tributary.media.flv.FlvTag;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark path: an FLV recorded by FFmpeg, read back and replayed over RTMP in memory. */
@Tag("e2e")
class FlvReplayTest {

    @Test
    void ffmpegRecordedFlvReplaysThroughClientAndServer(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("clip.flv");
        FfmpegPublishCapture.publish(file.toString());
        List<FlvTag> all = FlvFileReader.readAll(file);
        List<FlvTag> media = all.stream().filter(t -> t.type() == FlvTag.VIDEO || t.type() == FlvTag.AUDIO).toList();
        long videoFrames = media.stream().filter(t -> t.type() == FlvTag.VIDEO && t.payload()[1] == 1).count();
        assertTrue(videoFrames >= FfmpegPublishCapture.FRAMES - 2, "video frames in file: " + videoFrames);

        List<RtmpEvent> events = SyntheticPublish.run("replay", media).serverEvents();
        FfmpegPublishTest.first(events, MediaEvent.VideoConfig.class);
        FfmpegPublishTest.first(events, MediaEvent.AudioConfig.class);
        assertEquals(videoFrames, FfmpegPublishTest.samples(events, Track.VIDEO).size());
        assertTrue(FfmpegPublishTest.samples(events, Track.VIDEO).stream().anyMatch(s -> s.compositionOffset() > 0));
    }
}
