package io.tributary.ssai;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.ops.VerticleScaler;
import io.tributary.vod.SourceAssets;
import io.tributary.vod.VodModule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

import java.util.logging.Logger;

/**
 * The ad-decision side of SSAI on a node: the built-in VAST server ({@code /ads/vast},
 * {@code /ads/track}) on every HTTP verticle, the {@code ad-decision} verticle set answering
 * {@link AdDecisionRequest#ADDRESS}, creative conditioning through the VOD pipeline and the
 * node's {@link HttpAdBeacons} (found with {@link HttpAdBeacons#of}). Needs VOD (the ad pool and
 * the conditioned creatives are catalog assets).
 */
public final class AdDecisionModule {

    private static final Logger LOG = Logger.getLogger(AdDecisionModule.class.getName());
    static final String SET = "ad-decision";

    private final Vertx vertx;
    private final AdDecisionSettings settings;
    private final AdMetrics metrics;
    private final HttpAdBeacons beacons;
    private final AdCreatives creatives;
    private final AdServer server;
    private final int targetHeight;
    private final AdAddressPolicy addresses;
    private VerticleScaler scaler;

    private AdDecisionModule(Vertx vertx, AdDecisionSettings settings, VodModule vod, MeterRegistry registry, int targetHeight) {
        this.vertx = vertx;
        this.settings = settings;
        this.targetHeight = targetHeight;
        this.metrics = new AdMetrics(registry);
        this.addresses = settings.addressPolicy();
        this.beacons = new HttpAdBeacons(vertx, settings, metrics, addresses);
        SourceAssets assets = SourceAssets.of(vertx, vod);
        this.creatives = new AdCreatives(vertx, vod.pool(), assets, targetHeight, metrics, addresses, beacons);
        this.server = new AdServer(assets, settings, metrics);
        HttpAdBeacons.install(vertx, beacons);
    }

    /**
     * The module over the node's VOD; {@code targetHeight} is the top rung of the node's ladder
     * (the media file a creative is conditioned from is the one covering it).
     */
    public static AdDecisionModule create(Vertx vertx, AdDecisionSettings settings, VodModule vod, MeterRegistry registry,
                                          int targetHeight) {
        return new AdDecisionModule(vertx, settings, vod, registry, targetHeight);
    }

    /** The built-in ad server's routes (before the HTTP verticles deploy). */
    public void mount(Router router) {
        server.mount(router);
    }

    /** Deploys the {@code ad-decision} set; {@code nodeUrl} is where this node's own {@code /ads/vast} answers. */
    public Future<AdDecisionModule> start(VerticleScaler scaler, String nodeUrl) {
        if (settings.instances() == 0) {
            LOG.info("ad decisions: none on this node (ssai.decision-instances 0); /ads/vast still answers");
            return Future.succeededFuture(this);
        }
        this.scaler = scaler;
        // the built-in server's media and tracking URLs point back at this listener, and only it
        java.net.URI own = java.net.URI.create(nodeUrl);
        addresses.trustOwnListener(own.getHost(), own.getPort() > 0 ? own.getPort() : "https".equals(own.getScheme()) ? 443 : 80);
        String builtIn = nodeUrl + "/ads/vast?duration=[DURATION]&session=[SESSION]&stream=[STREAM]";
        return scaler.deploy(SET, () -> new AdDecisionVerticle(settings, builtIn, creatives, beacons, metrics, addresses),
                settings.instances()).map(x -> {
                    LOG.info("ad decisions: " + settings.instances() + " verticle(s), VAST from "
                            + (settings.vastUrl().isEmpty() ? "the built-in /ads/vast" : settings.vastUrl())
                            + (settings.vastUrlRules().isEmpty() ? "" : " (" + settings.vastUrlRules().size() + " per-key rule(s))"));
                    return this;
                });
    }

    public AdBeacons beacons() {
        return beacons;
    }

    public Future<Void> close() {
        return (scaler == null ? Future.<Void>succeededFuture() : scaler.undeploy(SET).otherwiseEmpty())
                .eventually(creatives::close).eventually(beacons::close);
    }
}
