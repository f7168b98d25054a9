package io.tributary.transport;

import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.tributary.Node;
import io.tributary.testing.TestNode;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * net.native-transport: on this Linux machine the node's sockets run on epoll by default (on), and on NIO
 * when it is switched off; the start-up report (version route, metric) agrees with what Netty's event loops are.
 */
class NetTransportTest {

    @Test
    void epollByDefaultOnLinux() {
        assertTrue(Epoll.isAvailable(), () -> "epoll natives do not load here: " + Epoll.unavailabilityCause());
        Node node = TestNode.start(Map.of());
        try {
            assertRunsOn(node, EpollIoHandler.class);
            assertReported(node, "epoll");
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void nioWhenSwitchedOff() {
        Node node = TestNode.start(Map.of("TRIBUTARY_NET_NATIVE_TRANSPORT", "false"));
        try {
            assertRunsOn(node, NioIoHandler.class);
            assertReported(node, "nio");
        } finally {
            TestNode.stop(node);
        }
    }

    /** What Netty's event loops under Vert.x actually are, not what the node says. */
    private static void assertRunsOn(Node node, Class<? extends IoHandler> handler) {
        IoEventLoopGroup loops = (IoEventLoopGroup) ((VertxInternal) node.vertx()).nettyEventLoopGroup();
        assertTrue(loops.isIoType(handler), "event loops are not " + handler.getSimpleName());
    }

    private static void assertReported(Node node, String transport) {
        var version = TestNode.get(node, "/api/v1/version");
        assertEquals(200, version.statusCode());
        assertEquals(transport, new JsonObject(version.body()).getString("transport"), version.body());
        String metrics = TestNode.get(node, "/metrics").body();
        assertTrue(metrics.contains("tributary_net_transport{transport=\"" + transport + "\"} 1.0"),
                () -> metrics.lines().filter(l -> l.contains("transport")).toList().toString());
    }
}
