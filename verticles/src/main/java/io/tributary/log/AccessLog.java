package io.tributary.log;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code log.access: true}: one line per HTTP request on every listener, when its response body is
 * done: method, path (query values that look like credentials replaced), status, body bytes,
 * duration and the client's address. Off, it costs one level check per request.
 */
public final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger(LogbackSetup.ACCESS_LOGGER);
    /** Query parameters whose values are never written: signed-URL tokens, keys, passwords. */
    private static final Pattern SECRET = Pattern.compile("(?i).*(token|sig|secret|key|pass|auth|jwt|credential|hmac).*");
    /** A request line is the client's to make long; the log line is not. */
    static final int MAX_TARGET = 512;

    private AccessLog() {
    }

    /** Called as a request arrives; logs it when its response body has been written. */
    public static void observe(HttpServerRequest req) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        long start = System.nanoTime();
        HttpServerResponse response = req.response();
        // bodyEndHandler: endHandler belongs to the connection gate and to Vert.x Web's end handlers
        response.bodyEndHandler(v -> {
            double millis = (System.nanoTime() - start) / 1e6;
            String method = req.method().name();
            String path = target(req.path(), req.query());
            String client = req.remoteAddress() == null ? "-" : req.remoteAddress().hostAddress();
            int status = response.getStatusCode();
            long bytes = response.bytesWritten();
            LOG.atInfo()
                    .addKeyValue("http.request.method", method)
                    .addKeyValue("url.path", path)
                    .addKeyValue("http.response.status_code", status)
                    .addKeyValue("http.response.body.bytes", bytes)
                    .addKeyValue("event.duration", (long) (millis * 1_000_000)) // ECS: nanoseconds
                    .addKeyValue("client.address", client)
                    .log(String.format(Locale.ROOT, "%s %s %d %d %.1fms %s", method, path, status, bytes, millis, client));
        });
    }

    /** The path and query as sent (not decoded: a malformed escape is logged, not thrown), credentials out. */
    static String target(String path, String query) {
        StringBuilder b = new StringBuilder(path == null ? "" : path);
        if (query != null && !query.isEmpty()) {
            b.append('?');
            String[] pairs = query.split("&", -1);
            for (int i = 0; i < pairs.length; i++) {
                if (i > 0) {
                    b.append('&');
                }
                int eq = pairs[i].indexOf('=');
                String name = eq < 0 ? pairs[i] : pairs[i].substring(0, eq);
                b.append(eq >= 0 && SECRET.matcher(name).matches() ? name + "=REDACTED" : pairs[i]);
                if (b.length() > MAX_TARGET) {
                    break;
                }
            }
        }
        return b.length() > MAX_TARGET ? b.substring(0, MAX_TARGET) + "..." : b.toString();
    }
}
