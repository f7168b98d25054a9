package io.tributary.grpc;

import io.tributary.grpc.api.CreateStreamRequest;
import io.tributary.grpc.api.CreatedStream;
import io.tributary.grpc.api.KickResult;
import io.tributary.grpc.api.ListNodesRequest;
import io.tributary.grpc.api.ListStreamsRequest;
import io.tributary.grpc.api.NodeInfo;
import io.tributary.grpc.api.NodeList;
import io.tributary.grpc.api.NodeRef;
import io.tributary.grpc.api.NodeState;
import io.tributary.grpc.api.NodesGrpcClient;
import io.tributary.grpc.api.ScaleRequest;
import io.tributary.grpc.api.ScaleResult;
import io.tributary.grpc.api.StreamInfo;
import io.tributary.grpc.api.StreamList;
import io.tributary.grpc.api.StreamRef;
import io.tributary.grpc.api.StreamsGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@code java -jar tributary.jar ctl [--server HOST:PORT] [--token TOKEN] COMMAND}: the gRPC control
 * plane from a shell. The token is an access token or an API key ({@code TRIBUTARY_TOKEN} when
 * {@code --token} is not given). Exit status: 0 done, 1 the server refused or failed (the gRPC
 * status is printed), 2 a usage error or no connection.
 */
public final class Ctl {

    /** One call's bound: a scale answers once the new set is deployed (the command address allows 30 s). */
    static final long CALL_TIMEOUT_S = 40;

    static final String USAGE = """
            usage: java -jar tributary.jar ctl [--server HOST:PORT] [--token TOKEN] COMMAND

              streams list                     streams of the cluster and their origin nodes (viewer)
              streams get KEY                  one stream (viewer)
              streams create NAME              a stream with a publish secret, shown once (editor)
              streams kick KEY                 disconnect the stream's publisher (admin)
              nodes list                       the cluster's nodes, their verticle sets (admin)
              node scale NODE SET INSTANCES    redeploy verticle set SET on NODE (admin)
              node drain NODE | node undrain NODE

            NODE is a member id as `nodes list` shows it, or "self" for the node --server names.
            --server defaults to %s; --token to the environment variable TRIBUTARY_TOKEN.
            """.formatted(GrpcSettings.DEFAULT_SERVER);

    /** A refusal or failure the server answered with. */
    static final class CallFailed extends RuntimeException {
        final GrpcStatus status;

