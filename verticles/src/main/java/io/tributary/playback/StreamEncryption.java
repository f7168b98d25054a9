package io.tributary.playback;

import io.tributary.StatusException;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.playback.PlaybackToken.Kind;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AES-128 of live streams under an {@code aes-128} rule ({@code keys.encrypt-rules}): each part and
 * each completed segment is encrypted once, when the timeline says it was published or completed (or,
 * at the latest, by its first request), and kept until it leaves the playlist; every delivery verticle
 * of the node serves those bytes. Also the key server, {@code /keys/{stream}/{rendition}/{epoch}-{n}.key}: a token for the
 * stream (or a node's pass) before the 16 bytes, never cacheable by anyone but the player. An edge
 * derives the same keys from the secret, so no key ever travels between nodes. The same server answers
 * encrypted VOD assets' keys, {@code /keys/vod/{asset}/{epoch}/{n}.key} ({@link VodCipher}).
 */
public final class StreamEncryption implements Shareable {

    private static final String SHARED_MAP = "tributary.playback.encryption";
    private static final Pattern KEY_FILE = Pattern.compile("(\\d{1,15})-(\\d{1,12})\\.key");
    private static final Pattern VOD_KEY_FILE = Pattern.compile("(\\d{1,12})\\.key");
    /** A key response's Cache-Control, granted or refused: no edge or browser keeps a key or a refusal. */
    public static final String NO_STORE = "private, no-store";
    /** Segments kept encrypted beyond the playlist's oldest: a player a little behind still gets its segment. */
    private static final int SLACK = 4;

    private final PlaybackAccess access;
    private final ConcurrentHashMap<String, byte[]> segments = new ConcurrentHashMap<>();

    public StreamEncryption(PlaybackAccess access) {
        this.access = access;
    }

    public static void install(Vertx vertx, StreamEncryption e) {
        vertx.sharedData().<String, StreamEncryption>getLocalMap(SHARED_MAP).put("encryption", e);
    }

    /** This node's encryption; null when none was installed (nothing encrypted). */
    public static StreamEncryption of(Vertx vertx) {
        return vertx.sharedData().<String, StreamEncryption>getLocalMap(SHARED_MAP).get("encryption");
    }

    public boolean encrypted(String stream) {
        return access.tokens() != null && access.settings().encryptionOf(stream) == PlaybackSettings.Encryption.AES_128;
    }

    public int rotate() {
        return access.settings().rotateSegments();
    }

    /** Encrypts segments as they complete; drops what left the playlists and the streams that went. */
    public TimelineEvents.Subscription follow(Vertx vertx, LiveStreams streams) {
        return streams.events().subscribe("encryption", vertx.getOrCreateContext(), TimelineEvents.DEFAULT_CAPACITY,
                e -> e instanceof TimelineEvent.SegmentCompleted || e instanceof TimelineEvent.PartPublished
                        || e instanceof TimelineEvent.StreamRemoved, e -> {
                    if (e instanceof TimelineEvent.StreamRemoved r) {
                        segments.keySet().removeIf(k -> k.startsWith(r.stream() + "/"));
                        return;
                    }
                    if (e instanceof TimelineEvent.PartPublished pp) {
                        LiveStream s = streams.get(pp.stream());
                        if (s != null && encrypted(pp.stream())) {
                            part(s, pp.rendition(), pp.part());
                        }
                        return;
                    }
                    if (!(e instanceof TimelineEvent.SegmentCompleted c)) {
                        return; // Lagged (delivered whatever the filter): a skipped segment is encrypted when first asked for
                    }
                    LiveStream s = streams.get(c.stream());
                    if (s == null || !encrypted(c.stream())) {
                        return;
                    }
                    segment(s, c.rendition(), c.segment());
                    RenditionSnapshot snap = s.snapshot(c.rendition());
                    if (snap != null) {
                        long oldest = snap.firstMsn() - SLACK;
                        String prefix = c.stream() + "/" + c.rendition() + "/";
                        segments.keySet().removeIf(k -> k.startsWith(prefix) && msnOf(k.substring(prefix.length())) < oldest);
                    }
                });
    }

    /** The encrypted bytes of a complete segment: made once, then shared by every request. */
    public byte[] segment(LiveStream s, String rendition, MediaSegment seg) {
        return segments.computeIfAbsent(s.key() + "/" + rendition + "/" + seg.msn(), k -> SegmentCipher.encrypt(
                SegmentCipher.key(access.tokens(), s.key(), rendition, s.publishedAt(), seg.msn() / rotate()), seg.msn(), seg.chunks()));
    }

    /**
     * The encrypted bytes of a part: a resource of its own, encrypted apart with its segment's key and
     * IV (the segment's media sequence number), as a player decrypts each part it loads.
     */
    public byte[] part(LiveStream s, String rendition, io.tributary.media.timeline.MediaPart p) {
        return segments.computeIfAbsent(s.key() + "/" + rendition + "/" + p.msn() + "." + p.index(), k -> SegmentCipher.encrypt(
                SegmentCipher.key(access.tokens(), s.key(), rendition, s.publishedAt(), p.msn() / rotate()), p.msn(),
                new java.nio.ByteBuffer[] {p.view()}));
    }

    private static long msnOf(String rest) {
        int dot = rest.indexOf('.');
        return Long.parseLong(dot < 0 ? rest : rest.substring(0, dot));
    }

    /** The key URI of period {@code n} of a rendition (absolute path: the host that served the playlist answers it). */
    public static String keyUri(String stream, String rendition, long epoch, long n) {
        return "/keys/" + stream + "/" + rendition + "/" + epoch + "-" + n + ".key";
    }

    // ---- the key server ----

    public void mount(Router router) {
        router.get("/keys/vod/:asset/:epoch/:file").handler(this::vodKey); // four path elements: never a live key's three
        router.get("/keys/:stream/:rendition/:file").handler(this::key);
    }

    /**
     * An encrypted VOD asset's key, {@code /keys/vod/{asset}/{epoch}/{n}.key}: for a token of that asset
     * (or a node's pass) only, whatever {@code playback.vod-access} says, since the asset's segments are
     * public ciphertext. Derived, so origin and edges answer alike; a clear asset's "key" opens nothing.
     */
    private void vodKey(RoutingContext ctx) {
        String asset = ctx.pathParam("asset");
        String epoch = ctx.pathParam("epoch");
        Matcher m = VOD_KEY_FILE.matcher(ctx.pathParam("file"));
        if (!io.tributary.config.StreamKeys.valid(asset) || !epoch.matches("[0-9]{1,15}") || !m.matches()) {
            throw StatusException.notFound("no such key");
        }
        if (access.tokens() == null) {
            throw StatusException.notFound("this node encrypts nothing");
        }
        access.requireKeyToken(ctx, Kind.ASSET, asset, "asset's key");
        serveKey(ctx, VodCipher.key(access.tokens(), asset, Long.parseLong(epoch), Long.parseLong(m.group(1))));
    }

    private void key(RoutingContext ctx) {
        String stream = ctx.pathParam("stream");
        String rendition = ctx.pathParam("rendition");
        Matcher m = KEY_FILE.matcher(ctx.pathParam("file"));
        if (!io.tributary.config.StreamKeys.valid(stream) || !io.tributary.config.StreamKeys.valid(rendition) || !m.matches()) {
            throw StatusException.notFound("no such key");
        }
        if (!encrypted(stream)) {
            throw StatusException.notFound("stream '" + stream + "' is not encrypted");
        }
        access.requireKeyToken(ctx, Kind.STREAM, stream, "stream's key");
        serveKey(ctx, SegmentCipher.key(access.tokens(), stream, rendition, Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
    }

    private static void serveKey(RoutingContext ctx, byte[] key) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream").end(Buffer.buffer(key));
    }
}
