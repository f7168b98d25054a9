package io.tributary;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * The one failure vocabulary: a failure with an HTTP-style status. HTTP routes answer
 * with the status and the message; event-bus and gRPC callers map the same code.
 */
public class StatusException extends RuntimeException {

    private final int status;

    public StatusException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** Answers with the status and the message as one line of text, unless the response is gone already. */
    public void respond(HttpServerResponse res) {
        if (res.closed() || res.ended()) {
            return;
        }
        res.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .end(getMessage() + "\n");
    }

    public static StatusException badRequest(String message) {
        return new StatusException(400, message);
    }

    public static StatusException notFound(String message) {
        return new StatusException(404, message);
    }

    public static StatusException conflict(String message) {
        return new StatusException(409, message);
    }
}
