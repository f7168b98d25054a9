package io.tributary.playback;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.tributary.playback.PlaybackToken.Kind;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.Arrays;
import java.util.Base64;

/**
 * The ClearKey license server of encrypted VOD assets played over DASH,
 * {@code POST /keys/vod/{asset}/{epoch}/clearkey}: the W3C ClearKey request ({@code {"kids": [...]}},
 * base64url KIDs) answered with a JSON Web Key set holding the asset's key ({@link VodCenc}), under the
 * rules of the AES-128 key server: a token of that asset (or a node's pass) whatever
 * {@code playback.vod-access} says, {@code private, no-store} on every answer, refusals included.
 */
public final class ClearKeyLicense {

    /** A request names a few KIDs (about 40 bytes each): anything larger is not a license request. */
    public static final int MAX_REQUEST = 4096;
    private static final int MAX_KIDS = 16;

    private final PlaybackAccess access;

    public ClearKeyLicense(PlaybackAccess access) {
        this.access = access;
    }

    public void mount(Router router) {
        router.post("/keys/vod/:asset/:epoch/clearkey").handler(BodyHandler.create(false).setBodyLimit(MAX_REQUEST)).handler(this::license);
    }

    private void license(RoutingContext ctx) {
        String asset = ctx.pathParam("asset");
        String epoch = ctx.pathParam("epoch");
        if (!StreamKeys.valid(asset) || !epoch.matches("[0-9]{1,15}")) {
            throw StatusException.notFound("no such license");
        }
        if (access.tokens() == null) {
            throw StatusException.notFound("this node encrypts nothing");
        }
        access.requireKeyToken(ctx, Kind.ASSET, asset, "asset's license");
        JsonArray kids;
        try {
            JsonObject request = ctx.body().asJsonObject();
            kids = request == null ? null : request.getJsonArray("kids");
        } catch (DecodeException | ClassCastException e) {
            kids = null;
        }
        if (kids == null || kids.isEmpty() || kids.size() > MAX_KIDS) {
            throw StatusException.badRequest("a ClearKey license request is JSON {\"kids\": [1 to " + MAX_KIDS + " base64url key ids]}");
        }
        long n = Long.parseLong(epoch);
        byte[] kid = VodCenc.kid(access.tokens(), asset, n);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        JsonArray keys = new JsonArray();
        for (Object k : kids) {
            byte[] asked;
            try {
                asked = k instanceof String s ? Base64.getUrlDecoder().decode(s) : null;
            } catch (IllegalArgumentException e) {
                asked = null;
            }
            if (asked == null) {
                throw StatusException.badRequest("kids: base64url strings (was " + k + ")");
            }
            if (Arrays.equals(asked, kid) && keys.isEmpty()) {
                keys.add(new JsonObject().put("kty", "oct").put("kid", b64.encodeToString(kid))
                        .put("k", b64.encodeToString(VodCenc.key(access.tokens(), asset, n))));
            }
        }
        if (keys.isEmpty()) {
            throw StatusException.notFound("none of the requested key ids is asset " + asset + "'s");
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("keys", keys).put("type", "temporary").toBuffer());
    }
}
