package io.tributary.edge;

import io.tributary.delivery.LiveDash;
import io.tributary.media.dash.XmlText;
import io.tributary.playback.VodCenc;
import io.tributary.session.SessionUris;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

/**
 * What the edge does to a playlist or MPD on its way to a viewer, derived once per cached object
 * ({@link EdgeObject#manifestForms()}), never per request. Media objects pass untouched.
 *
 * <ul>
 * <li>gzip when the viewer accepts it, as the origin's delivery does ({@code Content-Encoding},
 * {@code Vary: Accept-Encoding}); the edge fetches identity bytes, so the cache holds those.</li>
 * <li>a viewer without CMCD gets its {@code sid} on every URI, from a template kept with the form.</li>
 * <li>the DASH clock: LiveDash renders UTCTiming from the Host it is asked under, which for the
 * edge's fetch is the origin. The edge serves {@code /api/v1/time} itself and rewrites that value
 * to the scheme and authority the viewer used, so players never need to reach the origin.</li>
 * </ul>
 *
 * <p>Why rewrite here rather than have the edge send {@code X-Forwarded-Host} for the origin to
 * render: the edge does not know one authority its viewers use (its port may be ephemeral, its
 * bind address a wildcard, viewers may come through a DNS name or a TLS terminator), while the
 * Host of each viewer request is exactly that, as it is for the origin. It also asks the origin to
 * trust no new header. The edge still fetches and caches one MPD; the rewritten forms hang off
 * it, one per viewer origin (bounded: a Host header is the client's to choose).
 */
final class EdgeManifests {

    /** Viewer origins (scheme://authority) an MPD keeps rewritten, gzipped forms for; others get theirs uncached. */
    static final int MAX_CLOCK_ORIGINS = 4;
    private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");
    private static final CharSequence ACCEPT_ENCODING = HttpHeaders.createOptimized("Accept-Encoding");
    private static final String CLOCK_ELEMENT = "<UTCTiming";
    private static final String VALUE = " value=\"";
    private static final String KEYS_PATH = "/keys/";

    private EdgeManifests() {
    }

    /** The body of a 200 manifest for this viewer; sets Vary and, when it is gzip, Content-Encoding. */
    static Buffer body(HttpServerRequest req, HttpServerResponse res, EdgeObject o) {
        Form f = o.manifestForms().forOrigin(LiveDash.origin(req));
        res.putHeader(HttpHeaders.VARY, ACCEPT_ENCODING);
        if (f.gzip() != null && acceptsGzip(req.getHeader(HttpHeaders.ACCEPT_ENCODING))) {
            res.putHeader(HttpHeaders.CONTENT_ENCODING, GZIP);
            return f.gzip();
        }
        return f.plain();
    }

    /**
     * A 200 manifest with {@code query} on every URI: a viewer's issued {@code sid}, its playback
     * token, or both (uncompressed: it is this viewer's alone).
     */
    static Buffer withQuery(HttpServerRequest req, EdgeObject o, String query) {
        return o.manifestForms().forOrigin(LiveDash.origin(req)).withQuery(query);
    }

