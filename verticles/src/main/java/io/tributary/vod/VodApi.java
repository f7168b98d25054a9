package io.tributary.vod;

import io.tributary.StatusException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The catalog API (operator routes, problem details on errors): {@code POST /api/v1/assets} with
 * the media as the body (streamed to disk, {@code ?title=&description=&tags=a,b}) or JSON
 * {@code {"source":"file:///..."}} under {@code vod.import-dir} or {@code {"source":"https://..."}} ({@link SourceFetch}); {@code GET /api/v1/assets?q=&tag=&page=};
 * {@code GET|PATCH|DELETE /api/v1/assets/{id}}; {@code GET /api/v1/jobs/{id}} and the queue at
 * {@code GET /api/v1/jobs}.
 */
final class VodApi {

    private static final Logger LOG = Logger.getLogger(VodApi.class.getName());
    static final int MAX_JSON = 64 * 1024;
    static final int MAX_QUERY = 200;
    static final int MAX_PAGE = 10_000;

    private final Vertx vertx;
    private final VodSettings settings;
    private final VodCatalog catalog;
    private final VodFiles files;
    private final ContentEvents events;
    /** Null without Kafka: the workers on this node are woken instead. */
    private final VodKafka kafka;
    /** Playback's view of the windows: an edit or a delete reaches it at once on this node. */
    private final AvailabilityCache windows;
    /** {@code https://} sources. */
    private final SourceFetch fetcher;

    VodApi(Vertx vertx, VodSettings settings, VodCatalog catalog, VodFiles files, ContentEvents events, VodKafka kafka,
           AvailabilityCache windows, SourceFetch fetcher) {
        this.vertx = vertx;
        this.settings = settings;
        this.catalog = catalog;
        this.files = files;
        this.events = events;
        this.kafka = kafka;
        this.windows = windows;
        this.fetcher = fetcher;
    }

    void mount(Router router) {
        router.post("/api/v1/assets").handler(this::create);
        router.get("/api/v1/assets").handler(this::search);
        // the route and the gRPC door share one answer (thumbnails listed only where the sprite exists)
        router.get("/api/v1/assets/:id").handler(ctx -> asset(ctx.pathParam("id")).onSuccess(ctx::json).onFailure(ctx::fail));
        router.patch("/api/v1/assets/:id").handler(BodyHandler.create().setBodyLimit(MAX_JSON)).handler(this::patch);
        router.delete("/api/v1/assets/:id").handler(this::delete);
        router.get("/api/v1/jobs").handler(ctx -> catalog.queued().onSuccess(n -> ctx.json(new JsonObject().put("queued", n)))
                .onFailure(ctx::fail));
        router.get("/api/v1/jobs/:id").handler(ctx -> {
            String raw = ctx.pathParam("id");
            if (!raw.matches("[0-9]{1,18}")) {
                throw StatusException.badRequest("job id must be a positive integer");
            }
            catalog.job(Long.parseLong(raw)).onSuccess(j -> {
                if (j.isEmpty()) {
                    ctx.fail(StatusException.notFound("no job " + raw));
                } else {
                    ctx.json(j.get());
                }
            }).onFailure(ctx::fail);
        });
    }

    /**
     * Assets published before the pipeline made sprites have none: their {@code thumbnails} URL is
     * listed only when the map and its sprite are on disk (the catalog row cannot tell).
     */
    private Future<JsonObject> withoutMissingThumbnails(JsonObject asset) {
        if (!asset.containsKey("thumbnails")) {
            return Future.succeededFuture(asset);
        }
        Path dir = files.published(asset.getString("id"));
        var fs = vertx.fileSystem();
        return Future.all(fs.exists(dir.resolve("thumbnails.vtt").toString()), fs.exists(dir.resolve("sprite.jpg").toString()))
                .map(both -> {
                    if (!both.<Boolean>resultAt(0) || !both.<Boolean>resultAt(1)) {
                        asset.remove("thumbnails");
                    }
                    return asset;
                });
    }

