package io.tributary.http;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The hosts of the cluster's members, as a listener's gate sees client addresses: an edge fetching
 * from an origin, or a router proxying to an edge, carries many viewers' requests from one address,
 * so the per-address request rate does not apply to them. Follows the membership as it changes. On
 * the embedded default the one member binds loopback, so local clients count as peers.
 */
public final class PeerAddresses {

    /** No peers: every address is limited (listeners built without a node). */
    public static final PeerAddresses NONE = new PeerAddresses();

    private volatile Set<String> hosts = Set.of();
    private HazelcastInstance hz;
    private UUID registration;

    private PeerAddresses() {
    }

    /** The member hosts of {@code hz}'s cluster, kept current until {@link #close}. */
    public static PeerAddresses follow(HazelcastInstance hz) {
        PeerAddresses p = new PeerAddresses();
        p.hz = hz;
        p.registration = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                p.refresh(e.getMembers());
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                p.refresh(e.getMembers());
            }
        });
        p.refresh(hz.getCluster().getMembers());
        return p;
    }

    private void refresh(Set<Member> members) {
        Set<String> h = new HashSet<>();
        for (Member m : members) {
            h.add(m.getAddress().getHost());
        }
        hosts = Set.copyOf(h);
    }

    public boolean contains(String host) {
        return hosts.contains(host);
    }

    public void close() {
        if (registration != null) {
            hz.getCluster().removeMembershipListener(registration);
        }
    }
}
