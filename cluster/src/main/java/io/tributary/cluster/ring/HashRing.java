package io.tributary.cluster.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A consistent hash ring in the manner of nginx {@code hash $uri consistent}: every member
 * owns {@value #POINTS_PER_WEIGHT} points per unit of weight, and a key belongs to the first
 * point at or after its hash, going round. Adding or removing one member of N moves about
 * 1/N of the keys, all of them to or from that member.
 *
 * <p>Immutable: membership changes build a new ring ({@link #with}, {@link #without}), so a
 * router swaps one reference and lookups never lock. A point is one {@code long}, the
 * point's 32-bit hash in the high half and its owner's index in the low half, so the ring is a
 * single sorted array and a lookup is a binary search that neither boxes nor allocates.
 */
public final class HashRing {

    public static final int POINTS_PER_WEIGHT = 160;
    public static final int MAX_WEIGHT = 100;

    private static final HashRing EMPTY = new HashRing(new String[0], new int[0]);

    /** Member ids sorted, so two routers with the same membership build the same ring. */
    private final String[] members;
    private final int[] weights;
    private final long[] points;

    private HashRing(String[] members, int[] weights) {
        this.members = members;
        this.weights = weights;
        int total = 0;
        for (int w : weights) {
            total += w * POINTS_PER_WEIGHT;
        }
        long[] p = new long[total];
        int n = 0;
        for (int m = 0; m < members.length; m++) {
            for (int i = 0; i < weights[m] * POINTS_PER_WEIGHT; i++) {
                p[n++] = ((long) hash(members[m] + '#' + i) << 32) | m;
            }
        }
        Arrays.sort(p);
        this.points = p;
    }

    public static HashRing empty() {
        return EMPTY;
    }

    /** A ring of members with weight 1. */
    public static HashRing of(String... members) {
        Map<String, Integer> w = new LinkedHashMap<>();
        for (String m : members) {
            w.put(m, 1);
        }
        return of(w);
    }

    /** A ring of members with their weights (1 to {@value #MAX_WEIGHT}). */
    public static HashRing of(Map<String, Integer> weights) {
        TreeMap<String, Integer> sorted = new TreeMap<>();
        weights.forEach((id, w) -> {
            if (id == null || id.isEmpty()) {
                throw new IllegalArgumentException("ring member id must not be empty");
            }
            if (w == null || w < 1 || w > MAX_WEIGHT) {
                throw new IllegalArgumentException("weight of ring member '" + id + "' must be 1 to " + MAX_WEIGHT + ", was " + w);
            }
            sorted.put(id, w);
        });
        if (sorted.isEmpty()) {
            return EMPTY;
        }
        String[] ids = sorted.keySet().toArray(new String[0]);
        int[] ws = sorted.values().stream().mapToInt(Integer::intValue).toArray();
        return new HashRing(ids, ws);
    }

    /** This ring plus {@code member} (or with its weight changed). */
    public HashRing with(String member, int weight) {
        Map<String, Integer> w = weights();
        w.put(member, weight);
        return of(w);
    }

    /** This ring without {@code member}; the same ring when it was not a member. */
    public HashRing without(String member) {
        Map<String, Integer> w = weights();
        return w.remove(member) == null ? this : of(w);
    }

    /** Members and their weights, in id order (a copy). */
    public Map<String, Integer> weights() {
        Map<String, Integer> w = new LinkedHashMap<>();
        for (int i = 0; i < members.length; i++) {
            w.put(members[i], weights[i]);
        }
        return w;
    }

    public List<String> members() {
        return Collections.unmodifiableList(Arrays.asList(members));
    }

    public int size() {
        return members.length;
    }

    public boolean isEmpty() {
        return members.length == 0;
    }

    /** The member owning {@code key}, or null on an empty ring. */
    public String lookup(CharSequence key) {
        if (points.length == 0) {
            return null;
        }
        return members[(int) points[firstPoint(hash(key))]];
    }

    /**
     * The first member in ring order from {@code key}'s point that {@code usable} accepts
     * (healthy, under its load bound...), or null when none does. Allocation-free when the
     * predicate is.
     */
    public String lookup(CharSequence key, Predicate<String> usable) {
        if (points.length == 0) {
            return null;
        }
        int start = firstPoint(hash(key));
        int lastRejected = -1;
        for (int i = 0; i < points.length; i++) {
            int owner = (int) points[(start + i) % points.length];
            if (owner == lastRejected) {
                continue; // adjacent points of one member: asked already
            }
            if (usable.test(members[owner])) {
                return members[owner];
            }
            lastRejected = owner;
        }
        return null;
    }

    /**
     * Up to {@code max} distinct members in ring order from {@code key}'s point: the primary
     * first, then the ones a bounded-load or failover policy falls back to.
     */
    public List<String> candidates(CharSequence key, int max) {
        int want = Math.min(max, members.length);
        List<String> out = new ArrayList<>(want);
        if (want <= 0) {
            return out;
        }
        boolean[] seen = new boolean[members.length];
        int start = firstPoint(hash(key));
        for (int i = 0; i < points.length && out.size() < want; i++) {
            int owner = (int) points[(start + i) % points.length];
            if (!seen[owner]) {
                seen[owner] = true;
                out.add(members[owner]);
            }
        }
        return out;
    }

    /** Index of the first point at or after {@code h}, wrapping to 0 past the last. */
    private int firstPoint(int h) {
        long probe = (long) h << 32; // owner index 0: sorts before every point with this hash
        int i = Arrays.binarySearch(points, probe);
        if (i < 0) {
            i = -i - 1;
        }
        return i == points.length ? 0 : i;
    }

    /**
     * 32-bit hash of a key's UTF-16 units: FNV-1a over the units, then the murmur3 64-bit
     * finaliser so every input bit reaches the high half kept as the point. Fixed for all
     * time: routers on different nodes and versions must agree.
     */
    public static int hash(CharSequence key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = key.length(); i < n; i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= key.length();
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) (h >>> 32);
    }

    @Override
    public String toString() {
        return "HashRing" + weights();
    }
}