    private static String id(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!VodFiles.ID.matcher(id).matches()) {
            throw StatusException.notFound("no asset " + id); // not an id this node ever gives
        }
        return id;
    }

    // ---- create

    private void create(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String type = String.valueOf(req.getHeader(HttpHeaders.CONTENT_TYPE));
        if (type.startsWith("application/json")) {
            importJson(ctx);
            return;
        }
        // the metadata comes in the query: the body is the media
        AssetMetadata meta = AssetMetadata.fromQuery(ctx.queryParams());
        long epoch = keyEpoch(ctx.queryParams().get("encryption"));
        clearIfAd(meta, epoch);
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && length.matches("[0-9]{1,19}") && Long.parseLong(length) > settings.maxUpload()) {
            tooLarge(ctx);
            return;
        }
        String id = VodFiles.newId();
        req.pause();
        if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
            ctx.response().writeContinue(); // curl waits for it before a large body
        }
        upload(req, id).onComplete(ar -> {
            if (ar.failed()) {
                if (ar.cause() instanceof StatusException s && s.status() == 413) {
                    tooLarge(ctx);
                } else {
                    ctx.fail(ar.cause());
                }
                return;
            }
            if (ar.result() == 0) {
                ctx.fail(StatusException.badRequest("body: the media is empty"));
                deleteQuietly(id);
                return;
            }
            register(ctx, id, meta, ar.result(), epoch);
        });
    }

    /** Streams the body to {@code uploads/{id}.part}, counting; over the limit it stops and deletes what it wrote. */
    private Future<Long> upload(HttpServerRequest req, String id) {
        Path part = files.partial(id);
        Promise<Long> done = Promise.promise();
        vertx.fileSystem().mkdirs(files.uploads().toString())
                .compose(x -> vertx.fileSystem().open(part.toString(), new OpenOptions().setWrite(true).setCreateNew(true)))
                .onFailure(done::fail)
                .onSuccess(file -> {
                    long[] received = {0};
                    boolean[] over = {false};
                    file.exceptionHandler(e -> {
                        if (!over[0]) {
                            over[0] = true;
                            file.close().onComplete(x -> deleteQuietly(id));
                            done.tryFail(e);
                        }
                    });
                    req.handler(buf -> {
                        if (over[0]) {
                            return;
                        }
                        received[0] += buf.length();
                        if (received[0] > settings.maxUpload()) {
                            over[0] = true;
                            req.pause();
                            file.close().onComplete(x -> {
                                deleteQuietly(id);
                                done.tryFail(new StatusException(413, "the upload is over vod.max-upload ("
                                        + settings.maxUpload() + " bytes)"));
                            });
                            return;
                        }
                        file.write(buf);
                        if (file.writeQueueFull()) {
                            req.pause();
                            file.drainHandler(v -> req.resume());
                        }
                    });
                    req.exceptionHandler(e -> {
                        if (!over[0]) {
                            over[0] = true;
                            file.close().onComplete(x -> deleteQuietly(id));
                            done.tryFail(StatusException.badRequest("body: the upload broke off (" + e.getMessage() + ")"));
                        }
                    });
                    req.endHandler(v -> {
                        if (over[0]) {
                            return;
                        }
                        file.close().compose(x -> vertx.fileSystem().move(part.toString(), files.uploads().resolve(id).toString()))
                                .onSuccess(x -> done.tryComplete(received[0]))
                                .onFailure(e -> {
                                    deleteQuietly(id);
                                    done.tryFail(e);
                                });
                    });
                    req.resume();
                });
        return done.future();
    }

    private void tooLarge(RoutingContext ctx) {
        // the rest of the body is not read: the connection goes with the answer
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ctx.fail(new StatusException(413, "the upload is over vod.max-upload (" + settings.maxUpload() + " bytes)"));
    }

    private void importJson(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        Buffer body = Buffer.buffer();
        boolean[] over = {false};
        req.handler(buf -> {
            if (!over[0] && body.length() + buf.length() > MAX_JSON) {
                over[0] = true;
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                ctx.fail(new StatusException(413, "a JSON body is at most " + MAX_JSON + " bytes"));
            } else if (!over[0]) {
                body.appendBuffer(buf);
            }
        });
        req.endHandler(v -> {
            if (over[0]) {
                return;
            }
            try {
                JsonObject json = object(body);
                if (json.getValue("source") instanceof String url && url.regionMatches(true, 0, "https:", 0, 6)) {
                    fetch(ctx, json, SourceFetch.https(url));
                    return;
                }
                Path source = importable(json.getValue("source"));
                AssetMetadata meta = AssetMetadata.create(json, source.getFileName().toString());
                long epoch = keyEpoch(json.getValue("encryption"));
                clearIfAd(meta, epoch);
                String id = VodFiles.newId();
                vertx.executeBlocking(() -> {
                    long size = Files.size(source);
                    if (size > settings.maxUpload()) {
                        throw new StatusException(413, "source: the file is over vod.max-upload (" + settings.maxUpload() + " bytes)");
                    }
                    Files.createDirectories(files.uploads());
                    Files.copy(source, files.partial(id), StandardCopyOption.REPLACE_EXISTING);
                    Files.move(files.partial(id), files.uploads().resolve(id), StandardCopyOption.ATOMIC_MOVE);
                    return size;
                }, false).onSuccess(size -> register(ctx, id, meta, size, epoch)).onFailure(e -> {
                    deleteQuietly(id);
                    ctx.fail(e);
                });
            } catch (StatusException e) {
                ctx.fail(e);
            }
        });
    }

    /** {@code {"source":"https://..."}}: fetched into a partial upload, then registered like an upload. */
    private void fetch(RoutingContext ctx, JsonObject json, URI uri) {
        String last = uri.getPath() == null ? "" : uri.getPath().substring(uri.getPath().lastIndexOf('/') + 1);
        AssetMetadata meta = AssetMetadata.create(json, last.isBlank() ? uri.getHost() : last);
        long epoch = keyEpoch(json.getValue("encryption"));
        clearIfAd(meta, epoch);
        String id = VodFiles.newId();
        vertx.fileSystem().mkdirs(files.uploads().toString())
                .compose(x -> fetcher.fetch(uri, files.partial(id)))
                .compose(size -> size == 0 ? Future.failedFuture(StatusException.badRequest("source: the file is empty"))
                        : vertx.fileSystem().move(files.partial(id).toString(), files.uploads().resolve(id).toString()).map(size))
                .onSuccess(size -> register(ctx, id, meta, size, epoch))
                .onFailure(e -> {
                    deleteQuietly(id);
                    ctx.fail(e);
                });
    }

    /** A {@code file://} URI naming a regular file under {@code vod.import-dir} (links resolved); 400 otherwise. */
    private Path importable(Object value) {
        if (!(value instanceof String s) || s.isBlank()) {
            throw StatusException.badRequest("source: required, a file:// URI under vod.import-dir");
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (java.net.URISyntaxException e) {
            throw StatusException.badRequest("source: not a URI");
        }
        if (!"file".equalsIgnoreCase(uri.getScheme())) {
            throw StatusException.badRequest("source: an https:// URL or a file:// URI under vod.import-dir");
        }
        if (settings.importDir() == null) {
            throw StatusException.badRequest("source: file imports are off on this node (vod.import-dir is empty)");
        }
        try {
            Path p = Path.of(uri).toRealPath();
            Path dir = settings.importDir().toRealPath();
            if (!p.startsWith(dir) || !Files.isRegularFile(p)) {
                throw StatusException.badRequest("source: not a file under vod.import-dir");
            }
            return p;
        } catch (IOException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw StatusException.badRequest("source: not a file under vod.import-dir");
        }
    }

    /**
     * {@code encryption}: {@code aes-128} or {@code none}, absent for {@code vod.encryption}. Fixed at upload: edges
     * keep an asset's media for a day, so a later switch would leave clear copies cached. Gives the asset's
     * new key epoch, or 0 for a clear asset.
     */
    private long keyEpoch(Object encryption) {
        boolean encrypt;
        if (encryption == null) {
            encrypt = settings.encrypt();
        } else if ("aes-128".equals(encryption)) {
            encrypt = true;
        } else if ("none".equals(encryption)) {
            encrypt = false;
        } else {
            throw StatusException.badRequest("encryption: aes-128 or none (was " + encryption + ")");
        }
        // random per asset (it is in key URIs, not secret): keys differ from every other asset's, a re-upload's too
        return encrypt ? 1 + java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 48) : 0;
    }

    /**
     * An encrypted asset is never an ad creative: ad breaks splice an ad's files as they are on disk, clear,
     * which would put the asset's media on the wire unencrypted. A 409 naming why.
     */
    private static void clearIfAd(AssetMetadata meta, long epoch) {
        if (epoch != 0 && meta.tags() != null && meta.tags().contains(SourceAssets.AD_TAG)) {
            throw adRefusal("an asset encrypted with aes-128");
        }
    }

    private static StatusException adRefusal(String what) {
        return StatusException.conflict("tags: " + what + " cannot be tagged '" + SourceAssets.AD_TAG
                + "': ad breaks splice an ad's media unencrypted; upload it with encryption=none to use it as an ad");
    }

    private void register(RoutingContext ctx, String id, AssetMetadata meta, long size, long epoch) {
        catalog.create(id, meta, VodFiles.sourceName(id), size, epoch).onSuccess(job -> {
            events.publish("uploaded", id, null, new JsonObject().put("size", size).put("title", meta.title()));
            events.publish("job.queued", id, job, null);
            if (kafka != null) {
                kafka.dispatch(job, id); // to one worker of the group; should Kafka be away, the catalog's poll finds it
            } else {
                vertx.eventBus().publish(TranscodeWorker.WAKE, null);
            }
            ctx.response().setStatusCode(201).putHeader(HttpHeaders.LOCATION, "/api/v1/assets/" + id);
            ctx.json(VodCatalog.metadata(new JsonObject().put("id", id), meta.title(), meta.description(), meta.tags(),
                            meta.languages(), meta.availableFrom(), meta.availableUntil())
                    .put("state", "uploaded").put("size", size).put("encryption", epoch == 0 ? "none" : "aes-128")
                    .put("job", job).put("jobUrl", "/api/v1/jobs/" + job));
        }).onFailure(e -> {
            deleteQuietly(id);
            ctx.fail(e);
        });
    }

    // ---- read, edit, delete

    private void search(RoutingContext ctx) {
        search(ctx.queryParams().get("q"), ctx.queryParams().get("tag"), ctx.queryParams().get("page"),
                ctx.queryParams().get("available")).onSuccess(ctx::json).onFailure(ctx::fail);
    }

    /** {@code GET /api/v1/assets}'s answer; the parameters as a query gives them (null: absent). */
    Future<JsonObject> search(String q, String tag, String p, String rawAvailable) {
        int page = 1;
        try {
            if (q != null && (q.isBlank() || q.length() > MAX_QUERY)) {
                q = q.isBlank() ? null : fail("q: at most " + MAX_QUERY + " characters");
            }
            if (tag != null && !AssetMetadata.TAG.matcher(tag).matches()) {
                fail("tag: 1 to 40 letters, digits, spaces, _ . -");
            }
            if (p != null) {
                if (!p.matches("[0-9]{1,5}") || Integer.parseInt(p) < 1 || Integer.parseInt(p) > MAX_PAGE) {
                    fail("page: an integer from 1 to " + MAX_PAGE);
                }
                page = Integer.parseInt(p);
            }
            if (rawAvailable != null && !rawAvailable.equals("true") && !rawAvailable.equals("false")) {
                fail("available: true (the window is open now) or false");
            }
        } catch (StatusException e) {
            return Future.failedFuture(e);
        }
        Boolean available = rawAvailable == null ? null : Boolean.valueOf(rawAvailable);
        return catalog.search(q, tag, available, page).compose(result -> {
            List<Future<JsonObject>> items = new java.util.ArrayList<>();
            for (Object item : result.getJsonArray("items")) {
                items.add(withoutMissingThumbnails((JsonObject) item));
            }
            return Future.all(items).map(result);
        });
    }

    /** {@code GET /api/v1/assets/{id}}'s answer: 404 for an unknown id. */
    Future<JsonObject> asset(String id) {
        if (!VodFiles.ID.matcher(id).matches()) {
            return Future.failedFuture(StatusException.notFound("no asset " + id)); // not an id this node ever gives
        }
        return catalog.asset(id).compose(a -> a.isPresent() ? withoutMissingThumbnails(a.get())
                : Future.failedFuture(StatusException.notFound("no asset " + id)));
    }

    private void patch(RoutingContext ctx) {
        String id = id(ctx);
        AssetMetadata meta = AssetMetadata.patch(object(ctx.body().buffer()));
        // encryption is fixed at upload: an encrypted asset may never join the ad pool
        Future<Void> allowed = !meta.has("tags") || !meta.tags().contains(SourceAssets.AD_TAG) ? Future.succeededFuture()
                : catalog.playable(id).compose(p -> p.isPresent() && p.get().keyEpoch() != 0
                        ? Future.failedFuture(adRefusal("asset " + id + ", encrypted with aes-128,")) : Future.succeededFuture());
        allowed.compose(x -> catalog.update(id, meta)).onSuccess(found -> windows.forget(id)).compose(found -> found ? catalog.asset(id)
                        : Future.failedFuture(StatusException.notFound("no asset " + id)))
                .onSuccess(a -> {
                    // channels airing it hear of a new window at once
                    events.publish("updated", id, null, null);
                    withoutMissingThumbnails(a.orElseThrow()).onSuccess(ctx::json).onFailure(ctx::fail);
                }).onFailure(ctx::fail);
    }

    private void delete(RoutingContext ctx) {
        delete(id(ctx)).onSuccess(x -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
    }

    /** {@code DELETE /api/v1/assets/{id}}: the row, then the files; channels and playback hear of it. */
    Future<Void> delete(String id) {
        if (!VodFiles.ID.matcher(id).matches()) {
            return Future.failedFuture(StatusException.notFound("no asset " + id));
        }
        return catalog.delete(id).onSuccess(x -> windows.forget(id)).compose(source -> {
            if (source.isEmpty()) {
                return Future.failedFuture(StatusException.notFound("no asset " + id));
            }
            return vertx.<Void>executeBlocking(() -> {
                files.deleteAll(id);
                return null;
            }, false);
        }).onSuccess(x -> events.publish("deleted", id, null, null));
    }

    // ---- validation

    private static JsonObject object(Buffer body) {
        return io.tributary.http.JsonBodies.object(body);
    }

    private static <T> T fail(String message) {
        throw StatusException.badRequest(message);
    }

    private void deleteQuietly(String id) {
        vertx.executeBlocking(() -> {
            files.deleteAll(id);
            return null;
        }, false).onFailure(e -> LOG.warning("could not remove the files of " + id + ": " + e.getMessage()));
    }
}
