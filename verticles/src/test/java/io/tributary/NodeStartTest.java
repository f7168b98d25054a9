package io.tributary;

import com.hazelcast.core.Hazelcast;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The composition root's failure path: when the last role cannot start (its port is taken), what
 * started before it (delivery, ingest, the edge, the cluster member) is stopped again, so a
 * failed start leaves no listener and no Hazelcast member behind.
 */
class NodeStartTest {

    @Test
    void aRoleThatCannotStartStopsEveryModuleStartedBeforeIt() throws IOException {
        int members = Hazelcast.getAllHazelcastInstances().size();
        int edgePort = TestNode.freePort();
        try (ServerSocket taken = new ServerSocket(0)) { // the router's port, held by someone else
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestNode.start(Map.of(
                    "TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_EDGE_PORT", Integer.toString(edgePort),
                    "TRIBUTARY_ROUTER_PORT", Integer.toString(taken.getLocalPort()))));
            assertTrue(String.valueOf(e.getCause()).toLowerCase().contains("address already in use"), String.valueOf(e.getCause()));
        }
        assertEquals(members, Hazelcast.getAllHazelcastInstances().size(), "the member left again");
        try (ServerSocket edgeAgain = new ServerSocket(edgePort)) { // the edge, started before the router, stopped listening
            assertEquals(edgePort, edgeAgain.getLocalPort());
        }
    }
}
