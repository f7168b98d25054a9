package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.auth.AuthModule;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.tributary.config.StreamKeys;
import io.tributary.control.NodeCommands;
import io.tributary.control.NodeControl;
import io.tributary.grpc.api.CreateStreamRequest;
import io.tributary.grpc.api.CreatedStream;
import io.tributary.grpc.api.KickResult;
import io.tributary.grpc.api.ListStreamsRequest;
import io.tributary.grpc.api.StreamInfo;
import io.tributary.grpc.api.StreamList;
import io.tributary.grpc.api.StreamRef;
import io.tributary.grpc.api.StreamsGrpcService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * {@code tributary.v1.Streams}: the cluster's stream registry (which origin holds which key),
 * streams with publish secrets (the REST route's own code, {@link AuthModule#createStream}), and
 * kicking a publisher through its origin's command address.
 */
final class StreamCalls {

    private final Vertx vertx;
    private final HazelcastStreamRegistry registry;
    private final AuthModule auth;
    private final NodeCommands commands;

    StreamCalls(Vertx vertx, HazelcastStreamRegistry registry, AuthModule auth, NodeCommands commands) {
        this.vertx = vertx;
        this.registry = registry;
        this.auth = auth;
        this.commands = commands;
    }

    void bind(GrpcCalls calls) {
        calls.unary(StreamsGrpcService.List, Role.VIEWER, GrpcCalls.Kind.READ, this::list)
                .unary(StreamsGrpcService.Get, Role.VIEWER, GrpcCalls.Kind.READ, this::get)
                .unary(StreamsGrpcService.Create, Role.EDITOR, GrpcCalls.Kind.CREATE, this::create)
                .unary(StreamsGrpcService.Kick, Role.ADMIN, GrpcCalls.Kind.WRITE, this::kick);
    }

    private Future<StreamList> list(Caller caller, ListStreamsRequest req) {
        // a scan of the shared map: on a worker
        return vertx.executeBlocking(registry::entries, false).map(entries -> {
            StreamList.Builder out = StreamList.newBuilder();
            entries.forEach((key, e) -> out.addStreams(info(key, e)));
            return out.build();
        });
    }

    private Future<StreamInfo> get(Caller caller, StreamRef ref) {
        return entry(ref.getKey()).map(e -> info(ref.getKey(), e));
    }

    private Future<CreatedStream> create(Caller caller, CreateStreamRequest req) {
        String name = req.getName();
        return auth.createStream(name, caller).map(secret -> CreatedStream.newBuilder().setName(name).setSecret(secret)
                .setObsStreamKey(name + "." + secret)
                .setSrtStreamId("#!::r=live/" + name + ",m=publish,s=" + secret)
                .setPlaybackPath("/live/" + name + "/index.m3u8").build());
    }

    private Future<KickResult> kick(Caller caller, StreamRef ref) {
        String key = ref.getKey();
        return entry(key).compose(e -> {
            String node = e.getString("member");
            if (node == null) {
                return Future.failedFuture(StatusException.notFound("stream '" + key + "' names no origin node"));
            }
            return commands.send(node, NodeControl.kick(key)).map(r -> KickResult.newBuilder().setKey(key).setNode(node)
                    .setKicked(r.getInteger("kicked", 0)).build());
        });
    }

    /** The registry's entry of {@code key}: 400 for a malformed key, 404 when no origin holds it. */
    private Future<JsonObject> entry(String key) {
        if (!StreamKeys.valid(key)) {
            return Future.failedFuture(StatusException.badRequest("key must be 1-128 letters, digits, '-' or '_'"));
        }
        return vertx.executeBlocking(() -> {
            Map<String, JsonObject> all = registry.entries();
            JsonObject e = all.get(key);
            if (e == null) {
                throw StatusException.notFound("no stream '" + key + "' in the cluster");
            }
            return e;
        }, false);
    }

    private static StreamInfo info(String key, JsonObject e) {
        return StreamInfo.newBuilder().setKey(key).setOriginNode(e.getString("member", "")).setOriginUrl(e.getString("origin", ""))
                .setEnded(e.getBoolean("ended", false)).build();
    }
}
