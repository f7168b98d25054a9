package io.tributary.ssai;

import io.tributary.config.StreamKeys;
import io.tributary.media.vast.VastMediaPicker;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One of the {@code ad-decision} verticles: answers {@link AdDecisionRequest}s on
 * {@link AdDecisionRequest#ADDRESS} (cluster-wide) with the {@link AdPod} for that session's break.
 * It calls the stream's VAST URL (or the node's own {@code /ads/vast}), follows wrappers, keeps
 * the ads whose creatives are conditioned (starting the others for a later break) and fills the
 * break without passing its end. A decision that gets no ad replies with a failure (status 504 on
 * a timeout, 502 when the ad server failed or answered something not VAST, 404 when it had no ad);
 * the VAST error URLs owed are sent either way.
 */
public final class AdDecisionVerticle extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(AdDecisionVerticle.class.getName());
    /** The {@code AdSystem} of the built-in server's ads. */
    static final String BUILT_IN_AD_SYSTEM = "Tributary";
    static final long MAX_BREAK_MS = 3_600_000;

    private final AdDecisionSettings settings;
    private final String builtInUrl;
    private final AdCreatives creatives;
    private final AdBeacons beacons;
    private final AdMetrics metrics;
    private final AdAddressPolicy addresses;
    private VastFetcher fetcher;
    private VastResolver resolver;
    private MessageConsumer<JsonObject> consumer;

    AdDecisionVerticle(AdDecisionSettings settings, String builtInUrl, AdCreatives creatives, AdBeacons beacons, AdMetrics metrics,
                       AdAddressPolicy addresses) {
        this.settings = settings;
        this.addresses = addresses;
        this.builtInUrl = builtInUrl;
        this.creatives = creatives;
        this.beacons = beacons;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        fetcher = new VastFetcher(vertx, settings.decisionTimeout().toMillis(), addresses, metrics);
        resolver = new VastResolver(fetcher, settings.wrapperDepth());
        consumer = vertx.eventBus().consumer(AdDecisionRequest.ADDRESS, this::decide);
        return consumer.completion();
    }

    @Override
    public Future<?> stop() {
        return consumer.unregister().eventually(() -> fetcher.close());
    }

    private void decide(Message<JsonObject> msg) {
        long started = System.nanoTime();
        AdDecisionRequest req;
        try {
            req = AdDecisionRequest.fromJson(msg.body());
        } catch (RuntimeException e) {
            req = null;
        }
        String invalid = req == null ? "the request is not an AdDecisionRequest" : invalid(req);
        if (invalid != null) {
            metrics.decision("bad-request", System.nanoTime() - started);
            msg.fail(400, invalid);
            return;
        }
        AdDecisionRequest r = req;
        String configured = settings.vastUrlOf(r.stream());
        boolean builtIn = configured.isEmpty();
        String url = VastMacros.decision(builtIn ? builtInUrl : configured, r);
        long deadline = started + settings.decisionTimeout().toNanos();
        resolver.resolve(url, deadline).compose(resolved -> {
            for (VastResolver.Failure f : resolved.failures()) {
                LOG.fine(() -> "VAST error " + f.code() + " for stream " + r.stream() + ": " + f.reason());
                beacons.send(f.urls(), "error:" + f.code(), null, r.session());
            }
            if (!"ok".equals(resolved.outcome())) {
                return Future.failedFuture(new Outcome(resolved.outcome(), resolved.failures().isEmpty() ? resolved.outcome()
                        : resolved.failures().get(0).reason()));
            }
            // the catalog lookups count against the same deadline as the ad server
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            return pod(r, resolved.ads(), builtIn).timeout(left, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .recover(e -> Future.failedFuture(e instanceof java.util.concurrent.TimeoutException
                            ? new Outcome("timeout", "the creatives were not looked up within ssai.decision-timeout") : e));
        }).onComplete(ar -> {
            long took = System.nanoTime() - started;
            if (ar.succeeded()) {
                AdPod pod = ar.result();
                metrics.decision(pod.ads().isEmpty() ? "empty" : "filled", took);
                msg.reply(pod.toJson());
                return;
            }
            String result = ar.cause() instanceof Outcome o ? o.result : "error";
            metrics.decision(result, took);
            int status = switch (result) {
                case "timeout" -> 504;
                case "no-ads" -> 404;
                default -> 502;
            };
            msg.fail(status, "no ad for break " + r.breakId() + ": " + ar.cause().getMessage());
        });
    }

    /** Why the decision found no ad: a {@link AdMetrics#RESULTS} value and the reason. */
    private static final class Outcome extends RuntimeException {
        final String result;

        Outcome(String result, String message) {
            super(message, null, false, false);
            this.result = result;
        }
    }

    private Future<AdPod> pod(AdDecisionRequest r, List<VastResolver.Inline> ads, boolean builtIn) {
        List<VastResolver.Inline> playable = new ArrayList<>();
        Map<String, VastResolver.Inline> byKey = new HashMap<>();
        Map<String, AdCreatives.Ready> direct = new HashMap<>();
        List<String> assetIds = new ArrayList<>();
        for (VastResolver.Inline in : ads) {
            if (builtIn && BUILT_IN_AD_SYSTEM.equals(in.ad().adSystem())) {
                // the built-in server's ads are catalog assets conditioned already: the creative id is the asset id
                assetIds.add(in.linear().creativeId());
                playable.add(in);
                continue;
            }
            if (VastMediaPicker.best(in.linear().mediaFiles(), creatives.targetHeight(r.ladder()), 0).isEmpty()) {
                // no media file the pipeline can take (VAST 403: couldn't find a supported MediaFile)
                beacons.send(in.errors(), "error:403", null, r.session());
                continue;
            }
            playable.add(in);
            byKey.put(AdCreatives.key(in, r.ladder()), in);
        }
        Future<Map<String, AdCreatives.Ready>> conditioned = creatives.lookup(List.copyOf(byKey.keySet()));
        Future<Map<String, io.tributary.vod.SourceAssets.Asset>> own = assetIds.isEmpty() ? Future.succeededFuture(Map.of())
                : creatives.catalogAds(assetIds);
        return Future.all(conditioned, own).map(x -> {
            own.result().forEach((id, a) -> {
                if (a.playable()) {
                    direct.put(id, new AdCreatives.Ready(id, a.durationMs()));
                }
            });
            creatives.condition(new ArrayList<>(byKey.values()), conditioned.result(), r.session(), r.ladder());
            List<AdPodPlanner.Candidate> candidates = new ArrayList<>();
            for (VastResolver.Inline in : playable) {
                boolean own1 = builtIn && BUILT_IN_AD_SYSTEM.equals(in.ad().adSystem());
                String key = own1 ? in.linear().creativeId() : AdCreatives.key(in, r.ladder());
                AdCreatives.Ready ready = own1 ? direct.get(key) : conditioned.result().get(key);
                if (ready != null) {
                    candidates.add(new AdPodPlanner.Candidate(in, own1 ? key : in.linear().creativeId().isEmpty() ? AdCreatives.key(in)
                            : in.linear().creativeId(), ready.assetId(), ready.durationMs(), own1));
                }
            }
            return AdPodPlanner.plan(r.breakId(), r.durationMs(), candidates);
        });
    }

    static String invalid(AdDecisionRequest r) {
        if (r.session() == null || r.session().isEmpty() || r.session().length() > 128) {
            return "session: 1 to 128 characters";
        }
        if (r.stream() == null || !StreamKeys.valid(r.stream())) {
            return "stream: a valid stream or channel key";
        }
        if (r.breakId() == null || r.breakId().isEmpty() || r.breakId().length() > 128) {
            return "breakId: 1 to 128 characters";
        }
        if (r.durationMs() <= 0 || r.durationMs() > MAX_BREAK_MS) {
            return "durationMs: above 0 and at most " + MAX_BREAK_MS;
        }
        return null;
    }
}
