package io.tributary;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The one failure vocabulary: a failure with an HTTP-style status. HTTP routes answer
 * with the status and the message (API routes as RFC 9457 problem details, media routes as
 * one line of text); event-bus and gRPC callers map the same code. The message is for the
 * client: it names the problem, never a class or a stack.
 */
public class StatusException extends RuntimeException {

    public static final String PROBLEM_JSON = "application/problem+json";

    private static final int MAX_DETAIL = 300;

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
        cacheControl(res);
        res.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .putHeader("X-Content-Type-Options", "nosniff")
                .end(detail() + "\n");
    }

    /** no-cache, unless the handler said no-store (a key's refusal): a failure never loosens what may be kept. */
    private static void cacheControl(HttpServerResponse res) {
        String set = res.headers().get(HttpHeaders.CACHE_CONTROL);
        if (set == null || !set.contains("no-store")) {
            res.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
        }
    }

    /** The RFC 9457 problem details: {@code about:blank} typed, so the title is the status's phrase. */
    public JsonObject problem() {
        return new JsonObject().put("type", "about:blank").put("title", title(status)).put("status", status)
                .put("detail", detail());
    }

    /** Answers with {@link #problem()} as {@code application/problem+json}, unless the response is gone already. */
    public void respondProblem(HttpServerResponse res) {
        if (res.closed() || res.ended()) {
            return;
        }
        cacheControl(res);
        res.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, PROBLEM_JSON)
                .putHeader("X-Content-Type-Options", "nosniff")
                .end(problem().toBuffer());
    }

    /**
     * The message as sent: it may quote what a client sent (a key, a path), so markup and
     * control characters are replaced and the length is bounded.
     */
    public String detail() {
        String m = String.valueOf(getMessage());
        StringBuilder b = new StringBuilder(Math.min(m.length(), MAX_DETAIL));
        for (int i = 0; i < m.length() && b.length() < MAX_DETAIL; i++) {
            char c = m.charAt(i);
            b.append(c < 0x20 || c == 0x7f || c == '<' || c == '>' ? '?' : c);
        }
        return b.toString();
    }

    /** The reason phrase of {@code status} (404: "Not Found"). */
    public static String title(int status) {
        return HttpResponseStatus.valueOf(status).reasonPhrase();
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
