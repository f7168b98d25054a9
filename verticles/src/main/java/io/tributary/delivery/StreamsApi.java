package io.tributary.delivery;

import io.tributary.StatusException;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.srt.SrtStats;
import io.tributary.metrics.NodeMetrics;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.media.transcode.RungStats;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

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

    /**
     * {@code POST /api/v1/streams/{key}/cues}: an operator's ad break on a live stream, at its newest
     * media time: {@code {"type":"out","duration":30,"id":"break-1"}} starts one ({@code duration} in
     * seconds, 0 or absent = until an {@code in}), {@code {"type":"in"}} ends it. A cue event on the
     * stream's timeline (what SSAI splices at); 202 with the cue as JSON.
     */
    static void cue(LiveStreams streams, RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw StatusException.badRequest("body must be a JSON object like {\"type\":\"out\",\"duration\":30}");
        }
        if (body == null || !(body.getValue("type") instanceof String type) || !(type.equals("out") || type.equals("in"))) {
            throw StatusException.badRequest("type must be \"out\" or \"in\"");
        }
        Object d = body.getValue("duration", 0);
        if (!(d instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 86_400)) {
            throw StatusException.badRequest("duration must be a number of seconds from 0 to 86400");
        }
        Object idValue = body.getValue("id", "");
        if (!(idValue instanceof String id) || id.length() > 128) {
            throw StatusException.badRequest("id must be a string of at most 128 characters");
        }
        String key = ctx.pathParam("key");
        boolean out = type.equals("out");
        double duration = n.doubleValue();
        streams.cue(key, out, duration, id).onSuccess(x -> ctx.response().setStatusCode(202)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("stream", key).put("type", type).put("duration", duration).put("id", id).encode()))
                .onFailure(ctx::fail);
    }

    /** {@link #describe(LiveStream)} with the SRT publisher's transport figures when it has one. */
    static JsonObject describe(LiveStream s, NodeMetrics metrics) {
        JsonObject o = describe(s);
        SrtStats srt = metrics.srtFigures(s.key());
        if (srt != null) {
            o.put("srt", new JsonObject().put("rttMs", srt.rttMicros() / 1000.0).put("latencyMs", srt.latencyMs())
                    .put("packetsReceived", srt.packetsReceived()).put("packetsLost", srt.lost())
                    .put("packetsRetransmitted", srt.retransmitted()).put("packetsDropped", srt.droppedTooLate())
                    .put("bytesReceived", srt.bytesReceived()).put("clockDriftMs", srt.driftMicros() / 1000.0));
        }
        return o;
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
        VideoTrackConfig avc = s.videoConfig();
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