    /** Whether an Accept-Encoding value admits gzip: gzip with q above 0, or else {@code *} with q above 0. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        double gzip = -1;
        double any = -1;
        for (String coding : acceptEncoding.split(",")) {
            String[] params = coding.split(";");
            String name = params[0].trim().toLowerCase(Locale.ROOT);
            if (name.equals("gzip")) {
                gzip = quality(params);
            } else if (name.equals("*")) {
                any = quality(params);
            }
        }
        return gzip >= 0 ? gzip > 0 : any > 0;
    }

    /** The q of a coding's parameters; 1 when absent, 0 when malformed (ignored, as not acceptable). */
    private static double quality(String[] params) {
        for (int i = 1; i < params.length; i++) {
            String p = params[i].trim();
            if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    double q = Double.parseDouble(p.substring(2));
                    return q >= 0 && q <= 1 ? q : 0;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }

    /**
     * One form of a manifest: its bytes, and gzip of them or null when not kept; per-session
     * copies come from a template with the query's places marked, made on the first such viewer.
     */
    static final class Form {

        private final Buffer plain;
        private final Buffer gzip;
        private volatile SessionUris.Template sessioned;

        Form(Buffer plain, Buffer gzip) {
            this.plain = plain;
            this.gzip = gzip;
        }

        Buffer plain() {
            return plain;
        }

        Buffer gzip() {
            return gzip;
        }

        Buffer withQuery(String query) {
            SessionUris.Template t = sessioned;
            if (t == null) { // two event loops may both make it: the same bytes, no harm
                t = SessionUris.tagged(plain.toString(StandardCharsets.UTF_8));
                sessioned = t;
            }
            return t.with(query);
        }
    }

    /** A manifest's forms for viewers: the fetched bytes, or for an MPD one per viewer origin. */
    static final class Forms {

        private final Form fetched;
        /**
         * An MPD's text around the origin's scheme and authority in each of its clock URLs (the MPD's
         * UTCTiming and its ProducerReferenceTimes' name the same clock) and license URLs: n+1
         * pieces for n URLs; null when there is nothing to rewrite.
         */
        private final List<String> aroundOrigins;
        private final ConcurrentHashMap<String, Form> byOrigin = new ConcurrentHashMap<>();

        private Forms(Form fetched, List<String> aroundOrigins) {
            this.fetched = fetched;
            this.aroundOrigins = aroundOrigins;
        }

        static Forms of(Buffer body) {
            String text = body.toString(StandardCharsets.UTF_8);
            List<int[]> origins = new ArrayList<>(); // where the origin's scheme://authority stands: [from, to)
            for (int element = text.indexOf(CLOCK_ELEMENT); element >= 0; element = text.indexOf(CLOCK_ELEMENT, element + 1)) {
                int close = text.indexOf('>', element);
                int value = text.indexOf(VALUE, element);
                if (value >= 0 && value < close) {
                    int from = value + VALUE.length();
                    int to = text.indexOf('"', from);
                    // only the origin's own clock: the edge serves that path; another time source stays
                    if (to > 0 && text.startsWith(LiveDash.TIME_PATH, to - LiveDash.TIME_PATH.length())) {
                        origins.add(new int[] {from, to - LiveDash.TIME_PATH.length()});
                    }
                }
            }
            // an encrypted asset's ClearKey license URL: the edge answers it too (keys derived here)
            for (int element = text.indexOf(VodCenc.LICENSE_ELEMENT); element >= 0; element = text.indexOf(VodCenc.LICENSE_ELEMENT, element + 1)) {
                int from = element + VodCenc.LICENSE_ELEMENT.length();
                int end = text.indexOf('<', from);
                int path = text.indexOf(KEYS_PATH, from);
                if (path > from && path < end) {
                    origins.add(new int[] {from, path});
                }
            }
            if (origins.isEmpty()) {
                return new Forms(new Form(body, gzip(body)), null);
            }
            origins.sort(java.util.Comparator.comparingInt(o -> o[0]));
            List<String> pieces = new ArrayList<>();
            int done = 0;
            for (int[] o : origins) {
                pieces.add(text.substring(done, o[0]));
                done = o[1];
            }
            pieces.add(text.substring(done));
            return new Forms(null, List.copyOf(pieces));
        }

        /** The form for a viewer that asked under {@code viewerOrigin} (scheme://authority). */
        Form forOrigin(String viewerOrigin) {
            if (aroundOrigins == null) {
                return fetched;
            }
            Form known = byOrigin.get(viewerOrigin);
            if (known != null) {
                return known;
            }
            if (byOrigin.size() >= MAX_CLOCK_ORIGINS) {
                return new Form(render(viewerOrigin), null); // not remembered, so not worth compressing
            }
            return byOrigin.computeIfAbsent(viewerOrigin, o -> {
                Buffer plain = render(o);
                return new Form(plain, gzip(plain));
            });
        }

        private Buffer render(String viewerOrigin) {
            StringBuilder b = new StringBuilder(aroundOrigins.get(0));
            for (int i = 1; i < aroundOrigins.size(); i++) {
                // the Host is the client's: escaped for the attribute
                XmlText.appendAttributeValue(b, viewerOrigin);
                b.append(aroundOrigins.get(i));
            }
            return Buffer.buffer(b.toString());
        }
    }

    static Buffer gzip(Buffer plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length() / 3 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain.getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }
}
