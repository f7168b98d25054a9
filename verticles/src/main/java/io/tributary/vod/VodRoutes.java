package io.tributary.vod;

import io.tributary.StatusException;
import io.tributary.delivery.LiveDash;
import io.tributary.playback.PlaybackAccess;
import io.tributary.playback.VodCenc;
import io.tributary.playback.VodCipher;
import io.tributary.session.SessionUris;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Playback of published assets (player routes, CORS by path): {@code /vod/{id}/index.m3u8},
 * {@code /vod/{id}/manifest.mpd}, {@code /vod/{id}/poster.jpg}, {@code /vod/{id}/thumbnails.vtt} (with its
 * {@code sprite.jpg}) and {@code /vod/{id}/{rendition}/{file}},
 * each read from {@code data-dir/vod/{id}/} and nowhere else. A published asset never changes
 * (a new upload is a new id): everything is immutable with a long TTL, or, when the asset's
 * availability window ends, a TTL that ends with it. Outside its window an asset is a 403.
 * An asset uploaded with AES-128 is served encrypted: HLS AES-128 on its playlists' names, DASH
 * Common Encryption ({@link VodCenc}, ClearKey) under its MPD's {@code cenc_} names; its I-frame
 * playlists are a 409.
 */
final class VodRoutes {

    static final long MAX_AGE = 31_536_000;
    static final String IMMUTABLE = "public, max-age=" + MAX_AGE + ", immutable";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}\\.(m3u8|mpd|mp4|m4s|jpg|vtt)");
    private static final Pattern RENDITION = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final VodFiles files;
    private final AvailabilityCache windows;
    private final EncryptionSlots encrypting;

    VodRoutes(VodFiles files, AvailabilityCache windows, EncryptionSlots encrypting) {
        this.files = files;
        this.windows = windows;
        this.encrypting = encrypting;
    }

    void mount(Router router) {
        router.get("/vod/:id/:file").handler(ctx -> send(ctx, null, ctx.pathParam("file")));
        router.get("/vod/:id/:rendition/:file").handler(ctx -> send(ctx, ctx.pathParam("rendition"), ctx.pathParam("file")));
    }

    private void send(RoutingContext ctx, String rendition, String file) {
        String id = ctx.pathParam("id");
        if (!VodFiles.ID.matcher(id).matches() || rendition != null && !RENDITION.matcher(rendition).matches()
                || !NAME.matcher(file).matches()) {
            throw StatusException.notFound("no such VOD object");
        }
        Path dir = files.published(id);
        Path p = (rendition == null ? dir : dir.resolve(rendition)).resolve(file).normalize();
        if (!p.startsWith(dir)) {
            throw StatusException.notFound("no such VOD object");
        }
        windows.playable(id).onSuccess(found -> {
            if (found.isEmpty()) {
                ctx.fail(StatusException.notFound("no such VOD object"));
                return;
            }
            Instant now = Instant.now();
            AvailabilityWindow window = found.get().window();
            if (!window.openAt(now)) {
                ctx.fail(new StatusException(403, window.from() != null && now.isBefore(window.from())
                        ? "asset " + id + " is available from " + window.from() : "asset " + id + " is no longer available"));
                return;
            }
            long epoch = found.get().keyEpoch();
            String clearOnly = epoch == 0 ? null : clearOnly(id, file);
            if (clearOnly != null) {
                ctx.fail(new StatusException(409, clearOnly));
                return;
            }
            Duration left = window.leftAt(now);
            String cacheControl = left == null ? IMMUTABLE : "public, max-age=" + Math.max(0, Math.min(MAX_AGE, left.toSeconds()));
            boolean media = rendition != null && (file.equals("init.mp4") || file.equals(VodCenc.PREFIX + "init.mp4") || file.endsWith(".m4s"));
            if (epoch != 0 && (media || file.endsWith(".m3u8") || rendition == null && file.equals("manifest.mpd"))) {
                sendEncrypted(ctx, id, epoch, rendition, file, p, cacheControl);
                return;
            }
            send(ctx, rendition, file, p, cacheControl);
        }).onFailure(ctx::fail);
    }

    /** Why an encrypted asset has no {@code file}, or null when it has. */
    static String clearOnly(String id, String file) {
        if (file.equals("iframes.m3u8")) {
            return "asset " + id + " is encrypted: its I-frame playlist would address keyframes by byte range inside segments, "
                    + "which AES-128 over whole segments does not allow";
        }
        return null;
    }

    /**
     * An encrypted asset's playlists (key lines added, I-frame playlists left out), its MPD (content
     * protection added, media under their {@code cenc_} names) and media (init section and segments
     * AES-128-CBC, or CENC under a {@code cenc_} name, encrypted here on a worker thread from the clear
     * files the pipeline and FAST playout use). Edges cache the ciphertext like any VOD object.
     */
    private void sendEncrypted(RoutingContext ctx, String id, long epoch, String rendition, String file, Path p, String cacheControl) {
        PlaybackAccess access = PlaybackAccess.of(ctx.vertx());
        if (access.tokens() == null) {
            ctx.fail(new StatusException(503, "asset " + id + " is encrypted and this node has no playback secret"));
            return;
        }
        if (!encrypting.take()) {
            ctx.response().putHeader("Retry-After", "1");
            ctx.fail(new StatusException(503, "too many encrypted VOD objects in flight on this node; retry in 1 s"));
            return;
        }
        int rotate = access.settings().rotateSegments();
        String token = PlaybackAccess.query(ctx);
        boolean cenc = rendition != null && file.startsWith(VodCenc.PREFIX) && !file.endsWith(".m3u8");
        Path source = cenc ? p.resolveSibling(file.substring(VodCenc.PREFIX.length())) : p;
        String origin = LiveDash.origin(ctx.request());
        ctx.vertx().executeBlocking(() -> {
            if (!java.nio.file.Files.isRegularFile(source)) {
                return null;
            }
            byte[] clear = java.nio.file.Files.readAllBytes(source);
            if (cenc) {
                byte[] init = file.endsWith("init.mp4") ? clear : java.nio.file.Files.readAllBytes(source.resolveSibling("init.mp4"));
                return io.vertx.core.buffer.Buffer.buffer(VodCenc.encrypt(access.tokens(), id, epoch, rendition, file, init, clear));
            }
            if (file.equals("manifest.mpd")) {
                String mpd = VodCenc.mpd(new String(clear, StandardCharsets.UTF_8), id, epoch,
                        VodCenc.kid(access.tokens(), id, epoch), origin);
                return io.vertx.core.buffer.Buffer.buffer(SessionUris.tag(mpd, token));
            }
            if (!file.endsWith(".m3u8")) {
                return io.vertx.core.buffer.Buffer.buffer(VodCipher.encrypt(access.tokens(), id, epoch, rotate, file, clear));
            }
            String stored = new String(clear, StandardCharsets.UTF_8);
            String text = rendition == null ? VodCipher.multivariant(stored) : VodCipher.mediaPlaylist(stored, id, epoch, rotate);
            return io.vertx.core.buffer.Buffer.buffer(SessionUris.tag(text, token));
        }, false).andThen(ar -> {
            if (ar.failed() || ar.result() == null || ctx.response().closed()) { // nothing to write, or no one to write to
                encrypting.release();
            }
        }).onSuccess(body -> {
            if (body == null) {
                ctx.fail(StatusException.notFound("no such VOD object"));
                return;
            }
            if (ctx.response().closed()) {
                return;
            }
            // the bytes are held until written to the socket (end's future): the slot goes with them
            boolean mpd = file.equals("manifest.mpd");
            boolean playlist = file.endsWith(".m3u8") || mpd;
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, mpd ? "application/dash+xml" : playlist ? "application/vnd.apple.mpegurl"
                            : "audio".equals(rendition) ? "audio/mp4" : "video/mp4")
                    // the MPD names its license server under the Host it was asked by: one viewer's copy
                    .putHeader(HttpHeaders.CACHE_CONTROL, mpd || playlist && !token.isEmpty() ? cacheControl.replace("public", "private") : cacheControl);
            String range = ctx.request().getHeader("Range");
            long[] r = playlist || range == null ? null : range(range);
            if (r == null) {
                ctx.response().end(body).onComplete(x -> encrypting.release());
                return;
            }
            long size = body.length();
            long end = r[1] < 0 ? size - 1 : Math.min(r[1], size - 1);
            if (r[0] >= size || end < r[0]) {
                encrypting.release();
                ctx.response().putHeader("Content-Range", "bytes */" + size);
                ctx.fail(new StatusException(416, "range outside the file"));
                return;
            }
            ctx.response().setStatusCode(206).putHeader("Content-Range", "bytes " + r[0] + "-" + end + "/" + size)
                    .putHeader("Accept-Ranges", "bytes").end(body.slice((int) r[0], (int) end + 1)).onComplete(x -> encrypting.release());
        }).onFailure(ctx::fail);
    }

    private void send(RoutingContext ctx, String rendition, String file, Path p, String cacheControl) {
        String ext = file.substring(file.lastIndexOf('.') + 1);
        String type = switch (ext) {
            case "m3u8" -> "application/vnd.apple.mpegurl";
            case "mpd" -> "application/dash+xml";
            case "jpg" -> "image/jpeg";
            case "vtt" -> "text/vtt; charset=utf-8";
            default -> "audio".equals(rendition) ? "audio/mp4" : "video/mp4";
        };
        ctx.vertx().fileSystem().exists(p.toString()).onSuccess(there -> {
            if (!there) {
                ctx.fail(StatusException.notFound("no such VOD object"));
                return;
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type).putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
            String token = PlaybackAccess.query(ctx);
            if (!token.isEmpty() && ext.equals("vtt")) {
                // the thumbnail map names the sprite: a signed viewer fetches it with the token too
                ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, cacheControl.replace("public", "private"));
                ctx.vertx().fileSystem().readFile(p.toString()).onSuccess(b -> ctx.response()
                        .end(b.toString(StandardCharsets.UTF_8).replace("sprite.jpg#", "sprite.jpg?" + token + "#")))
                        .onFailure(ctx::fail);
                return;
            }
            String carried = SessionUris.carried(ctx);
            if (!carried.isEmpty() && (ext.equals("m3u8") || ext.equals("mpd"))) {
                // one viewer's copy: no shared cache keeps it for others
                ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, cacheControl.replace("public", "private"));
                // an issued sid and a signed viewer's token on every URI the playlist names (small files: read whole)
                ctx.vertx().fileSystem().readFile(p.toString()).onSuccess(b -> ctx.response()
                        .end(SessionUris.tag(b.toString(StandardCharsets.UTF_8), carried))).onFailure(ctx::fail);
                return;
            }
            // Range requests (the I-frame playlists' byte ranges) are answered by sendFile's offset/length
            String range = ctx.request().getHeader("Range");
            long[] r = range == null ? null : range(range);
            if (r == null) {
                ctx.response().sendFile(p.toString()).onFailure(ctx::fail);
                return;
            }
            ctx.vertx().fileSystem().props(p.toString()).onSuccess(props -> {
                long size = props.size();
                long start = r[0];
                long end = r[1] < 0 ? size - 1 : Math.min(r[1], size - 1);
                if (start >= size || end < start) {
                    ctx.response().putHeader("Content-Range", "bytes */" + size);
                    ctx.fail(new StatusException(416, "range outside the file"));
                    return;
                }
                ctx.response().setStatusCode(206).putHeader("Content-Range", "bytes " + start + "-" + end + "/" + size)
                        .putHeader("Accept-Ranges", "bytes").sendFile(p.toString(), start, end - start + 1).onFailure(ctx::fail);
            }).onFailure(ctx::fail);
        }).onFailure(ctx::fail);
    }

    /** {@code bytes=A-B} or {@code bytes=A-}: {A, B or -1}; anything else (suffix, several ranges) is served whole. */
    static long[] range(String header) {
        var m = Pattern.compile("bytes=(\\d{1,15})-(\\d{0,15})").matcher(header.trim());
        if (!m.matches()) {
            return null;
        }
        return new long[] {Long.parseLong(m.group(1)), m.group(2).isEmpty() ? -1 : Long.parseLong(m.group(2))};
    }
}
