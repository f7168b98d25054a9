package io.tributary.grpc;

import io.tributary.StatusException;
import io.vertx.grpc.common.GrpcStatus;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one failure vocabulary (HTTP-style statuses on {@link StatusException}) in gRPC's terms. A
 * failure that is not a StatusException is INTERNAL without a detail: the log has it, the caller
 * never sees a class or a stack.
 */
final class GrpcFailures {

    private static final Logger LOG = Logger.getLogger(GrpcFailures.class.getName());

    /** The status and the message a caller gets for {@code e}. */
    record Answer(GrpcStatus status, String message, int httpStatus) {
    }

    private GrpcFailures() {
    }

    /** @param creates a 409 on this call means "it exists" (ALREADY_EXISTS) rather than a state that forbids it */
    static Answer of(Throwable e, boolean creates, String call) {
        if (e instanceof StatusException s) {
            return new Answer(status(s.status(), creates), s.detail(), s.status());
        }
        LOG.log(Level.WARNING, "gRPC call " + call + " failed", e);
        return new Answer(GrpcStatus.INTERNAL, "internal error", 500);
    }

    static GrpcStatus status(int http, boolean creates) {
        return switch (http) {
            case 400, 413, 415, 422 -> GrpcStatus.INVALID_ARGUMENT;
            case 401 -> GrpcStatus.UNAUTHENTICATED;
            case 403 -> GrpcStatus.PERMISSION_DENIED;
            case 404 -> GrpcStatus.NOT_FOUND;
            case 409 -> creates ? GrpcStatus.ALREADY_EXISTS : GrpcStatus.FAILED_PRECONDITION;
            case 429 -> GrpcStatus.RESOURCE_EXHAUSTED;
            case 503 -> GrpcStatus.UNAVAILABLE;
            case 504 -> GrpcStatus.DEADLINE_EXCEEDED;
            case 501 -> GrpcStatus.UNIMPLEMENTED;
            default -> http >= 400 && http < 500 ? GrpcStatus.FAILED_PRECONDITION : GrpcStatus.INTERNAL;
        };
    }
}