        CallFailed(GrpcStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final PrintStream out;
    private final PrintStream err;
    private final Vertx vertx;
    private final GrpcClient client;
    private final SocketAddress server;
    private final String token;

    private Ctl(PrintStream out, PrintStream err, SocketAddress server, String token) {
        this.out = out;
        this.err = err;
        this.server = server;
        this.token = token;
        this.vertx = Vertx.vertx();
        this.client = GrpcClient.client(vertx);
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs one command; the exit status. In-process callers (tests) give their own streams and environment. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        String server = GrpcSettings.DEFAULT_SERVER;
        String token = env.get("TRIBUTARY_TOKEN");
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--server", "-s" -> {
                    if (++i >= args.length) {
                        return usage(err, "--server needs HOST:PORT");
                    }
                    server = args[i];
                }
                case "--token", "-t" -> {
                    if (++i >= args.length) {
                        return usage(err, "--token needs a token");
                    }
                    token = args[i];
                }
                case "--help", "-h", "help" -> {
                    out.print(USAGE);
                    return 0;
                }
                default -> words.add(args[i]);
            }
        }
        SocketAddress address = address(server);
        if (address == null) {
            return usage(err, "--server must be HOST:PORT, was '" + server + "'");
        }
        if (words.isEmpty()) {
            return usage(err, "no command");
        }
        Ctl ctl = new Ctl(out, err, address, token == null || token.isBlank() ? null : token.trim());
        try {
            return ctl.dispatch(words);
        } finally {
            ctl.client.close();
            ctl.vertx.close();
        }
    }

    private int dispatch(List<String> w) {
        String noun = w.get(0);
        String verb = w.size() > 1 ? w.get(1) : "";
        try {
            switch (noun + " " + verb) {
                case "streams list", "stream list" -> {
                    arity(w, 2);
                    StreamList l = call(StreamsGrpcClient.List, ListStreamsRequest.getDefaultInstance());
                    out.println("KEY\tORIGIN_NODE\tENDED\tORIGIN_URL");
                    for (StreamInfo s : l.getStreamsList()) {
                        out.println(s.getKey() + "\t" + s.getOriginNode() + "\t" + s.getEnded() + "\t" + s.getOriginUrl());
                    }
                }
                case "streams get", "stream get" -> {
                    arity(w, 3);
                    StreamInfo s = call(StreamsGrpcClient.Get, StreamRef.newBuilder().setKey(w.get(2)).build());
                    out.println("key " + s.getKey() + "\norigin node " + s.getOriginNode() + "\norigin url " + s.getOriginUrl()
                            + "\nended " + s.getEnded());
                }
                case "streams create", "stream create" -> {
                    arity(w, 3);
                    CreatedStream c = call(StreamsGrpcClient.Create, CreateStreamRequest.newBuilder().setName(w.get(2)).build());
                    out.println("stream " + c.getName() + " created; its publish secret is shown this once:\nsecret "
                            + c.getSecret() + "\nobs stream key " + c.getObsStreamKey() + "\nsrt stream id " + c.getSrtStreamId()
                            + "\nplayback " + c.getPlaybackPath());
                }
                case "streams kick", "stream kick" -> {
                    arity(w, 3);
                    KickResult k = call(StreamsGrpcClient.Kick, StreamRef.newBuilder().setKey(w.get(2)).build());
                    out.println("kicked " + k.getKicked() + " publisher(s) of " + k.getKey() + " on node " + k.getNode());
                }
                case "nodes list", "node list" -> {
                    arity(w, 2);
                    NodeList l = call(NodesGrpcClient.List, ListNodesRequest.getDefaultInstance());
                    out.println("NODE\tSELF\tDRAINING\tSTREAMS\tPUBLISHERS\tSETS");
                    for (NodeInfo n : l.getNodesList()) {
                        String sets = n.getSetsList().stream().map(s -> s.getName() + "=" + s.getInstances())
                                .collect(Collectors.joining(","));
                        out.println(n.getNode() + "\t" + n.getSelf() + "\t" + n.getDraining() + "\t" + n.getStreams() + "\t"
                                + n.getPublishers() + "\t" + (n.getError().isEmpty() ? sets : "(" + n.getError() + ")"));
                    }
                }
                case "node scale", "nodes scale" -> {
                    arity(w, 5);
                    int n;
                    try {
                        n = Integer.parseInt(w.get(4));
                    } catch (NumberFormatException e) {
                        return usage(err, "INSTANCES must be an integer, was '" + w.get(4) + "'");
                    }
                    ScaleResult r = call(NodesGrpcClient.Scale, ScaleRequest.newBuilder().setNode(w.get(2)).setSet(w.get(3))
                            .setInstances(n).build());
                    out.println("node " + r.getNode() + ": " + r.getSet() + " " + r.getPrevious() + " -> " + r.getInstances()
                            + " instances");
                }
                case "node drain", "nodes drain", "node undrain", "nodes undrain" -> {
                    arity(w, 3);
                    NodeRef ref = NodeRef.newBuilder().setNode(w.get(2)).build();
                    NodeState s = call(verb.equals("drain") ? NodesGrpcClient.Drain : NodesGrpcClient.Undrain, ref);
                    out.println("node " + s.getNode() + ": " + s.getStatus() + " (streams " + s.getStreams() + ", publishers "
                            + s.getPublishers() + ")");
                }
                default -> {
                    return usage(err, "unknown command '" + String.join(" ", w) + "'");
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        } catch (CallFailed e) {
            err.println("ctl: " + e.status.name() + ": " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("ctl: " + e.getMessage());
            return 2;
        }
    }

    /** One unary call with the token in its metadata; throws {@link CallFailed} with the server's status. */
    private <Req, Resp> Resp call(ServiceMethod<Resp, Req> method, Req message) {
        Future<Resp> answer = client.request(server, method).compose(req -> {
            if (token != null) {
                req.headers().set("authorization", "Bearer " + token);
            }
            req.timeout(CALL_TIMEOUT_S, TimeUnit.SECONDS);
            return req.end(message).compose(v -> req.response()).compose(resp -> resp.last().<Resp>transform(ar -> {
                GrpcStatus status = resp.status();
                if (status != null && status != GrpcStatus.OK) {
                    String detail = resp.statusMessage();
                    return Future.failedFuture(new CallFailed(status, detail == null || detail.isEmpty() ? status.name() : detail));
                }
                return ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause());
            }));
        });
        try {
            return answer.toCompletionStage().toCompletableFuture().get(CALL_TIMEOUT_S + 5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CallFailed f) {
                throw f;
            }
            throw new IllegalStateException("no answer from " + server + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from " + server + " within " + (CALL_TIMEOUT_S + 5) + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static void arity(List<String> w, int n) {
        if (w.size() != n) {
            throw new IllegalArgumentException("'" + String.join(" ", w) + "' takes " + (n - 2) + " argument(s)");
        }
    }

    private static SocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return null;
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return port > 0 && port < 65536 ? SocketAddress.inetSocketAddress(port, host) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println("ctl: " + problem);
        err.print(USAGE);
        return 2;
    }
}
