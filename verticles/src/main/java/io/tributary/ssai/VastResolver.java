package io.tributary.ssai;

import io.tributary.media.vast.VastAd;
import io.tributary.media.vast.VastDocument;
import io.tributary.media.vast.VastException;
import io.tributary.media.vast.VastLinear;
import io.tributary.media.vast.VastParser;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * From an ad server's URL to InLine ads: fetches and parses the document, follows each Wrapper's
 * {@code VASTAdTagURI} (in parallel, at most {@code maxDepth} deep, within the decision's deadline)
 * and gives every InLine ad reached the impressions, errors and tracking of the wrappers above it.
 * A wrapper whose chain ends in nothing yields the VAST error it is owed (301 timeout or unreachable,
 * 302 too deep, 303 no ad after the wrapper, 100-102 a bad document) to be sent to its error URLs.
 * The top URL is the operator's and fetched as it is; a wrapper's is an ad server's and only
 * fetched from an address the node's {@link AdAddressPolicy} allows (refused: 301, as unreachable).
 */
final class VastResolver {

    /** An InLine ad with everything the wrappers above it added. */
    record Inline(VastAd ad, VastLinear linear, int sequence, List<String> impressions, List<String> errors,
                  Map<String, List<String>> tracking) {
    }

    /** A VAST error owed to {@code urls} (the wrappers' and the document's). */
    record Failure(int code, List<String> urls, String reason) {
    }

    /**
     * What came back. {@code outcome}: {@code ok}, else why the top-level request gave no ad:
     * {@code timeout}, {@code http-error}, {@code parse-error}, {@code no-ads}.
     */
    record Resolved(String outcome, List<Inline> ads, List<Failure> failures) {
    }

    private final VastFetcher fetcher;
    private final int maxDepth;

    VastResolver(VastFetcher fetcher, int maxDepth) {
        this.fetcher = fetcher;
        this.maxDepth = maxDepth;
    }

    Future<Resolved> resolve(String url, long deadlineNanos) {
        return fetcher.get(url, left(deadlineNanos), true).transform(ar -> {
            if (ar.failed()) {
                String kind = ar.cause() instanceof VastFetcher.FetchException f ? f.kind : "http";
                return Future.succeededFuture(new Resolved("timeout".equals(kind) ? "timeout" : "http-error", List.of(),
                        List.of(new Failure(301, List.of(), ar.cause().getMessage()))));
            }
            VastDocument doc;
            try {
                doc = VastParser.parse(ar.result());
            } catch (VastException e) {
                return Future.succeededFuture(new Resolved("parse-error", List.of(), List.of(new Failure(e.code(), List.of(), e.getMessage()))));
            }
            Chain top = new Chain(0, List.of(), List.of(), Map.of(), 0);
            return document(doc, top, deadlineNanos).map(r -> {
                if (!r.ads().isEmpty()) {
                    return r;
                }
                List<Failure> failures = new ArrayList<>(r.failures());
                if (doc.ads().isEmpty()) {
                    failures.add(new Failure(303, doc.errors(), "the ad server answered no ad"));
                }
                return new Resolved("no-ads", List.of(), failures);
            });
        });
    }

    /** What the wrappers above a document gave so far. */
    private record Chain(int depth, List<String> impressions, List<String> errors, Map<String, List<String>> tracking, int sequence) {

        Chain below(VastAd wrapper) {
            Map<String, List<String>> t = merge(tracking, wrapper.linears().isEmpty() ? Map.of() : wrapper.linears().get(0).tracking());
            return new Chain(depth + 1, concat(impressions, wrapper.impressions()), concat(errors, wrapper.errors()), t,
                    sequence > 0 ? sequence : wrapper.sequence());
        }
    }

    private Future<Resolved> document(VastDocument doc, Chain chain, long deadlineNanos) {
        List<Future<Resolved>> parts = new ArrayList<>();
        for (VastAd ad : doc.ads()) {
            parts.add(ad.wrapper() ? wrapper(ad, chain, deadlineNanos) : Future.succeededFuture(inline(ad, chain)));
        }
        return Future.join(parts).transform(x -> {
            List<Inline> ads = new ArrayList<>();
            List<Failure> failures = new ArrayList<>();
            for (Future<Resolved> f : parts) {
                if (f.succeeded()) {
                    ads.addAll(f.result().ads());
                    failures.addAll(f.result().failures());
                }
            }
            return Future.succeededFuture(new Resolved(ads.isEmpty() ? "no-ads" : "ok", ads, failures));
        });
    }

    private static Resolved inline(VastAd ad, Chain chain) {
        VastLinear linear = ad.playable();
        List<String> errors = concat(chain.errors(), ad.errors());
        if (linear == null) {
            // an InLine ad with no linear creative with a duration: nothing this break can play (VAST 201, expected linearity)
            return new Resolved("no-ads", List.of(), List.of(new Failure(201, errors, "ad '" + ad.id() + "' has no linear creative")));
        }
        return new Resolved("ok", List.of(new Inline(ad, linear, chain.sequence() > 0 ? chain.sequence() : ad.sequence(),
                concat(chain.impressions(), ad.impressions()), errors, merge(chain.tracking(), linear.tracking()))), List.of());
    }

    private Future<Resolved> wrapper(VastAd ad, Chain chain, long deadlineNanos) {
        Chain below = chain.below(ad);
        if (below.depth() > maxDepth) {
            return Future.succeededFuture(new Resolved("no-ads", List.of(),
                    List.of(new Failure(302, below.errors(), "more than " + maxDepth + " wrappers"))));
        }
        return fetcher.get(ad.adTagUri(), left(deadlineNanos), false).transform(ar -> {
            if (ar.failed()) {
                return Future.succeededFuture(new Resolved("no-ads", List.of(), List.of(new Failure(301, below.errors(),
                        "wrapper '" + ad.id() + "': " + ar.cause().getMessage()))));
            }
            VastDocument doc;
            try {
                doc = VastParser.parse(ar.result());
            } catch (VastException e) {
                return Future.succeededFuture(new Resolved("no-ads", List.of(), List.of(new Failure(e.code(), below.errors(),
                        "wrapper '" + ad.id() + "': " + e.getMessage()))));
            }
            if (doc.ads().isEmpty()) {
                return Future.succeededFuture(new Resolved("no-ads", List.of(), List.of(new Failure(303, concat(below.errors(), doc.errors()),
                        "wrapper '" + ad.id() + "': no ad behind it"))));
            }
            return document(doc, below, deadlineNanos).map(r -> r.ads().isEmpty() && r.failures().isEmpty()
                    ? new Resolved("no-ads", List.of(), List.of(new Failure(303, below.errors(), "wrapper '" + ad.id() + "': no ad behind it")))
                    : r);
        });
    }

    private static long left(long deadlineNanos) {
        return (deadlineNanos - System.nanoTime()) / 1_000_000;
    }

    static List<String> concat(List<String> a, List<String> b) {
        if (a.isEmpty()) {
            return b;
        }
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static Map<String, List<String>> merge(Map<String, List<String>> a, Map<String, List<String>> b) {
        if (a.isEmpty()) {
            return b;
        }
        Map<String, List<String>> out = new LinkedHashMap<>(a);
        b.forEach((event, urls) -> out.merge(event, urls, VastResolver::concat));
        return out;
    }
}
