package io.tributary.grpc;

import io.tributary.grpc.api.Asset;
import io.tributary.grpc.api.AssetPage;
import io.tributary.grpc.api.AssetRef;
import io.tributary.grpc.api.AssetsGrpcClient;
import io.tributary.grpc.api.ChannelInfo;
import io.tributary.grpc.api.ChannelList;
import io.tributary.grpc.api.ChannelSchedule;
import io.tributary.grpc.api.ChannelsGrpcClient;
import io.tributary.grpc.api.CreateStreamRequest;
import io.tributary.grpc.api.CreatedStream;
import io.tributary.grpc.api.KickResult;
import io.tributary.grpc.api.ListNodesRequest;
import io.tributary.grpc.api.ListStreamsRequest;
import io.tributary.grpc.api.NodeInfo;
import io.tributary.grpc.api.NodeList;
import io.tributary.grpc.api.NodeRef;
import io.tributary.grpc.api.NodeState;
import io.tributary.grpc.api.ListChannelsRequest;
import io.tributary.grpc.api.NodesGrpcClient;
import io.tributary.grpc.api.Programme;
import io.tributary.grpc.api.RecordedRange;
import io.tributary.grpc.api.RecordingList;
import io.tributary.grpc.api.RecordingsGrpcClient;
import io.tributary.grpc.api.RecordingsRequest;
import io.tributary.grpc.api.RenditionRecording;
import io.tributary.grpc.api.ScheduleRequest;
import io.tributary.grpc.api.SearchAssetsRequest;
import io.tributary.grpc.api.DeletedRecordings;
import io.tributary.grpc.api.ScaleRequest;
import io.tributary.grpc.api.ScaleResult;
import io.tributary.grpc.api.StreamInfo;
import io.tributary.grpc.api.StreamList;
import io.tributary.grpc.api.StreamRef;
import io.tributary.grpc.api.StreamsGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@code java -jar tributary.jar ctl [--server HOST:PORT] [--token TOKEN] [--tls] [--ca FILE] COMMAND}: the
 * gRPC control plane from a shell. The token is an access token or an API key ({@code TRIBUTARY_TOKEN}
 * when {@code --token} is not given). {@code --tls} for a node with {@code tls.cert} set (its
 * certificate checked against the JVM's trust store, or {@code --ca}'s PEM certificates). Exit
 * status: 0 done, 1 the server refused or failed (the gRPC status is printed), 2 a usage error or no
 * connection.
 */
public final class Ctl {

    /** One call's bound: a scale answers once the new set is deployed (the command address allows 30 s). */
    static final long CALL_TIMEOUT_S = 40;

