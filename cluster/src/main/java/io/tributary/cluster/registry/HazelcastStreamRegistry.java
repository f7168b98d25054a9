package io.tributary.cluster.registry;

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
 * and member. An origin registers a key when it publishes and withdraws it when the stream is
 * gone; withdrawing only removes the entry while it is still this origin's (another origin may
 * have taken the key since). When a member leaves, the survivors delete its keys, so edges stop
 * sending viewers to a node that is no longer there.
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

    /** This member now holds {@code streamKey}, served at {@code originBaseUrl}. */
    public Future<Void> register(String streamKey, String originBaseUrl) {
        HazelcastJsonValue v = new HazelcastJsonValue(new JsonObject().put("origin", originBaseUrl).put("member", self)
                .put("since", System.currentTimeMillis()).encode());
        return Future.fromCompletionStage(map.setAsync(streamKey, v), vertx.getOrCreateContext()).mapEmpty();
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

    /** Deletes the entry only while {@code member} holds it; runs on the partition's owner, atomically. */
    static final class RemoveIfMember implements EntryProcessor<String, HazelcastJsonValue, Boolean> {

        private static final long serialVersionUID = 1L;
        private final String member;

        RemoveIfMember(String member) {
            this.member = member;
        }

        @Override
        public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
            HazelcastJsonValue v = entry.getValue();
            if (v == null || !member.equals(new JsonObject(v.getValue()).getString("member"))) {
                return false;
            }
            entry.setValue(null);
            return true;
        }
    }
}
