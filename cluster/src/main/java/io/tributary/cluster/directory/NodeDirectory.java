package io.tributary.cluster.directory;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.tributary.cluster.Role;
import io.tributary.cluster.SharedMaps;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The nodes of the cluster and what they advertise ({@link SharedMaps#NODES}, keyed by member
 * UUID). A local copy follows the map through an entry listener, so routers read the edge list
 * without a cluster call; a node that leaves is dropped at once and its advert deleted.
 * The blocking calls ({@link #start}, {@link #advertise}, {@link #close}) belong on a worker.
 */
public final class NodeDirectory {

    private final HazelcastInstance hz;
    private final IMap<String, HazelcastJsonValue> map;
    private final ConcurrentHashMap<String, NodeAdvert> nodes = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private UUID entryListener;
    private UUID membershipListener;

    public NodeDirectory(HazelcastInstance hz) {
        this.hz = hz;
        this.map = hz.getMap(SharedMaps.NODES);
    }

    /** Starts following the adverts; blocking. */
    public NodeDirectory start() {
        entryListener = map.addEntryListener(new Follower(), true);
        membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                changed();
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                String gone = e.getMember().getUuid().toString();
                nodes.remove(gone);
                map.removeAsync(gone); // every survivor asks; deleting twice is harmless
                changed();
            }
        });
        for (Map.Entry<String, HazelcastJsonValue> e : map.entrySet()) {
            nodes.put(e.getKey(), NodeAdvert.from(e.getValue()));
        }
        changed();
        return this;
    }

    /** Publishes (or replaces) this node's advert; blocking. */
    public void advertise(NodeAdvert self) {
        map.set(self.member(), self.toValue());
        nodes.put(self.member(), self);
        changed();
    }

    /** Runs {@code r} (on a Hazelcast or caller thread) whenever the set of adverts or members changes. */
    public void onChange(Runnable r) {
        listeners.add(r);
    }

    /** Adverts of the members in the cluster now, ordered by member UUID. */
    public List<NodeAdvert> nodes() {
        Set<String> present = new HashSet<>();
        for (Member m : hz.getCluster().getMembers()) {
            present.add(m.getUuid().toString());
        }
        List<NodeAdvert> out = new ArrayList<>();
        for (NodeAdvert a : nodes.values()) {
            if (present.contains(a.member())) {
                out.add(a);
            }
        }
        out.sort(Comparator.comparing(NodeAdvert::member));
        return out;
    }

    /** Edge base URLs of the members with the edge role, each with weight 1 (the router's ring). */
    public Map<String, Integer> edges() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (NodeAdvert a : nodes()) {
            if (a.has(Role.EDGE) && a.edgeUrl() != null) {
                out.put(a.edgeUrl(), 1);
            }
        }
        return out;
    }

    /** Withdraws this node's advert and stops following; blocking. */
    public void close(String self) {
        if (membershipListener != null) {
            hz.getCluster().removeMembershipListener(membershipListener);
        }
        if (entryListener != null) {
            map.removeEntryListener(entryListener);
        }
        if (hz.getLifecycleService().isRunning()) {
            map.delete(self);
        }
    }

    private void changed() {
        for (Runnable r : listeners) {
            r.run();
        }
    }

    private final class Follower implements EntryAddedListener<String, HazelcastJsonValue>,
            EntryUpdatedListener<String, HazelcastJsonValue>, EntryRemovedListener<String, HazelcastJsonValue> {

        @Override
        public void entryAdded(EntryEvent<String, HazelcastJsonValue> e) {
            nodes.put(e.getKey(), NodeAdvert.from(e.getValue()));
            changed();
        }

        @Override
        public void entryUpdated(EntryEvent<String, HazelcastJsonValue> e) {
            entryAdded(e);
        }

        @Override
        public void entryRemoved(EntryEvent<String, HazelcastJsonValue> e) {
            nodes.remove(e.getKey());
            changed();
        }
    }
}
