package io.tributary.vod;

import io.tributary.StatusException;
import io.tributary.http.Routers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The only HTTP of a worker-only node ({@code roles: [worker]}): {@code /health} (with the queue
 * depth), {@code /health/live} and {@code /metrics} for probes and the scraper an autoscaler reads
 * the queue depth from. Nothing a viewer or an API client asks for is here: a 404 says where it is.
 */
public final class WorkerListener {

    private static final Logger LOG = Logger.getLogger(WorkerListener.class.getName());

    private WorkerListener() {
    }

    public static Future<HttpServer> start(Vertx vertx, String host, int port, Supplier<String> metrics, VodModule vod) {
        Router router = Routers.create(vertx);
        router.get("/health").handler(ctx -> vod.catalog().queued().onSuccess(queued -> ctx.json(new JsonObject()
                .put("status", "UP").put("role", "worker").put("queued", queued))).onFailure(ctx::fail));
        router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(metrics.get()));
        router.route().handler(ctx -> ctx.fail(StatusException.notFound("a worker node (roles: [worker]) serves no viewers "
                + "and no API: /health, /health/live and /metrics only")));
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(router).listen()
                .onSuccess(s -> LOG.info("worker node: /health and /metrics on " + host + ":" + s.actualPort()
                        + "; no ingest, no delivery"));
    }
}
