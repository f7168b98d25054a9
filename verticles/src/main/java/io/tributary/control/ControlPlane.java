package io.tributary.control;

import com.hazelcast.core.HazelcastInstance;
import io.tributary.live.LiveStreams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A node's part in the cluster's control plane, on the distributed event bus: its command
 * address ({@link NodeControl}), the client that reaches every node's ({@link NodeCommands}),
 * and its streams' lifecycle events ({@link StreamLifecycleFeed}). Control and state travel as
 * JSON; media never does (edges pull it over HTTP).
 */
public final class ControlPlane {

    private final String self;
    private final LiveStreams streams;
    private final NodeControl local;
    private final NodeCommands commands;
    private final StreamLifecycleFeed lifecycle;

    public ControlPlane(Vertx vertx, HazelcastInstance hz, LiveStreams streams, VerticleSets sets) {
        this.self = hz.getCluster().getLocalMember().getUuid().toString();
        this.streams = streams;
        this.local = new NodeControl(vertx, self, streams, sets);
        this.commands = new NodeCommands(vertx, hz);
        this.lifecycle = new StreamLifecycleFeed(vertx, self);
    }

    /** Follows the node's streams and takes commands; done once the command address is registered. */
    public Future<Void> start() {
        lifecycle.follow(streams);
        return local.start();
    }

    /** This node's member id: its name in commands and lifecycle events. */
    public String self() {
        return self;
    }

    /** This node's commands, run here (the shorthand routes). */
    public NodeControl local() {
        return local;
    }

    /** Commands to any node of the cluster. */
    public NodeCommands commands() {
        return commands;
    }

    public StreamLifecycleFeed lifecycle() {
        return lifecycle;
    }

    public Future<Void> close() {
        lifecycle.close();
        return local.close();
    }
}
