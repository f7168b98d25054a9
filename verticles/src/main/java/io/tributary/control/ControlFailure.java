package io.tributary.control;

import io.tributary.StatusException;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The failure vocabulary on the event bus is HTTP's: a command fails with the status as the
 * {@link ReplyException}'s failure code and the detail as its message, and the caller's route
 * answers with that same status. Mapped here, both ways.
 */
final class ControlFailure {

    private static final Logger LOG = Logger.getLogger(ControlFailure.class.getName());

    private ControlFailure() {
    }

    /** Fails {@code m} with {@code e}'s status, or 500 without a detail for anything unexpected. */
    static void reply(Message<?> m, Throwable e) {
        if (e instanceof StatusException s) {
            m.fail(s.status(), s.getMessage());
        } else {
            LOG.log(Level.WARNING, "control command " + m.body() + " failed", e);
            m.fail(500, "internal error");
        }
    }

    /** What a failed request to {@code node} means for the operator's HTTP call. */
    static StatusException of(String node, Throwable e, long timeoutMs) {
        if (e instanceof StatusException s) {
            return s;
        }
        if (e instanceof ReplyException r) {
            switch (r.failureType()) {
                case RECIPIENT_FAILURE:
                    int code = r.failureCode();
                    return new StatusException(code >= 400 && code <= 599 ? code : 500, "node " + node + ": " + r.getMessage());
                case NO_HANDLERS:
                    // a member without its command address: starting, closing, or not a Tributary node
                    return new StatusException(503, "node " + node + " takes no commands now");
                case TIMEOUT:
                    return new StatusException(503, "node " + node + " did not answer within " + timeoutMs + " ms");
                default:
                    break;
            }
        }
        LOG.log(Level.WARNING, "control request to node " + node + " failed", e);
        return new StatusException(503, "node " + node + " could not be reached");
    }
}
