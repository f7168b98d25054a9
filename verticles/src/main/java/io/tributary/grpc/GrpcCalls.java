package io.tributary.grpc;

import io.tributary.auth.AuthModule;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.vertx.core.Future;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;

import java.util.function.BiFunction;

/**
 * Binds unary calls with what every call of the control plane goes through, in this order: the
 * credentials in the {@code authorization} metadata (401 → UNAUTHENTICATED), the role the call needs
 * (403 → PERMISSION_DENIED), the call itself, its failure mapped by {@link GrpcFailures}, and an audit
 * line for every call that changes something, refusals included.
 */
final class GrpcCalls {

    /** Whether a call changes state (audited) and whether its 409 means "exists". */
    enum Kind { READ, WRITE, CREATE }

    private final GrpcServer server;
    private final AuthModule auth;

    GrpcCalls(GrpcServer server, AuthModule auth) {
        this.server = server;
        this.auth = auth;
    }

    <Req, Resp> GrpcCalls unary(ServiceMethod<Req, Resp> method, Role role, Kind kind, BiFunction<Caller, Req, Future<Resp>> call) {
        String name = method.serviceName().name() + "/" + method.methodName();
        server.callHandler(method, req -> handle(req, name, role, kind, call));
        return this;
    }

    private <Req, Resp> void handle(GrpcServerRequest<Req, Resp> req, String name, Role role, Kind kind,
                                    BiFunction<Caller, Req, Future<Resp>> call) {
        String authorization = req.headers().get("authorization");
        Caller[] who = new Caller[1];
        req.last().compose(msg -> auth.caller(authorization).compose(caller -> {
            who[0] = caller;
            caller.require(role, "gRPC " + name);
            return call.apply(caller, msg);
        })).onComplete(ar -> {
            if (ar.succeeded()) {
                if (kind != Kind.READ) {
                    auth.audit(who[0].actor(), "gRPC " + name, 200);
                }
                req.response().end(ar.result());
                return;
            }
            GrpcFailures.Answer a = GrpcFailures.of(ar.cause(), kind == Kind.CREATE, name);
            if (kind != Kind.READ || a.httpStatus() == 401 || a.httpStatus() == 403) {
                auth.audit(who[0] == null ? "anonymous" : who[0].actor(), "gRPC " + name, a.httpStatus());
            }
            req.response().status(a.status()).statusMessage(a.message()).end();
        });
    }
}
