package io.tributary.media.rtmp;

import io.tributary.media.flv.FlvTag;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A deterministic publish produced by {@link RtmpClientSession} against
 * {@link RtmpServerSession} in memory: the client's bytes make a capture that needs no
 * FFmpeg, and the tags it sent are known exactly.
 */
final class SyntheticPublish {

    record Capture(byte[] clientBytes, List<RtmpEvent> serverEvents, List<FlvTag> tags) {
    }

    private SyntheticPublish() {
    }

    /**
     * H.264-shaped video (keyframes larger than a 4096-byte chunk, B-frame style composition
     * offsets) and AAC-shaped audio interleaved by timestamp, starting at {@code startMs}.
     */
    static List<FlvTag> tags(long startMs, int videoFrames, long seed) {
        Random random = new Random(seed);
        List<FlvTag> tags = new ArrayList<>();
        byte[] avcc = {1, 0x64, 0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, 4, 0x67, 0x64, 0, 0x1E, 1, 0, 4, 0x68, (byte) 0xEE, 0x3C, (byte) 0x80};
        tags.add(new FlvTag(FlvTag.VIDEO, startMs, concat(new byte[] {0x17, 0, 0, 0, 0}, avcc)));
        tags.add(new FlvTag(FlvTag.AUDIO, startMs, new byte[] {(byte) 0xAF, 0, 0x12, 0x10}));
        int[] cts = {80, 160, 40, 40, 160};
        long audioTs = startMs;
        for (int f = 0; f < videoFrames; f++) {
            long videoTs = startMs + f * 40L;
            while (audioTs <= videoTs) {
                byte[] frame = randomBytes(random, 150 + random.nextInt(200));
                tags.add(new FlvTag(FlvTag.AUDIO, audioTs, concat(new byte[] {(byte) 0xAF, 1}, frame)));
                audioTs += 23;
            }
            boolean key = f % 25 == 0;
            int offset = key ? 80 : cts[f % cts.length];
            byte[] nal = randomBytes(random, key ? 9000 + random.nextInt(3000) : 100 + random.nextInt(3000));
            tags.add(new FlvTag(FlvTag.VIDEO, videoTs, concat(new byte[] {(byte) (key ? 0x17 : 0x27), 1, 0,
                (byte) (offset >> 8), (byte) offset}, nal)));
        }
        return tags;
    }

    static Capture run(String key, List<FlvTag> tags) {
        RtmpClientSession client = new RtmpClientSession("live", "rtmp://localhost/live", key, RtmpLimits.defaults());
        RtmpServerSession server = new RtmpServerSession(RtmpLimits.defaults());
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        List<RtmpEvent> events = new ArrayList<>();
        for (int round = 0; !client.isPublishing(); round++) {
            if (round > 20) {
                throw new AssertionError("client did not reach publishing");
            }
            toServer(client.drainOutbound(), server, sent, events);
            client.receive(server.drainOutbound());
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("width", 320.0);
        meta.put("height", 240.0);
        meta.put("encoder", "synthetic");
        toServer(client.encodeMetaData(meta), server, sent, events);
        for (FlvTag tag : tags) {
            byte[] bytes = tag.type() == FlvTag.VIDEO ? client.encodeVideo(tag.timestamp(), tag.payload())
                    : client.encodeAudio(tag.timestamp(), tag.payload());
            toServer(bytes, server, sent, events);
            client.receive(server.drainOutbound());
            toServer(client.drainOutbound(), server, sent, events);
        }
        client.unpublish();
        toServer(client.drainOutbound(), server, sent, events);
        return new Capture(sent.toByteArray(), events, tags);
    }

    private static void toServer(byte[] bytes, RtmpServerSession server, ByteArrayOutputStream sent, List<RtmpEvent> events) {
        sent.writeBytes(bytes);
        events.addAll(replayStep(server, bytes));
    }

    /** Feeds one piece and answers a publish request the way a permissive application would. */
    static List<RtmpEvent> replayStep(RtmpServerSession server, byte[] bytes) {
        List<RtmpEvent> events = new ArrayList<>(server.receive(bytes));
        if (events.stream().anyMatch(e -> e instanceof RtmpEvent.PublishRequested)) {
            server.acceptPublish();
        }
        return events;
    }

    /** Feeds pieces in order, accepting publish, and collects every event including released ones. */
    static List<RtmpEvent> replay(List<byte[]> pieces) {
        RtmpServerSession server = new RtmpServerSession(RtmpLimits.defaults());
        List<RtmpEvent> events = new ArrayList<>();
        for (byte[] piece : pieces) {
            events.addAll(replayStep(server, piece));
            server.drainOutbound();
        }
        events.addAll(server.receive(new byte[0]));
        return events;
    }

    static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
