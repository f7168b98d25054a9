package io.tributary.ssai;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.shareddata.Shareable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server-side VAST beacons over the node's own outbound HTTP client: every URL (macros replaced)
 * is GET once, with {@code beacon-retries} more tries on a network failure or a 5xx after a
 * doubling backoff, each try bounded by {@code beacon-timeout}. URLs wait in one bounded queue,
 * drained by at most {@link #MAX_IN_FLIGHT} requests at once on this sender's own context; when
 * the queue is full a URL is dropped and counted, and the caller's future fails. {@link #send}
 * only enqueues, so delivery never waits on an ad server. An ad server's URL goes only to an
 * address the node's {@link AdAddressPolicy} allows (a refused one is counted, not retried); a
 * built-in ad's are the cluster's own.
 *
 * <p>An error beacon's code travels in the event name: {@code error:303} sends {@code [ERRORCODE]}
 * 303; any other event sends 900 (undefined error) should its URL carry the macro.
 */
public final class HttpAdBeacons implements AdBeacons, Shareable {

    static final int MAX_IN_FLIGHT = 32;
    static final long BACKOFF_MS = 250;
    private static final String SHARED_MAP = "tributary.ssai.beacons";

    /** {@code trusted}: a built-in ad's URL (a node of this cluster's own), else an ad server's, checked by {@link #guard}. */
    private record Task(String url, boolean trusted, int attempt, Promise<Void> done) {
    }

    private final Vertx vertx;
    private final Context context;
    private final HttpClient client;
    private final AdUrlGuard guard;
    private final AdDecisionSettings settings;
    private final AdMetrics metrics;
    /** Touched on {@link #context} only. */
    private final ArrayDeque<Task> queue = new ArrayDeque<>();
    /** Queued or waiting for a retry; checked by callers on any thread. */
    private final AtomicInteger waiting = new AtomicInteger();
    private int inFlight;
    private volatile boolean closed;

    HttpAdBeacons(Vertx vertx, AdDecisionSettings settings, AdMetrics metrics, AdAddressPolicy addresses) {
        this.vertx = vertx;
        this.settings = settings;
        this.metrics = metrics;
        // a context of its own, no verticle's: its queue, retries and timers live as long as the node
        this.context = ((io.vertx.core.internal.VertxInternal) vertx).contextBuilder().build();
        int timeout = (int) settings.beaconTimeout().toMillis();
        this.guard = new AdUrlGuard(vertx, addresses, metrics, "beacon", timeout);
        this.client = guard.client(new HttpClientOptions().setConnectTimeout(timeout).setKeepAlive(true)
                .setMaxRedirects(3), new PoolOptions().setHttp1MaxSize(MAX_IN_FLIGHT));
    }

    /** Makes {@code beacons} the node's sender (what the per-session splice finds with {@link #of}). */
    static void install(Vertx vertx, HttpAdBeacons beacons) {
        vertx.sharedData().<String, HttpAdBeacons>getLocalMap(SHARED_MAP).put("beacons", beacons);
    }

    /** This node's beacon sender, or null on a node without ad decisions. */
    public static AdBeacons of(Vertx vertx) {
        return vertx.sharedData().<String, HttpAdBeacons>getLocalMap(SHARED_MAP).get("beacons");
    }

    @Override
    public Future<Void> send(List<String> urls, String event, AdPod.Ad ad, String session) {
        int code = event != null && event.startsWith("error:") && event.substring(6).matches("\\d{3}")
                ? Integer.parseInt(event.substring(6)) : 900;
        List<Future<Void>> each = new ArrayList<>();
        for (String raw : urls) {
            if (raw == null || raw.isBlank()) {
                continue;
            }
            Promise<Void> done = Promise.promise();
            each.add(done.future());
            if (closed || waiting.incrementAndGet() > settings.beaconQueue()) {
                if (!closed) {
                    waiting.decrementAndGet();
                }
                metrics.beacon("dropped");
                done.fail("the beacon queue is full (ssai.beacon-queue " + settings.beaconQueue() + ")");
                continue;
            }
            String url = VastMacros.beacon(raw.trim(), code);
            boolean trusted = ad != null && ad.builtIn();
            context.runOnContext(v -> {
                queue.add(new Task(url, trusted, 0, done));
                drain();
            });
        }
        return Future.all(each).mapEmpty();
    }

    /** URLs waiting to be sent (retries included). */
    int waiting() {
        return waiting.get();
    }

    private void drain() {
        while (inFlight < MAX_IN_FLIGHT && !queue.isEmpty()) {
            Task t = queue.poll();
            inFlight++;
            attempt(t).onComplete(ar -> {
                inFlight--;
                if (ar.succeeded()) {
                    waiting.decrementAndGet();
                    metrics.beacon("sent");
                    t.done().complete();
                } else if (ar.cause() instanceof Retryable && t.attempt() < settings.beaconRetries() && !closed) {
                    vertx.setTimer(BACKOFF_MS << t.attempt(), x -> {
                        queue.add(new Task(t.url(), t.trusted(), t.attempt() + 1, t.done()));
                        drain();
                    });
                } else {
                    waiting.decrementAndGet();
                    metrics.beacon(ar.cause() instanceof AdUrlGuard.Refused ? "refused" : "failed");
                    t.done().fail(ar.cause());
                }
                drain();
            });
        }
    }

    /** A failure another try may cure: the network, a timeout, a 5xx. */
    private static final class Retryable extends RuntimeException {
        Retryable(String message) {
            super(message, null, false, false);
        }
    }

    private Future<Void> attempt(Task t) {
        long timeout = settings.beaconTimeout().toMillis();
        Promise<Void> p = Promise.promise();
        long timer = vertx.setTimer(timeout, x -> p.tryFail(new Retryable("no answer within " + timeout + " ms")));
        // a refused or malformed URL fails for good (not Retryable): another try would be refused alike
        guard.get(t.url(), t.trusted()).map(o -> o.setIdleTimeout(timeout)).compose(client::request).compose(req -> {
            p.future().onFailure(e -> req.reset());
            return req.send();
        }).onSuccess(res -> {
            res.handler(b -> { }); // the body is not needed
            res.exceptionHandler(e -> p.tryFail(new Retryable(String.valueOf(e.getMessage()))));
            res.endHandler(v -> {
                if (res.statusCode() < 400) {
                    p.tryComplete();
                } else if (res.statusCode() >= 500) {
                    p.tryFail(new Retryable("HTTP " + res.statusCode()));
                } else {
                    p.tryFail("HTTP " + res.statusCode());
                }
            });
        }).onFailure(e -> p.tryFail(e instanceof AdUrlGuard.Refused || e instanceof IllegalArgumentException ? e
                : new Retryable(String.valueOf(e.getMessage()))));
        return p.future().onComplete(x -> vertx.cancelTimer(timer));
    }

    Future<Void> close() {
        closed = true;
        return client.close();
    }
}
