package io.tributary.session;

import io.vertx.core.Future;

import java.util.List;

/**
 * What the {@code /vod} session hook asks before an asset gets sessions and meters, so that only assets
 * viewers can play become label values: an origin asks its catalogue, an edge its origin.
 */
@FunctionalInterface
public interface PlayableAssets {

    /** The asset's video rungs, highest first (empty when unknown), or null when it is not playable now. */
    Future<List<String>> rungs(String asset);
}
