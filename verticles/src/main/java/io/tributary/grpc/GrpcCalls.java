package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.auth.AuthModule;
import io.tributary.auth.Caller;
import io.tributary.auth.Identity;
import io.tributary.auth.Role;
import io.tributary.ratelimit.RateLimiter;
import io.tributary.ratelimit.RateScope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;

import java.util.function.BiFunction;

/**
 * Binds unary calls with what every call of the control plane goes through, in this order: the
 * credentials in the {@code authorization} metadata (401 → UNAUTHENTICATED; refused ones counted per
 * address by {@link FailedSignIns}, 429 → RESOURCE_EXHAUSTED past {@code ratelimit.login}), the caller's rate limit
 * (the bucket its REST requests take from too; 429 → RESOURCE_EXHAUSTED saying when to retry), the
 * role the call needs (403 → PERMISSION_DENIED), the call itself, its failure mapped by
 * {@link GrpcFailures}, and an audit line for every call that changes something, refusals included.
 */
final class GrpcCalls {

    /** Whether a call changes state (audited) and whether its 409 means "exists". */
    enum Kind { READ, WRITE, CREATE }

    private final GrpcServer server;
    private final AuthModule auth;
    /** Null: calls are not counted (tests of one component). */
    private final RateLimiter limits;
    private final FailedSignIns signIns;

    GrpcCalls(GrpcServer server, AuthModule auth, RateLimiter limits) {
        this.server = server;
        this.auth = auth;
        this.limits = limits;
        this.signIns = new FailedSignIns(limits);
    }

    <Req, Resp> GrpcCalls unary(ServiceMethod<Req, Resp> method, Role role, Kind kind, BiFunction<Caller, Req, Future<Resp>> call) {
        String name = method.serviceName().name() + "/" + method.methodName();
        server.callHandler(method, req -> handle(req, name, role, kind, call));
        return this;
    }

    private <Req, Resp> void handle(GrpcServerRequest<Req, Resp> req, String name, Role role, Kind kind,
                                    BiFunction<Caller, Req, Future<Resp>> call) {
        String authorization = req.headers().get("authorization");
        String address = RateLimiter.address(req.connection().remoteAddress());
        Caller[] who = new Caller[1];
        req.last().compose(msg -> signIns.signIn(address, authorization != null, () -> auth.caller(authorization)).compose(caller -> {
            who[0] = caller;
            return limit(caller);
        }).compose(x -> {
            who[0].require(role, "gRPC " + name);
            return call.apply(who[0], msg);
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

    /**
     * One token from the caller's bucket: a user's or an API key's, by subject, shared with its REST
     * requests (ratelimit.user, ratelimit.api-key). A node without accounts counts nothing here.
     */
    private Future<Void> limit(Caller caller) {
        RateScope scope = Identity.USER.equals(caller.kind()) ? RateScope.USER
                : Identity.API_KEY.equals(caller.kind()) ? RateScope.API_KEY : null;
        if (limits == null || scope == null) {
            return Future.succeededFuture();
        }
        return limits.check(scope, caller.sub()).compose(a -> a.allowed() ? Future.succeededFuture()
                : Future.failedFuture(new StatusException(429, "too many calls for this " + (scope == RateScope.USER ? "user" : "API key")
                + " (its API requests included); retry in " + a.retryAfterSeconds() + " s")));
    }

    /** A proto3 string field left empty means "not given", as an absent query parameter. */
    static String absentIfEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** A document's number for a proto3 field (no nulls there): 0 when absent or null. */
    static Number number(JsonObject o, String key) {
        return o.getValue(key) instanceof Number n ? n : 0;
    }

    /** A document's text field for a proto3 string (no nulls there): "" when absent or null. */
    static String text(JsonObject o, String key) {
        Object v = o.getValue(key);
        return v == null ? "" : v.toString();
    }
}
