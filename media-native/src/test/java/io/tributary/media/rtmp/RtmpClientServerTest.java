package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.flv.FlvTag;
import io.tributary.media.flv.FlvTagParser;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RtmpClientSession and RtmpServerSession wired back to back in memory. */
class RtmpClientServerTest {

    @Test
    void clientPublishesAndServerDeliversTagsWithIdenticalTimestampsAndPayloads() {
        List<FlvTag> tags = SyntheticPublish.tags(1000, 80, 3);
        SyntheticPublish.Capture capture = SyntheticPublish.run("cam1?token=s3cret", tags);
        List<RtmpEvent> events = capture.serverEvents();

        assertEquals(new RtmpEvent.Connected("live", "rtmp://localhost/live"), events.get(0));
        assertEquals(new RtmpEvent.PublishRequested("live", "cam1", "token=s3cret"), events.get(1));
        assertEquals(Map.of("width", 320.0, "height", 240.0, "encoder", "synthetic"),
                assertInstanceOf(MediaEvent.MetaData.class, RtmpTestKit.media(events.get(2))).values());

        // what the server reports must be exactly what a parser makes of the tags sent
        FlvTagParser parser = new FlvTagParser();
        List<RtmpEvent> expected = new ArrayList<>(events.subList(0, 3));
        for (FlvTag tag : tags) {
            expected.add(new RtmpEvent.Media(tag.type() == FlvTag.VIDEO ? parser.parseVideo(tag.timestamp(), tag.payload())
                    : parser.parseAudio(tag.timestamp(), tag.payload())));
        }
        expected.add(new RtmpEvent.Unpublished("cam1"));
        EventAssert.assertSameEvents(expected, events, "server events");

        MediaSample firstVideo = FfmpegPublishTest.samples(events, Track.VIDEO).get(0);
        assertEquals(1000, firstVideo.dts());
        assertEquals(80, firstVideo.compositionOffset());
        assertTrue(firstVideo.keyframe());
        assertArrayEquals(Arrays.copyOfRange(tags.get(3).payload(), 5, tags.get(3).payload().length), firstVideo.data());
    }

    @Test
    void timestampsBeyondExtendedRangeAndAcross32BitWrapArriveIntact() {
        long start = 0xFFFFFFFFL - 2000; // wraps the 32-bit wire clock after 2 s
        List<FlvTag> tags = SyntheticPublish.tags(start, 100, 5);
        List<RtmpEvent> events = SyntheticPublish.run("wrap", tags).serverEvents();
        List<MediaSample> video = FfmpegPublishTest.samples(events, Track.VIDEO);
        assertEquals(100, video.size());
        for (int i = 0; i < video.size(); i++) {
            assertEquals(start + 40L * i, video.get(i).dts(), "video frame " + i);
        }
    }

    @Test
    void clientReportsRejectionWithCodeAndDescription() {
        RtmpClientSession client = new RtmpClientSession("live", "rtmp://localhost/live", "bad", RtmpLimits.defaults());
        RtmpServerSession server = new RtmpServerSession(RtmpLimits.defaults());
        List<RtmpClientEvent> clientEvents = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            List<RtmpEvent> serverEvents = server.receive(client.drainOutbound());
            if (serverEvents.stream().anyMatch(e -> e instanceof RtmpEvent.PublishRequested)) {
                server.rejectPublish("NetStream.Publish.BadName", "no such key");
            }
            clientEvents.addAll(client.receive(server.drainOutbound()));
        }
        assertEquals(List.of(new RtmpClientEvent.Connected(), new RtmpClientEvent.Failed("NetStream.Publish.BadName", "no such key")),
                clientEvents);
        assertFalse(client.isPublishing());
        assertThrows(IllegalStateException.class, () -> client.encodeVideo(0, new byte[] {0x17, 1, 0, 0, 0, 1}));
    }
}
