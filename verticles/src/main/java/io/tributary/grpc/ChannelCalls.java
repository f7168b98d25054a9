package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.tributary.channel.ChannelModule;
import io.tributary.grpc.api.ChannelInfo;
import io.tributary.grpc.api.ChannelList;
import io.tributary.grpc.api.ChannelSchedule;
import io.tributary.grpc.api.ChannelsGrpcService;
import io.tributary.grpc.api.Programme;
import io.tributary.grpc.api.ScheduleRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static io.tributary.grpc.GrpcCalls.number;
import static io.tributary.grpc.GrpcCalls.text;

/** {@code tributary.v1.Channels}: the FAST channels and their EPG, through the REST routes' own code. */
final class ChannelCalls {

    /** Null on a node without channels. */
    private final ChannelModule channels;

    ChannelCalls(ChannelModule channels) {
        this.channels = channels;
    }

    void bind(GrpcCalls calls) {
        calls.unary(ChannelsGrpcService.List, Role.VIEWER, GrpcCalls.Kind.READ, (c, req) -> channels().channels().map(l -> {
                    ChannelList.Builder b = ChannelList.newBuilder();
                    l.getJsonArray("channels").forEach(o -> b.addChannels(info((JsonObject) o)));
                    return b.build();
                }))
                .unary(ChannelsGrpcService.Schedule, Role.VIEWER, GrpcCalls.Kind.READ, this::schedule);
    }

    private Future<ChannelSchedule> schedule(Caller caller, ScheduleRequest req) {
        if (req.getHours() < 0) {
            return Future.failedFuture(StatusException.badRequest("hours: a whole number from 1 to 168 (0: 24)"));
        }
        return channels().schedule(req.getChannel(), GrpcCalls.absentIfEmpty(req.getFrom()),
                req.getHours() == 0 ? null : Integer.toString(req.getHours())).map(s -> {
            ChannelSchedule.Builder b = ChannelSchedule.newBuilder().setChannel(text(s, "channel")).setTitle(text(s, "title"))
                    .setFrom(text(s, "from")).setTo(text(s, "to"));
            for (Object o : s.getJsonArray("programmes")) {
                JsonObject p = (JsonObject) o;
                b.addProgrammes(Programme.newBuilder().setStart(text(p, "start")).setEnd(text(p, "end"))
                        .setKind(text(p, "kind")).setTitle(text(p, "title")).setAsset(text(p, "asset")));
            }
            return b.build();
        });
    }

    private ChannelModule channels() {
        if (channels == null) {
            throw new StatusException(501, "this node has no FAST channels (channels.enabled or vod.enabled is false)");
        }
        return channels;
    }

    private static ChannelInfo info(JsonObject c) {
        ChannelInfo.Builder b = ChannelInfo.newBuilder().setId(text(c, "id")).setTitle(text(c, "title"))
                .setKind(text(c, "kind")).setEntries(number(c, "entries").intValue()).setLive(text(c, "live"))
                .setUpdatedAt(text(c, "updatedAt"));
        c.getJsonArray("renditions", new JsonArray()).forEach(r -> b.addRenditions(String.valueOf(r)));
        return b.build();
    }
}
