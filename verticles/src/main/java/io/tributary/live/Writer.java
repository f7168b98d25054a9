package io.tributary.live;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.util.function.Supplier;

/**
 * A stream's writer context and the hand-offs to it. The writer runs on the event loop of the
 * publisher that created the stream, so that publisher's media needs no hop; but it belongs to
 * no verticle, so undeploying that publisher's ingest set cancels none of the stream's timers.
 * Confinement is by thread: work already on the writer's event loop runs at once.
 */
final class Writer {

    private Writer() {
    }

    /** A new writer on the caller's event loop (any event loop when called off Vert.x). */
    static Context newWriter(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        ContextInternal current = internal.getContext();
        if (current != null && current.isEventLoopContext()) {
            return internal.contextBuilder().withEventLoop(current.nettyEventLoop()).build();
        }
        return internal.createEventLoopContext();
    }

    /** Whether the calling thread is the writer's. */
    static boolean on(Context writer) {
        return ((ContextInternal) writer).nettyEventLoop().inEventLoop();
    }

    /** Runs {@code work} on {@code writer}; nothing comes back. */
    static void run(Context writer, Runnable work) {
        if (on(writer)) {
            work.run();
        } else {
            writer.runOnContext(v -> work.run());
        }
    }

    /**
     * Runs {@code work} on {@code writer} and completes with its result (or failure) back on
     * the caller's context, so the caller's state stays confined to its own context.
     */
    static <T> Future<T> call(Context writer, Supplier<T> work) {
        if (on(writer)) {
            try {
                return Future.succeededFuture(work.get());
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        Context back = Vertx.currentContext();
        Promise<T> done = Promise.promise();
        writer.runOnContext(v -> {
            T result;
            try {
                result = work.get();
            } catch (RuntimeException e) {
                settle(back, Future.failedFuture(e), done);
                return;
            }
            settle(back, Future.succeededFuture(result), done);
        });
        return done.future();
    }

    /** Completes {@code done} with {@code result} on {@code back} (at once when there is no context to go back to). */
    static <T> void settle(Context back, AsyncResult<T> result, Promise<T> done) {
        if (back == null) {
            done.handle(result);
        } else {
            back.runOnContext(v -> done.handle(result));
        }
    }
}
