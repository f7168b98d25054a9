package io.tributary.delivery;

import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.media.transcode.RungStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Comparator;
import java.util.List;

/** {@code GET /api/v1/streams}: what is live on this node, as JSON. */
final class StreamsApi {

    private StreamsApi() {
    }

    static JsonArray list(LiveStreams streams) {
        JsonArray out = new JsonArray();
        streams.all().stream().sorted(Comparator.comparing(LiveStream::key)).forEach(s -> out.add(describe(s)));
        return out;
    }

    static JsonObject describe(LiveStream s) {
        JsonObject o = new JsonObject()
                .put("key", s.key())
                .put("state", s.state().name().toLowerCase())
                .put("protocol", s.protocol())
                .put("playable", s.playable())
                .put("playlist", "/live/" + s.key() + "/index.m3u8")
                .put("player", "/play/" + s.key())
                .put("uptimeSeconds", (System.currentTimeMillis() - s.publishedAt()) / 1000.0)
                .put("publisherSessions", s.sessions());
        JsonObject codecs = new JsonObject();
        long bitrate = 0;
        AvcConfig avc = s.videoConfig();
        if (avc != null) {
            codecs.put("video", avc.codecString());
            o.put("width", avc.width()).put("height", avc.height()).put("frameRate", s.frameRate());
            // the ingested bitrate: the first rendition is the source or its size-matched bypass
            List<String> videos = s.videoRenditions();
            if (!videos.isEmpty()) {
                bitrate += LiveHls.bandwidth(s.snapshot(videos.get(0)))[1];
            }
        }
        AacConfig aac = s.audioConfig();
        if (aac != null) {
            codecs.put("audio", aac.codecString());
            o.put("audioSampleRate", aac.sampleRate()).put("audioChannels", aac.channels());
            RenditionSnapshot a = s.snapshot(LiveStream.AUDIO);
            bitrate += LiveHls.bandwidth(a)[1];
        }
        o.put("codecs", codecs).put("bitrate", bitrate).put("renditions", new JsonArray(s.renditions()));
        JsonArray rungs = new JsonArray();
        for (RungStats r : s.transcodeStats()) {
            rungs.add(new JsonObject().put("rendition", r.rung()).put("framesIn", r.framesIn()).put("framesOut", r.framesOut())
                    .put("dropped", r.dropped()).put("queueDepth", r.queueDepth()).put("realtimeFactor", r.realtimeFactor())
                    .put("outputBitrate", Math.round(r.outputBitrate())));
        }
        if (!rungs.isEmpty()) {
            o.put("transcode", rungs);
        }
        return o;
    }
}
