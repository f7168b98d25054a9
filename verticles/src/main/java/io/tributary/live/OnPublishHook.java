package io.tributary.live;

import io.tributary.config.StreamKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The {@code on_publish} webhook ({@code rtmp.on-publish}), as nginx-rtmp and SRS have it: before a
 * publish is taken, the node POSTs {@code {"action":"publish","stream","protocol","client"}} to it.
 * A 2xx allows, and {@code {"stream":"other"}} in its body publishes under that name instead;
 * any other answer, or none within {@link #TIMEOUT_MS}, refuses, with the answer's first line
 * (bounded) as the reason the broadcaster is told.
 */
public final class OnPublishHook {

    static final long TIMEOUT_MS = 3000;
    private static final int MAX_BODY = 4096;

    private final HttpClient client;
    private final String url;

    private OnPublishHook(HttpClient client, String url) {
        this.client = client;
        this.url = url;
    }

    /** Null when {@code url} is empty. */
    public static OnPublishHook of(Vertx vertx, String url) {
        return url.isEmpty() ? null : new OnPublishHook(vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) TIMEOUT_MS)), url);
    }

    /** The name to publish under, or a {@link PublishException} saying why not. */
    Future<String> decide(String key, String protocol, String client) {
        JsonObject ask = new JsonObject().put("action", "publish").put("stream", key).put("protocol", protocol).put("client", client);
        return this.client.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url).setIdleTimeout(TIMEOUT_MS)
                        .putHeader("Content-Type", "application/json"))
                .compose(req -> req.send(ask.toBuffer()))
                .compose(res -> res.body().map(body -> {
                    String text = body.length() > MAX_BODY ? body.getString(0, MAX_BODY) : body.toString();
                    if (res.statusCode() / 100 != 2) {
                        String first = text.lines().findFirst().orElse("").trim();
                        throw new PublishException(PublishException.Kind.REJECTED, "on_publish",
                                "refused by the on_publish hook (HTTP " + res.statusCode() + ")" + (first.isEmpty() ? "" : ": "
                                        + first.substring(0, Math.min(first.length(), 200))));
                    }
                    return renamed(key, text);
                }))
                .recover(e -> Future.failedFuture(e instanceof PublishException ? e : new PublishException(
                        PublishException.Kind.REJECTED, "on_publish", "the on_publish hook did not answer: " + e.getMessage())));
    }

    private static String renamed(String key, String body) {
        if (body.isBlank()) {
            return key;
        }
        Object name;
        try {
            name = new JsonObject(body).getValue("stream");
        } catch (DecodeException | ClassCastException e) {
            return key; // a 2xx with some other body allows as it is
        }
        if (name == null) {
            return key;
        }
        if (!(name instanceof String s) || !StreamKeys.valid(s)) {
            throw new PublishException(PublishException.Kind.REJECTED, "on_publish",
                    "the on_publish hook renamed the stream to an invalid key");
        }
        return s;
    }
}
