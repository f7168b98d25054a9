package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.auth.AuthException;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The failure vocabulary's statuses as gRPC codes, and what a caller is told of the unexpected. */
class GrpcFailuresTest {

    @Test
    void eachStatusHasItsCode() {
        assertEquals(GrpcStatus.INVALID_ARGUMENT, GrpcFailures.status(400, false));
        assertEquals(GrpcStatus.UNAUTHENTICATED, GrpcFailures.status(401, false));
        assertEquals(GrpcStatus.PERMISSION_DENIED, GrpcFailures.status(403, false));
        assertEquals(GrpcStatus.NOT_FOUND, GrpcFailures.status(404, false));
        assertEquals(GrpcStatus.ALREADY_EXISTS, GrpcFailures.status(409, true));
        assertEquals(GrpcStatus.FAILED_PRECONDITION, GrpcFailures.status(409, false));
        assertEquals(GrpcStatus.RESOURCE_EXHAUSTED, GrpcFailures.status(429, false));
        assertEquals(GrpcStatus.UNAVAILABLE, GrpcFailures.status(503, false));
        assertEquals(GrpcStatus.INTERNAL, GrpcFailures.status(500, false));
    }

    @Test
    void theMessageIsTheDetailAndNeverAClass() {
        GrpcFailures.Answer a = GrpcFailures.of(AuthException.forbidden("needs the admin role"), false, "Nodes/Scale");
        assertEquals(GrpcStatus.PERMISSION_DENIED, a.status());
        assertEquals("needs the admin role", a.message());
        GrpcFailures.Answer quoted = GrpcFailures.of(StatusException.badRequest("key '<x>' is bad"), false, "Streams/Get");
        assertEquals("key '?x?' is bad", quoted.message());
        GrpcFailures.Answer odd = GrpcFailures.of(new IllegalStateException("java.lang.Secret at line 3"), false, "Streams/List");
        assertEquals(GrpcStatus.INTERNAL, odd.status());
        assertEquals("internal error", odd.message());
        assertEquals(500, odd.httpStatus());
    }
}
