package io.tributary.cluster.registry;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.query.Predicates;
import io.tributary.cluster.SharedMaps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The cluster's stream registry ({@link SharedMaps#STREAMS}): stream key to the origin's base URL
 * and member. An origin claims a key before it accepts a publish (refused while another member
 * holds it live or awaiting its publisher's reconnect: one origin per key), marks it ended when
 * the stream ends (any origin may claim it then), and withdraws it when the stream is gone; withdrawing only removes
 * the entry while it is still this origin's. When a member leaves, the survivors delete its keys,
 * so edges stop sending viewers to a node that is no longer there (and its keys are free again).
 *
 * <p>Each node also keeps the set of registered keys in memory (an entry listener), so "does
 * this stream exist anywhere in the cluster" is a local lookup on the request path.
 */
public final class HazelcastStreamRegistry implements StreamRegistry {

    private static final Logger LOG = Logger.getLogger(HazelcastStreamRegistry.class.getName());

    private final Vertx vertx;
    private final IMap<String, HazelcastJsonValue> map;
    private final HazelcastInstance hz;
    private final String self;
    private UUID membershipListener;
    private UUID entryListener;
    /** Keys registered anywhere in the cluster, as this member last heard. */
    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final CopyOnWriteArrayList<Consumer<String>> removals = new CopyOnWriteArrayList<>();

    public HazelcastStreamRegistry(Vertx vertx, HazelcastInstance hz) {
        this.vertx = vertx;
        this.hz = hz;
        this.map = hz.getMap(SharedMaps.STREAMS);
        this.self = hz.getCluster().getLocalMember().getUuid().toString();
    }

    /** Starts following the registered keys and removing the keys of members that leave (blocking: on a worker). */
    public HazelcastStreamRegistry start() {
        entryListener = map.addEntryListener(new KeyFollower(), false);
        keys.addAll(map.keySet()); // after the listener: a key added in between is seen by one or both
        membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                String gone = e.getMember().getUuid().toString();
                // off the Hazelcast event thread: removeAll waits for every partition
                try {
                    vertx.executeBlocking(() -> {
                        map.removeAll(Predicates.equal("member", gone));
                        return null;
                    }).onFailure(x -> LOG.log(Level.WARNING, "removing the streams of departed member " + gone + " failed", x));
                } catch (RejectedExecutionException closing) {
                    // this node's Vert.x is closing: the members that stay clean up
                }
            }
        });
        return this;
    }

    @Override
    public Future<String> originBaseUrl(String streamKey) {
        return Future.fromCompletionStage(map.getAsync(streamKey), vertx.getOrCreateContext()).compose(v -> v == null
                ? Future.failedFuture(new StreamNotFoundException(streamKey))
                : Future.succeededFuture(new JsonObject(v.getValue()).getString("origin")));
    }

    /**
     * Takes {@code streamKey} for this member, served at {@code originBaseUrl}, unless another member
     * of the cluster holds it: then fails with {@link StreamHeldException} naming that origin and
     * leaves the entry alone. A key held by a member that has left is taken over.
     */
    public Future<Void> claim(String streamKey, String originBaseUrl) {
        Set<String> members = new HashSet<>();
        for (Member m : hz.getCluster().getMembers()) {
            members.add(m.getUuid().toString());
        }
        ClaimUnlessHeld claim = new ClaimUnlessHeld(self, originBaseUrl, members, System.currentTimeMillis());
        return Future.fromCompletionStage(map.submitToKey(streamKey, claim), vertx.getOrCreateContext())
                .compose(holder -> holder == null ? Future.<Void>succeededFuture()
                        : Future.failedFuture(new StreamHeldException(streamKey, holder)));
    }

    /**
     * This member's stream of {@code streamKey} has ended (no publisher, kept only for late viewers):
     * the entry stays, so edges still find it, but any origin may claim the key now.
     */
    public Future<Boolean> markEnded(String streamKey) {
        return Future.fromCompletionStage(map.submitToKey(streamKey, new MarkEnded(self)), vertx.getOrCreateContext());
    }

    /** This member no longer holds {@code streamKey}; true when the entry was ours and is gone. */
    public Future<Boolean> withdraw(String streamKey) {
        return Future.fromCompletionStage(map.submitToKey(streamKey, new RemoveIfMember(self)), vertx.getOrCreateContext());
    }

    /** Whether some origin in the cluster holds {@code streamKey} (a local lookup). */
    public boolean holds(String streamKey) {
        return keys.contains(streamKey);
    }

    /** The keys registered in the cluster now (a live view). */
    public Set<String> keys() {
        return java.util.Collections.unmodifiableSet(keys);
    }

    /** Calls {@code listener} (on a Hazelcast event thread) with each key that leaves the registry. */
    public void onRemoved(Consumer<String> listener) {
        removals.add(listener);
    }

    /** Stream key to origin base URL, ordered by key (a scan of the map: for the cluster API, on a worker). */
    public Map<String, JsonObject> entries() {
        Map<String, JsonObject> out = new TreeMap<>();
        for (Map.Entry<String, HazelcastJsonValue> e : map.entrySet()) {
            out.put(e.getKey(), new JsonObject(e.getValue().getValue()));
        }
        return out;
    }

    public void close() {
        if (membershipListener != null) {
            hz.getCluster().removeMembershipListener(membershipListener);
        }
        if (entryListener != null) {
            map.removeEntryListener(entryListener);
        }
    }

    private final class KeyFollower implements EntryAddedListener<String, HazelcastJsonValue>,
            EntryRemovedListener<String, HazelcastJsonValue>, EntryEvictedListener<String, HazelcastJsonValue>,
            EntryExpiredListener<String, HazelcastJsonValue> {

        @Override
        public void entryAdded(EntryEvent<String, HazelcastJsonValue> e) {
            keys.add(e.getKey());
        }

        @Override
        public void entryRemoved(EntryEvent<String, HazelcastJsonValue> e) {
            gone(e.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<String, HazelcastJsonValue> e) {
            gone(e.getKey());
        }

        @Override
        public void entryExpired(EntryEvent<String, HazelcastJsonValue> e) {
            gone(e.getKey());
        }

        private void gone(String key) {
            if (keys.remove(key)) {
                for (Consumer<String> l : removals) {
                    try {
                        l.accept(key);
                    } catch (RuntimeException x) {
                        LOG.log(Level.WARNING, "registry removal listener failed for " + key, x);
                    }
                }
            }
        }
    }

    /**
     * Changes the entry only while {@code member} holds it (another origin may have taken the key
     * since); runs on the partition's owner, atomically. True when it was changed.
     */
    abstract static class WhileHeldBy implements EntryProcessor<String, HazelcastJsonValue, Boolean> {

        private static final long serialVersionUID = 1L;
        private final String member;

        WhileHeldBy(String member) {
            this.member = member;
        }

        /** The new value of the entry {@code held}, or null to delete it. */
        abstract HazelcastJsonValue change(JsonObject held);

        @Override
        public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
            HazelcastJsonValue v = entry.getValue();
            if (v == null) {
                return false;
            }
            JsonObject held = new JsonObject(v.getValue());
            if (!member.equals(held.getString("member"))) {
                return false;
            }
            entry.setValue(change(held));
            return true;
        }
    }

    /** Flags the entry ended. */
    static final class MarkEnded extends WhileHeldBy {

        private static final long serialVersionUID = 1L;

        MarkEnded(String member) {
            super(member);
        }

        @Override
        HazelcastJsonValue change(JsonObject held) {
            return new HazelcastJsonValue(held.put("ended", true).encode());
        }
    }

    /** Deletes the entry. */
    static final class RemoveIfMember extends WhileHeldBy {

        private static final long serialVersionUID = 1L;

        RemoveIfMember(String member) {
            super(member);
        }

        @Override
        HazelcastJsonValue change(JsonObject held) {
            return null;
        }
    }

    /**
     * Writes the entry for {@code member} unless another member of {@code members} (the cluster as
     * the caller saw it) holds it; returns that holder's origin, or null once the key is
     * {@code member}'s. Atomic on the partition's owner, so of two concurrent claims one wins.
     */
    static final class ClaimUnlessHeld implements EntryProcessor<String, HazelcastJsonValue, String> {

        private static final long serialVersionUID = 1L;
        private final String member;
        private final String origin;
        private final HashSet<String> members;
        private final long since;

        ClaimUnlessHeld(String member, String origin, Set<String> members, long since) {
            this.member = member;
            this.origin = origin;
            this.members = new HashSet<>(members);
            this.since = since;
        }

        @Override
        public String process(Map.Entry<String, HazelcastJsonValue> entry) {
            HazelcastJsonValue v = entry.getValue();
            if (v != null) {
                JsonObject held = new JsonObject(v.getValue());
                String holder = held.getString("member");
                boolean ended = held.getBoolean("ended", false);
                if (member.equals(holder) && origin.equals(held.getString("origin")) && !ended) {
                    return null; // ours already (a reconnect): keep its since
                }
                // an ended stream (kept for late viewers) does not hold its key against a new publish
                if (!member.equals(holder) && members.contains(holder) && !ended) {
                    return held.getString("origin");
                }
            }
            entry.setValue(new HazelcastJsonValue(new JsonObject().put("origin", origin).put("member", member)
                    .put("since", since).encode()));
            return null;
        }
    }
}
