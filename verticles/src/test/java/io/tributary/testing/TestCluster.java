package io.tributary.testing;

import io.tributary.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Clustered nodes in this JVM, each its own Vert.x on its own Hazelcast member, joined over
 * TCP-IP on loopback ports reserved up front (so each member lists all the others).
 */
public final class TestCluster implements AutoCloseable {

    /** The join secret of the test's members (a test may give one member another). */
    public static final String SECRET = "test-cluster-join-secret";

    private final List<Integer> memberPorts = new ArrayList<>();
    private final List<Node> running = new ArrayList<>();

    /** Reserves member ports for up to {@code members} nodes. */
    public TestCluster(int members) {
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
        for (int i = 0; i < members; i++) {
            memberPorts.add(TestNode.freePort());
        }
    }

    /** Starts member {@code i} with {@code env} (env-style keys) over the test defaults. */
    public Node start(int i, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        // a test may give a member another secret; the rest is the member's own
        memberEnv(i).forEach((k, v) -> {
            if (k.equals("TRIBUTARY_CLUSTER_SECRET")) {
                all.putIfAbsent(k, v);
            } else {
                all.put(k, v);
            }
        });
        Node n = TestNode.start(all);
        running.add(n);
        return n;
    }

    /** The cluster settings of member {@code i} (env-style keys), for a member the test launches as a process. */
    public Map<String, String> memberEnv(int i) {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_CLUSTER", "true"); // the switch, an alias of TRIBUTARY_CLUSTER_ENABLED
        env.put("TRIBUTARY_CLUSTER_SECRET", SECRET); // the deployment's join secret, the same on every member
        env.put("TRIBUTARY_CLUSTER_PORT", Integer.toString(memberPorts.get(i)));
        env.put("TRIBUTARY_CLUSTER_MEMBERS", String.join(",", memberPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
        return env;
    }

    /** A node the test stops or kills itself. */
    public void forget(Node n) {
        running.remove(n);
    }

    @Override
    public void close() {
        for (Node n : running) {
            TestNode.stop(n);
        }
        running.clear();
        System.clearProperty("hazelcast.wait.seconds.before.join");
    }
}
