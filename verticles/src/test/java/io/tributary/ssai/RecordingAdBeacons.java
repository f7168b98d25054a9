package io.tributary.ssai;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Test helper, not the product's sender: a minimal {@link AdBeacons} that does one real HTTP GET per
 * URL (no retries, no macros beyond [CACHEBUSTING]), so the tests see beacons arrive at a recording
 * endpoint. The VAST module's HttpAdBeacons is the node's real one.
 */
final class RecordingAdBeacons implements AdBeacons {

    private final HttpClient client;

    RecordingAdBeacons(Vertx vertx) {
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000));
    }

    @Override
    public Future<Void> send(List<String> urls, String event, AdPod.Ad ad, String session) {
        List<Future<?>> sent = new ArrayList<>();
        for (String url : urls) {
            String u = url.replace("[CACHEBUSTING]", String.valueOf(System.nanoTime() % 100_000_000));
            sent.add(client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(u).setTimeout(5000))
                    .compose(req -> req.send()).compose(res -> res.body().map(b -> {
                        if (res.statusCode() >= 400) {
                            throw new IllegalStateException(u + " answered " + res.statusCode());
                        }
                        return b;
                    })));
        }
        return Future.all(sent).mapEmpty();
    }
}
