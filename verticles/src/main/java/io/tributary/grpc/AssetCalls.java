package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.tributary.grpc.api.Asset;
import io.tributary.grpc.api.AssetPage;
import io.tributary.grpc.api.AssetRef;
import io.tributary.grpc.api.AssetsGrpcService;
import io.tributary.grpc.api.SearchAssetsRequest;
import io.tributary.vod.VodModule;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static io.tributary.grpc.GrpcCalls.number;
import static io.tributary.grpc.GrpcCalls.text;

/**
 * {@code tributary.v1.Assets}: the VOD catalog's search, read and delete, through the REST routes'
 * own code ({@link VodModule#searchAssets}); deleting is an editor's, as on REST.
 */
final class AssetCalls {

    /** Null on a node without VOD. */
    private final VodModule vod;

    AssetCalls(VodModule vod) {
        this.vod = vod;
    }

    void bind(GrpcCalls calls) {
        calls.unary(AssetsGrpcService.Search, Role.VIEWER, GrpcCalls.Kind.READ, this::search)
                .unary(AssetsGrpcService.Get, Role.VIEWER, GrpcCalls.Kind.READ, (c, ref) -> vod().asset(ref.getId()).map(AssetCalls::asset))
                .unary(AssetsGrpcService.Delete, Role.EDITOR, GrpcCalls.Kind.WRITE,
                        (c, ref) -> vod().deleteAsset(ref.getId()).map(x -> AssetRef.newBuilder().setId(ref.getId()).build()));
    }

    private Future<AssetPage> search(Caller caller, SearchAssetsRequest req) {
        if (req.getPage() < 0) {
            return Future.failedFuture(StatusException.badRequest("page: 1 or more (0: the first)"));
        }
        return vod().searchAssets(GrpcCalls.absentIfEmpty(req.getQuery()), GrpcCalls.absentIfEmpty(req.getTag()),
                req.getPage() == 0 ? null : Integer.toString(req.getPage()), GrpcCalls.absentIfEmpty(req.getAvailable())).map(p -> {
            AssetPage.Builder b = AssetPage.newBuilder().setPage(number(p, "page").intValue())
                    .setPageSize(number(p, "pageSize").intValue()).setMore(Boolean.TRUE.equals(p.getValue("more")));
            p.getJsonArray("items").forEach(a -> b.addAssets(asset((JsonObject) a)));
            return b.build();
        });
    }

    private VodModule vod() {
        if (vod == null) {
            throw new StatusException(501, "this node has no VOD catalog (vod.enabled is false)");
        }
        return vod;
    }

    static Asset asset(JsonObject a) {
        Asset.Builder b = Asset.newBuilder().setId(text(a, "id")).setTitle(text(a, "title"))
                .setDescription(text(a, "description")).setState(text(a, "state"))
                .setDurationSeconds(number(a, "duration").doubleValue()).setAvailable(Boolean.TRUE.equals(a.getValue("available")))
                .setAvailableFrom(text(a, "availableFrom")).setAvailableUntil(text(a, "availableUntil"))
                .setSize(number(a, "size").longValue()).setCreatedAt(text(a, "createdAt")).setHls(text(a, "hls"))
                .setError(text(a, "error"));
        a.getJsonArray("tags", new JsonArray()).forEach(t -> b.addTags(String.valueOf(t)));
        a.getJsonArray("renditions", new JsonArray()).forEach(r -> b.addRenditions(String.valueOf(r)));
        return b.build();
    }
}
