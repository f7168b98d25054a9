package io.tributary;

import io.tributary.ops.NodeShutdown;
import sun.misc.Signal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How the launched node ends. SIGTERM (what Kubernetes and {@code docker stop} send) and SIGINT start
 * the graceful stop, bounded by {@code shutdown.grace}, and the process exits 0 once it is done (1 if
 * the grace ran out first); a second signal exits at once. The JVM's own handling would run the
 * shutdown hooks and exit 143 whatever they did, so the signals are taken here, from before the
 * start-up on: a signal during start-up stops the node as soon as it is up (its start cannot be cut
 * half-way without leaving what it started, such as an embedded PostgreSQL), within the same grace.
 * Any other exit (System.exit, the last thread ending) still closes the node from a shutdown hook.
 */
final class GracefulExit {

    private static final Logger LOG = Logger.getLogger(GracefulExit.class.getName());
    /** Beyond the grace, for the log line and exit after the node closed. */
    private static final long EXIT_SLACK_MS = 2000;

    private final Duration grace;
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** The started node and what runs before its stop; null when the start-up failed. */
    private final CompletableFuture<Started> started = new CompletableFuture<>();

    private record Started(Node node, Runnable beforeStop) {
    }

    private GracefulExit(Duration grace) {
        this.grace = grace;
    }

    /** Takes SIGTERM and SIGINT from now on, before the node starts. */
    static GracefulExit install(Duration grace) {
        GracefulExit exit = new GracefulExit(grace);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Started s = exit.started.getNow(null);
            if (s != null && exit.stopping.compareAndSet(false, true)) {
                s.beforeStop().run();
                s.node().close().toCompletionStage().toCompletableFuture().join();
            }
        }, "tributary-shutdown"));
        for (String name : new String[]{"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (!exit.stopping.compareAndSet(false, true)) {
                        LOG.warning("SIG" + signal.getName() + " again during the graceful stop: exiting now");
                        Runtime.getRuntime().halt(128 + signal.getNumber());
                    }
                    // not a daemon (a signal handler's thread is one, and so would this be): once the node is
                    // closed and its threads are gone, the JVM must not end before the report and System.exit
                    Thread stop = new Thread(() -> exit.stop(signal.getName()), "tributary-graceful-stop");
                    stop.setDaemon(false);
                    stop.start();
                });
            } catch (IllegalArgumentException e) {
                LOG.log(Level.FINE, "signal " + name + " cannot be handled here; the shutdown hook closes the node", e);
            }
        }
        return exit;
    }

    /** The node is up: a signal stops it (one that came during start-up does now). */
    void started(Node node, Runnable beforeStop) {
        started.complete(new Started(node, beforeStop));
    }

    /** The start-up failed (it closed what it had started). */
    void failed() {
        started.complete(null);
    }

    /** A signal came before the node was up. */
    boolean stopping() {
        return stopping.get();
    }

    private void stop(String signal) {
        long t0 = System.nanoTime();
        int code;
        try {
            if (!started.isDone()) {
                LOG.info("SIG" + signal + " during start-up: stopping as soon as the node is up, within " + grace.toMillis() + " ms");
            }
            Started s = started.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            if (s == null) {
                LOG.info("SIG" + signal + ": the start-up had failed; nothing left to stop");
                System.exit(0);
                return;
            }
            Duration left = grace.minusNanos(System.nanoTime() - t0);
            if (left.toMillis() < 1000) {
                left = Duration.ofMillis(1000); // the start-up took the grace: a short drain rather than none
            }
            LOG.info("SIG" + signal + ": stopping gracefully within " + left.toMillis() + " ms");
            s.beforeStop().run();
            NodeShutdown.Report report = s.node().shutdown(left).toCompletionStage().toCompletableFuture()
                    .get(left.toMillis() + EXIT_SLACK_MS, TimeUnit.MILLISECONDS);
            LOG.info("stopped: " + report);
            code = 0;
        } catch (Exception e) {
            LOG.log(Level.WARNING, "the graceful stop did not finish within " + grace.toMillis() + " ms: exiting anyway", e);
            code = 1;
        }
        // the shutdown hook finds the node closed; halt would skip the log handlers' flush
        System.exit(code);
    }
}