    static final String USAGE = """
            usage: java -jar tributary.jar ctl [--server HOST:PORT] [--token TOKEN] [--tls] [--ca FILE] COMMAND

              streams list                     streams of the cluster and their origin nodes (viewer)
              streams get KEY                  one stream (viewer)
              streams create NAME              a stream with a publish secret, shown once (editor)
              streams kick KEY                 disconnect the stream's publisher (admin)
              nodes list                       the cluster's nodes, their verticle sets (admin)
              node scale NODE SET INSTANCES    redeploy verticle set SET on NODE (admin)
              node drain NODE | node undrain NODE
              recordings list KEY [FROM [TO]]  a stream's recorded ranges and gaps per rendition (viewer)
              recordings delete KEY FROM TO    delete what was recorded in the window, on every node (admin)
              assets list [WORDS...]           the VOD catalog, newest first, or a full-text search (viewer;
                                               --page N for the next pages, --tag TAG to filter)
              assets get ID                    one asset (viewer)
              assets delete ID                 an asset and its media (editor)
              channels list                    the FAST channels (viewer)
              channels schedule ID [HOURS]     a channel's programmes from now, 24 hours by default (viewer)

            NODE is a member id as `nodes list` shows it, or "self" for the node --server names.
            FROM and TO: ISO 8601 (2026-12-07T01:00:00Z) or Unix seconds.
            --server defaults to %s; --token to the environment variable TRIBUTARY_TOKEN.
            --tls: the node serves TLS (tls.cert set); --ca FILE: trust these PEM certificates (implies
            --tls) instead of the JVM's trust store.
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

    /** What the command line set besides the command. */
    private record Options(boolean tls, Path ca, int page, String tag) {
    }

    private final Options options;

    private Ctl(PrintStream out, PrintStream err, SocketAddress server, String token, Options options) {
        this.out = out;
        this.err = err;
        this.server = server;
        this.token = token;
        this.options = options;
        this.vertx = Vertx.vertx();
        if (!options.tls()) {
            this.client = GrpcClient.client(vertx);
        } else {
            // HTTP/2 by ALPN; the host name (or IP) of --server checked against the certificate
            HttpClientOptions http = new HttpClientOptions().setSsl(true).setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2)
                    .setVerifyHost(true);
            if (options.ca() != null) {
                http.setTrustOptions(new PemTrustOptions().addCertPath(options.ca().toString()));
            }
            this.client = GrpcClient.client(vertx, http);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs one command; the exit status. In-process callers (tests) give their own streams and environment. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        String server = GrpcSettings.DEFAULT_SERVER;
        String token = env.get("TRIBUTARY_TOKEN");
        boolean tls = false;
        Path ca = null;
        int page = 0;
        String tag = null;
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
                case "--tls" -> tls = true;
                case "--ca" -> {
                    if (++i >= args.length) {
                        return usage(err, "--ca needs a PEM file of the certificates to trust");
                    }
                    ca = Path.of(args[i]);
                    if (!Files.isReadable(ca)) {
                        return usage(err, "--ca: cannot read " + ca);
                    }
                    tls = true;
                }
                case "--page" -> {
                    if (++i >= args.length || !args[i].matches("[1-9][0-9]{0,4}")) {
                        return usage(err, "--page needs a page number from 1");
                    }
                    page = Integer.parseInt(args[i]);
                }
                case "--tag" -> {
                    if (++i >= args.length) {
                        return usage(err, "--tag needs a tag");
                    }
                    tag = args[i];
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
        Ctl ctl = new Ctl(out, err, address, token == null || token.isBlank() ? null : token.trim(),
                new Options(tls, ca, page, tag));
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
                case "recordings list", "recording list" -> {
                    if (w.size() < 3 || w.size() > 5) {
                        throw new IllegalArgumentException("'recordings list' takes KEY [FROM [TO]]");
                    }
                    RecordingList l = call(RecordingsGrpcClient.List, RecordingsRequest.newBuilder().setStream(w.get(2))
                            .setFrom(w.size() > 3 ? w.get(3) : "").setTo(w.size() > 4 ? w.get(4) : "").build());
                    out.println("RENDITION\tFROM\tTO\tSECONDS\tSEGMENTS\tBYTES");
                    for (RenditionRecording r : l.getRenditionsList()) {
                        for (RecordedRange g : r.getRangesList()) {
                            out.println(r.getRendition() + "\t" + g.getFrom() + "\t" + g.getTo() + "\t" + g.getSeconds() + "\t"
                                    + g.getSegments() + "\t" + g.getBytes());
                        }
                        for (RecordedRange g : r.getGapsList()) {
                            out.println(r.getRendition() + "\tgap " + g.getFrom() + "\t" + g.getTo() + "\t" + g.getSeconds() + "\t-\t-");
                        }
                    }
                    if (l.getTruncated()) {
                        out.println("(more ranges than one answer lists: give a narrower FROM TO)");
                    }
                }
                case "recordings delete", "recording delete" -> {
                    arity(w, 5);
                    DeletedRecordings d = call(RecordingsGrpcClient.Delete, RecordingsRequest.newBuilder().setStream(w.get(2))
                            .setFrom(w.get(3)).setTo(w.get(4)).build());
                    out.println("deleted " + d.getSegments() + " segment(s), " + d.getBytes() + " bytes of " + d.getStream() + " from "
                            + d.getFrom() + " to " + d.getTo());
                    d.getOtherNodesList().forEach(n -> out.println("node " + n));
                }
                case "assets list", "asset list" -> {
                    String words = String.join(" ", w.subList(2, w.size()));
                    SearchAssetsRequest.Builder q = SearchAssetsRequest.newBuilder().setQuery(words).setPage(options.page());
                    if (options.tag() != null) {
                        q.setTag(options.tag());
                    }
                    AssetPage p = call(AssetsGrpcClient.Search, q.build());
                    out.println("ID\tSTATE\tSECONDS\tAVAILABLE\tTITLE");
                    for (Asset a : p.getAssetsList()) {
                        out.println(a.getId() + "\t" + a.getState() + "\t" + a.getDurationSeconds() + "\t" + a.getAvailable() + "\t"
                                + a.getTitle());
                    }
                    if (p.getMore()) {
                        out.println("(page " + p.getPage() + "; more: --page " + (p.getPage() + 1) + ")");
                    }
                }
                case "assets get", "asset get" -> {
                    arity(w, 3);
                    Asset a = call(AssetsGrpcClient.Get, AssetRef.newBuilder().setId(w.get(2)).build());
                    out.println("id " + a.getId() + "\ntitle " + a.getTitle() + "\nstate " + a.getState() + "\nduration "
                            + a.getDurationSeconds() + " s\ntags " + String.join(",", a.getTagsList()) + "\nrenditions "
                            + String.join(",", a.getRenditionsList()) + "\navailable " + a.getAvailable()
                            + (a.getHls().isEmpty() ? "" : "\nhls " + a.getHls()) + (a.getError().isEmpty() ? "" : "\nerror " + a.getError()));
                }
                case "assets delete", "asset delete" -> {
                    arity(w, 3);
                    out.println("asset " + call(AssetsGrpcClient.Delete, AssetRef.newBuilder().setId(w.get(2)).build()).getId() + " deleted");
                }
                case "channels list", "channel list" -> {
                    arity(w, 2);
                    ChannelList l = call(ChannelsGrpcClient.List, ListChannelsRequest.getDefaultInstance());
                    out.println("ID\tKIND\tENTRIES\tRENDITIONS\tLIVE\tTITLE");
                    for (ChannelInfo c : l.getChannelsList()) {
                        out.println(c.getId() + "\t" + c.getKind() + "\t" + c.getEntries() + "\t" + String.join(",", c.getRenditionsList())
                                + "\t" + c.getLive() + "\t" + c.getTitle());
                    }
                }
                case "channels schedule", "channel schedule" -> {
                    if (w.size() < 3 || w.size() > 4) {
                        throw new IllegalArgumentException("'channels schedule' takes ID [HOURS]");
                    }
                    int hours = 0;
                    if (w.size() == 4) {
                        if (!w.get(3).matches("[0-9]{1,4}")) {
                            return usage(err, "HOURS must be a whole number, was '" + w.get(3) + "'");
                        }
                        hours = Integer.parseInt(w.get(3));
                    }
                    ChannelSchedule c = call(ChannelsGrpcClient.Schedule, ScheduleRequest.newBuilder().setChannel(w.get(2)).setHours(hours)
                            .build());
                    out.println("channel " + c.getChannel() + " (" + c.getTitle() + ") from " + c.getFrom() + " to " + c.getTo());
                    out.println("START\tEND\tKIND\tASSET\tTITLE");
                    for (Programme p : c.getProgrammesList()) {
                        out.println(p.getStart() + "\t" + p.getEnd() + "\t" + p.getKind() + "\t" + p.getAsset() + "\t" + p.getTitle());
                    }
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
