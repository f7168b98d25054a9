package io.tributary.playback;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.playback.PlaybackToken.Verdict;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Locale;

/**
 * Who may play what on this node: the guard in front of every {@code /live}, {@code /dvr} and
 * {@code /vod} route (origin, edge, router), the token a signed request carries on into the URIs
 * the node renders, and the node pass other nodes present for cache fills and proxied requests.
 * One per node, kept in the node's Vert.x shared data so every verticle finds it ({@link #of}).
 */
public final class PlaybackAccess implements Shareable {

    /** A node-to-node credential: the sender knows the cluster's playback secret. */
    public static final String PASS_HEADER = "X-Tributary-Pass";
    /** The verified token of this request, carried into the URIs its response names. */
    static final String CONTEXT_KEY = "tributary.playback.token";
    private static final String SHARED_MAP = "tributary.playback";
    private static final long PASS_SECONDS = 60;

    /** Everything public; what verticles deployed without a node (unit tests) see. */
    public static final PlaybackAccess OPEN = new PlaybackAccess(PlaybackSettings.OPEN, null, null);

    private final PlaybackSettings settings;
    private final PlaybackToken tokens;
    private final EnumMap<Verdict, Counter> denied = new EnumMap<>(Verdict.class);
    private final Counter noToken;
    private volatile String pass;
    private volatile long passMintedAt;

    public PlaybackAccess(PlaybackSettings settings, byte[] secret, MeterRegistry meters) {
        this.settings = settings;
        this.tokens = secret == null ? null : new PlaybackToken(secret);
        if (meters != null) {
            for (Verdict v : Verdict.values()) {
                if (v != Verdict.OK) {
                    denied.put(v, deniedCounter(meters, v.label()));
                }
            }
            noToken = deniedCounter(meters, "missing");
        } else {
            noToken = null;
        }
    }

    private static Counter deniedCounter(MeterRegistry meters, String reason) {
        return Counter.builder("tributary_playback_denied_total")
                .description("player requests refused with 403 for want of a valid playback token, by reason")
                .tag("reason", reason).register(meters);
    }

    /** Makes {@code access} the one every verticle of {@code vertx} finds. */
    public static void install(Vertx vertx, PlaybackAccess access) {
        vertx.sharedData().<String, PlaybackAccess>getLocalMap(SHARED_MAP).put("access", access);
    }

    /** This node's access rules, or {@link #OPEN} when the node installed none. */
    public static PlaybackAccess of(Vertx vertx) {
        PlaybackAccess a = vertx.sharedData().<String, PlaybackAccess>getLocalMap(SHARED_MAP).get("access");
        return a == null ? OPEN : a;
    }

    public PlaybackSettings settings() {
        return settings;
    }

    /** The signer, or null on an OPEN node. */
    public PlaybackToken tokens() {
        return tokens;
    }

    // ---- the guard ----

    /** The content a player path names: /live/{key}, /dvr/{key}, /vod/{id}; null for anything else. */
    record Content(Kind kind, String name) {

        static Content of(String path) {
            Kind kind;
            int from;
            if (path.startsWith("/live/")) {
                kind = Kind.STREAM;
                from = 6;
            } else if (path.startsWith("/dvr/")) {
                kind = Kind.STREAM;
                from = 5;
            } else if (path.startsWith("/vod/")) {
                kind = Kind.ASSET;
                from = 5;
            } else {
                return null;
            }
            int end = path.indexOf('/', from);
            String name = path.substring(from, end < 0 ? path.length() : end);
            return StreamKeys.valid(name) ? new Content(kind, name) : null; // a malformed name: the route's 400/404
        }
    }

    public PlaybackSettings.Access accessOf(Kind kind, String name) {
        if (kind == Kind.ASSET) {
            return settings.vodAccess();
        }
        PlaybackSettings.Access a = settings.accessOf(name);
        // an encrypted stream's keys need a token: its media playlists must carry the viewer's on
        return a == PlaybackSettings.Access.PUBLIC && settings.encryptionOf(name) != PlaybackSettings.Encryption.NONE
                ? PlaybackSettings.Access.SIGNED : a;
    }

    /** Whether a stream of this key is played only with a token: then its rendered URIs carry one. */
    public boolean signed(String streamKey) {
        return accessOf(Kind.STREAM, streamKey) != PlaybackSettings.Access.PUBLIC;
    }

    /** Puts the guard in front of the player routes of {@code router} (before they are added). */
    public void mountGuard(io.vertx.ext.web.Router router) {
        for (String path : new String[] {"/live/*", "/dvr/*", "/vod/*"}) {
            router.route(path).handler(this::guard);
        }
    }

