package io.tributary.ops;

import io.tributary.http.Routers;
import io.tributary.metrics.NodeMetrics;
import io.tributary.tls.NodeTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.util.logging.Logger;

/**
 * The admin listener: the node's API (operator routes included, guarded as on {@code http.port})
 * and {@code /metrics}, on {@code admin.host:admin.port}. One server on one event loop: operators
 * and a Prometheus scraper, not viewers.
 */
public final class AdminListener {

    private static final Logger LOG = Logger.getLogger(AdminListener.class.getName());

    private AdminListener() {
    }

    public static Future<HttpServer> start(Vertx vertx, AdminSettings settings, NodeApi api, NodeMetrics metrics) {
        Router router = Routers.create(vertx);
        api.guardHere(router);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        api.mount(router);
        // HTTPS like every other listener when tls.cert is set: an operator's token and the scrape stay private;
        // it lives as long as the node, whose NodeTls stops following the certificate files at shutdown
        NodeTls tls = NodeTls.of(vertx);
        HttpServerOptions options = tls.server(new HttpServerOptions().setHost(settings.host()).setPort(settings.port()));
        HttpServer server = vertx.createHttpServer(options);
        tls.serving(server::updateSSLOptions, options);
        return server.requestHandler(router).listen()
                .onSuccess(s -> LOG.info("admin listener on " + tls.scheme() + "://" + settings.host() + ":" + s.actualPort()
                        + ": the operator API and /metrics (no longer on http.port)"));
    }
}
