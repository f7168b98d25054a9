package io.tributary.grpc;

import io.tributary.Node;
import io.tributary.grpc.api.ListStreamsRequest;
import io.tributary.grpc.api.StreamsGrpcClient;
import io.tributary.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guessing credentials over gRPC meets the limit a password guesser meets on {@code POST /api/v1/auth/login}
 * ({@code ratelimit.login} per address, the same bucket): refused tokens from one address are UNAUTHENTICATED
 * until the bucket is empty, then RESOURCE_EXHAUSTED, even for a good token from there (a right guess is not
 * told apart), and the REST login from that address is a 429 too; another client's address is not affected.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrpcSignInLimitTest {

    static final int LIMIT = 5;
    static Node node;
    static Vertx vertx;

    @BeforeAll
    static void start() {
        node = TestNode.secured(Map.of("TRIBUTARY_RATELIMIT_LOGIN", Integer.toString(LIMIT)));
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        TestNode.stop(node);
    }

    @Test
    void badTokensFromOneAddressRunOutItsSignInsOnly() throws Exception {
        String admin = TestNode.adminToken(node); // a REST login from 127.0.0.1: one of its LIMIT
        GrpcStatus first = list("127.0.0.1", admin);
        assertEquals(GrpcStatus.OK, first, "good credentials take nothing from the sign-in bucket");
        int unauthenticated = 0;
        GrpcStatus last = null;
        for (int i = 0; i < LIMIT + 2 && last != GrpcStatus.RESOURCE_EXHAUSTED; i++) {
            last = list("127.0.0.1", "guess-" + i);
            if (last == GrpcStatus.UNAUTHENTICATED) {
                unauthenticated++;
            }
        }
        assertEquals(GrpcStatus.RESOURCE_EXHAUSTED, last, "refused sign-ins past ratelimit.login");
        assertEquals(LIMIT - 1, unauthenticated, "the REST login and the refused tokens share the address's bucket");
        assertEquals(GrpcStatus.RESOURCE_EXHAUSTED, list("127.0.0.1", admin), "the address is shut: a right guess looks like a wrong one");
        assertEquals(429, TestNode.send(node, "POST", "/api/v1/auth/login",
                "{\"name\":\"admin\",\"password\":\"whatever\"}", null).statusCode(), "and REST logins from it");

        // another client, another address: its good token works, its bad one is only refused
        assertEquals(GrpcStatus.OK, list("127.0.0.2", admin));
        assertEquals(GrpcStatus.UNAUTHENTICATED, list("127.0.0.2", "guess-x"));
    }

    /** Streams/List from {@code local} (a loopback address) with {@code token}: the status the node answers. */
    private static GrpcStatus list(String local, String token) throws Exception {
        GrpcClient client = GrpcClient.client(vertx, new HttpClientOptions().setLocalAddress(local));
        try {
            Future<GrpcStatus> status = client.request(SocketAddress.inetSocketAddress(node.grpcPort(), "127.0.0.1"), StreamsGrpcClient.List)
                    .compose(req -> {
                        req.headers().set("authorization", "Bearer " + token);
                        return req.end(ListStreamsRequest.getDefaultInstance()).compose(v -> req.response())
                                .compose(resp -> resp.last().transform(ar -> Future.succeededFuture(resp.status())));
                    });
            GrpcStatus s = status.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertTrue(s != null, "a status");
            return s;
        } finally {
            client.close();
        }
    }
}