    /**
     * Runs before the player routes: public content passes; signed content needs a token for it
     * ({@code ?token=}) that is genuine, unexpired, of its scope and, when bound, of this client's
     * address, or a node's pass (an edge's cache fill, a proxying router that checked the viewer);
     * else 403 naming why.
     */
    public void guard(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        if (req.method() == HttpMethod.OPTIONS) {
            ctx.next();
            return;
        }
        Content c = Content.of(req.path());
        if (c == null || accessOf(c.kind(), c.name()) == PlaybackSettings.Access.PUBLIC) {
            if (c != null && c.kind() == Kind.ASSET) {
                carryPublic(ctx, c.name());
            }
            ctx.next();
            return;
        }
        String token = req.getParam(PlaybackToken.PARAM);
        if (validPass(req.getHeader(PASS_HEADER))) {
            // the sender checked the viewer: carry its token on (the edge renders it into its URIs)
            if (token != null && PlaybackToken.wellFormed(token) && token.length() <= PlaybackToken.MAX_LENGTH) {
                ctx.put(CONTEXT_KEY, token);
            }
            ctx.next();
            return;
        }
        Verdict v = check(token, c.kind(), c.name(), clientAddress(req));
        if (v != Verdict.OK) {
            throw denied(token, v, c.kind() == Kind.ASSET ? "asset" : "stream");
        }
        // entitled content: the token was minted after the viewer's plan was checked (PlaybackTokensApi),
        // or a CMS sharing the secret signed it and vouches for the viewer
        ctx.put(CONTEXT_KEY, token);
        ctx.next();
    }

    /**
     * A public asset may still be encrypted (its catalog row says so; the guard does not read it), and its
     * key URIs need the viewer's token: a genuine token for the asset is carried on as for signed content,
     * anything else is ignored, as public content ignores it.
     */
    private void carryPublic(RoutingContext ctx, String asset) {
        HttpServerRequest req = ctx.request();
        String token = req.getParam(PlaybackToken.PARAM);
        if (token == null || !PlaybackToken.wellFormed(token) || token.length() > PlaybackToken.MAX_LENGTH) {
            return;
        }
        if (validPass(req.getHeader(PASS_HEADER)) || check(token, Kind.ASSET, asset, clientAddress(req)) == Verdict.OK) {
            ctx.put(CONTEXT_KEY, token);
        }
    }

    /** The verdict on {@code token} for content {@code name} asked by {@code client}; MALFORMED for none. */
    public Verdict check(String token, Kind kind, String name, String client) {
        if (tokens == null || token == null) {
            return Verdict.MALFORMED;
        }
        return tokens.verify(token, System.currentTimeMillis() / 1000, kind, name, client);
    }

    /**
     * What every key answer (an AES-128 key, a ClearKey license) checks first: never cacheable, refusals
     * included; then a token for {@code name} (or a node's pass), whatever the content's access says,
     * since its media are public ciphertext; else the 403 naming {@code what} is thrown.
     */
    public void requireKeyToken(RoutingContext ctx, Kind kind, String name, String what) {
        ctx.response().putHeader(io.vertx.core.http.HttpHeaders.CACHE_CONTROL, StreamEncryption.NO_STORE);
        if (validPass(ctx.request().getHeader(PASS_HEADER))) {
            return;
        }
        String token = ctx.request().getParam(PlaybackToken.PARAM);
        Verdict v = check(token, kind, name, clientAddress(ctx.request()));
        if (v != Verdict.OK) {
            throw denied(token, v, what);
        }
        // an entitled content's token was minted only for an entitled viewer (PlaybackTokensApi): it suffices
    }

    /** A 403 naming the problem, counted. */
    public StatusException denied(String token, Verdict v, String what) {
        if (token == null) {
            if (noToken != null) {
                noToken.increment();
            }
            return new StatusException(403, "this " + what + " is played with a signed URL: add ?token=");
        }
        Counter c = denied.get(v);
        if (c != null) {
            c.increment();
        }
        return new StatusException(403, v.reason());
    }

    /** The viewer's address: the peer's, or behind a trusted proxy ({@code http.trusted-proxies}) its X-Forwarded-For client. */
    static String clientAddress(HttpServerRequest req) {
        io.vertx.core.Context c = Vertx.currentContext(); // requests are handled on their server's context
        return io.tributary.http.TrustedProxies.of(c == null ? null : c.owner()).client(req);
    }

    // ---- propagation ----

    /** {@code token=...} for the URIs this response names, or "" when the request carried none that was checked. */
    public static String query(RoutingContext ctx) {
        String t = ctx.get(CONTEXT_KEY);
        return t == null ? "" : PlaybackToken.PARAM + "=" + t;
    }

    // ---- node pass ----

    /** The pass a node sends with requests to other nodes; null on an OPEN node (nothing to pass). */
    public String pass() {
        if (tokens == null) {
            return null;
        }
        long now = System.currentTimeMillis() / 1000;
        String p = pass;
        if (p == null || now - passMintedAt > PASS_SECONDS / 2) { // a fresh one every half lifetime
            long exp = now + PASS_SECONDS;
            byte[] sig = tokens.sign(("pass|" + exp).getBytes(StandardCharsets.US_ASCII));
            p = exp + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
            pass = p;
            passMintedAt = now;
        }
        return p;
    }

    boolean validPass(String header) {
        if (header == null || tokens == null || header.length() > 64) {
            return false;
        }
        int dot = header.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        long exp;
        byte[] sig;
        try {
            exp = Long.parseLong(header.substring(0, dot));
            sig = Base64.getUrlDecoder().decode(header.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        long now = System.currentTimeMillis() / 1000;
        if (exp < now || exp > now + 2 * PASS_SECONDS) {
            return false;
        }
        return java.security.MessageDigest.isEqual(tokens.sign(("pass|" + exp).getBytes(StandardCharsets.US_ASCII)), sig);
    }

    @Override
    public String toString() {
        return "PlaybackAccess[" + settings.access().name().toLowerCase(Locale.ROOT) + "]";
    }
}
