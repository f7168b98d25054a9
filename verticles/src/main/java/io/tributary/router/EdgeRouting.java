package io.tributary.router;

import io.tributary.tls.NodeTls;
import io.tributary.cluster.health.EdgeHealth;
import io.tributary.cluster.ring.HashRing;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Which edge serves a routing key: the consistent hash ring over the edges, skipping the ones
 * health has taken out and, with bounded load, the ones carrying more than their share. Shared
 * by every router verticle of a node; runs the active {@code /health} checks and follows
 * membership (the {@code members} supplier: edge base URL to weight) at each check interval.
 */
public final class EdgeRouting {

    private final Vertx vertx;
    private final RouterSettings settings;
    private final Supplier<Map<String, Integer>> members;
    private final EdgeHealth health;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final HttpClientAgent checks;
    private volatile HashRing ring = HashRing.empty();
    private long timer = -1;

    public EdgeRouting(Vertx vertx, RouterSettings settings, Supplier<Map<String, Integer>> members) {
        this.vertx = vertx;
        this.settings = settings;
        this.members = members;
        this.health = new EdgeHealth(settings.health());
        this.checks = vertx.createHttpClient(NodeTls.of(vertx).client(new io.vertx.core.http.HttpClientOptions()));
    }

    /** Loads membership and starts the periodic checks. */
    public EdgeRouting start() {
        refreshMembers();
        timer = vertx.setPeriodic(settings.checkInterval().toMillis(), id -> {
            refreshMembers();
            checkAll();
        });
        return this;
    }

    /** Membership changed (a node joined, left, or advertised): rebuild the ring now, not at the next check. */
    public void membersChanged() {
        vertx.runOnContext(x -> refreshMembers());
    }

    public RouterSettings settings() {
        return settings;
    }

    public EdgeHealth health() {
        return health;
    }

    public HashRing ring() {
        return ring;
    }

    /** The edge for {@code routingKey}, or null when no edge is available. */
    public String pick(String routingKey) {
        HashRing r = ring;
        if (settings.boundedLoad() > 0) {
            long cap = capacity(r);
            String e = r.lookup(routingKey, m -> health.available(m) && load(m) < cap);
            if (e != null) {
                return e;
            }
        }
        return r.lookup(routingKey, health::available);
    }

    /** Up to {@code max} available edges for {@code routingKey} in ring order (the first is {@link #pick}'s without bounds). */
    public List<String> candidates(String routingKey, int max) {
        List<String> out = new ArrayList<>();
        for (String m : ring.candidates(routingKey, ring.size())) {
            if (out.size() < max && health.available(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /** The bound on one edge's in-flight requests: the factor times the average, counting the one being placed. */
    private long capacity(HashRing r) {
        long total = 1;
        int n = 0;
        for (String m : r.members()) {
            if (health.available(m)) {
                total += load(m);
                n++;
            }
        }
        return n == 0 ? Long.MAX_VALUE : (long) Math.ceil(settings.boundedLoad() * total / n);
    }

    public int load(String edge) {
        AtomicInteger a = inFlight.get(edge);
        return a == null ? 0 : a.get();
    }

    void begin(String edge) {
        inFlight.computeIfAbsent(edge, k -> new AtomicInteger()).incrementAndGet();
    }

    void end(String edge) {
        AtomicInteger a = inFlight.get(edge);
        if (a != null) {
            a.decrementAndGet();
        }
    }

    private synchronized void refreshMembers() {
        Map<String, Integer> now = members.get();
        if (now.equals(ring.weights())) {
            return;
        }
        for (String m : now.keySet()) {
            health.add(m);
        }
        for (String m : ring.members()) {
            if (!now.containsKey(m)) {
                health.remove(m);
                inFlight.remove(m);
            }
        }
        ring = HashRing.of(now);
    }

    private void checkAll() {
        for (String edge : ring.members()) {
            checks.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(edge + "/health")
                            .setConnectTimeout(settings.checkTimeout().toMillis())
                            .setIdleTimeout(settings.checkTimeout().toMillis()))
                    .compose(req -> req.send())
                    .compose(resp -> resp.body().map(b -> resp.statusCode()))
                    .onComplete(ar -> health.checked(edge, ar.succeeded() && ar.result() == 200));
        }
    }

    public Future<Void> close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return checks.close();
    }
}
