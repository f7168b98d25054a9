package io.tributary.live;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.function.Supplier;

/** Hand-offs to a stream's writer context: direct when already there, one hop otherwise. */
final class Writer {

    private Writer() {
    }

    /** Runs {@code work} on {@code writer}; nothing comes back. */
    static void run(Context writer, Runnable work) {
        if (Vertx.currentContext() == writer) {
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
        Context back = Vertx.currentContext();
        if (back == writer) {
            try {
                return Future.succeededFuture(work.get());
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        Promise<T> done = Promise.promise();
        writer.runOnContext(v -> {
            T result;
            try {
                result = work.get();
            } catch (RuntimeException e) {
                settle(back, () -> done.fail(e));
                return;
            }
            settle(back, () -> done.complete(result));
        });
        return done.future();
    }

    private static void settle(Context back, Runnable completion) {
        if (back == null) {
            completion.run();
        } else {
            back.runOnContext(v -> completion.run());
        }
    }
}
