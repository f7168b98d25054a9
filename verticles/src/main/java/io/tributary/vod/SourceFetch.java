package io.tributary.vod;

import io.tributary.StatusException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetches {@code {"source":"https://..."}} into a partial upload, for the catalog API: HTTPS only;
 * the host is resolved here and every address it gives must be public (unless
 * {@code vod.allow-private-sources}), and the connection goes to the address that was checked (a
 * second lookup cannot swap in another); redirects are followed by hand, at most
 * {@code vod.fetch-redirects}, each target checked the same way; the body is streamed to disk,
 * counted against {@code vod.max-upload} (413 beyond, nothing kept); the whole fetch ends within
 * {@code vod.fetch-timeout}. Every failure is a 4xx naming the source.
 */
final class SourceFetch {

    /** Fetches in flight on this node at most (each holds a connection and a file). */
    static final int MAX_IN_FLIGHT = 4;

    private final Vertx vertx;
    private final long maxBytes;
    private final VodSettings.Sources settings;
    private final HttpClient client;
    private final AtomicInteger inFlight = new AtomicInteger();

    SourceFetch(Vertx vertx, VodSettings settings) {
        this.vertx = vertx;
        this.maxBytes = settings.maxUpload();
        this.settings = settings.sources();
        HttpClientOptions options = new HttpClientOptions().setSsl(true).setVerifyHost(true).setForceSni(true)
                .setConnectTimeout((int) Math.min(30_000, this.settings.timeout().toMillis()))
                .setIdleTimeout((int) Math.max(1, Math.min(60, this.settings.timeout().toSeconds())))
                // keep-alive: with "Connection: close" the server closes as soon as it has sent the body, and a
                // response paused for the file (its write queue full) then failed with "Connection was closed"
                // before its buffered end was delivered (seen on the epoll transport); idle ones close after 5 s
                .setKeepAlive(true).setKeepAliveTimeout(5);
        if (this.settings.trust() != null) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(this.settings.trust().toString()));
        }
        this.client = vertx.createHttpClient(options);
    }

    /** A source URI this fetch would take: https with a host; 400 naming {@code source} otherwise. */
    static URI https(String source) {
        URI uri;
        try {
            uri = new URI(source);
        } catch (URISyntaxException e) {
            throw StatusException.badRequest("source: not a URI");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw StatusException.badRequest("source: an https:// URL with a host (and no user info) or a file:// URI");
        }
        return uri;
    }

    /** Fetches {@code uri} into {@code target} (created; deleted again on any failure); gives the bytes written. */
    Future<Long> fetch(URI uri, Path target) {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            return Future.failedFuture(new StatusException(429, "source: " + MAX_IN_FLIGHT
                    + " fetches are in flight on this node; try again shortly"));
        }
        Promise<Long> done = Promise.promise();
        long deadline = vertx.setTimer(settings.timeout().toMillis(), t -> done.tryFail(StatusException.badRequest(
                "source: the fetch took longer than vod.fetch-timeout (" + settings.timeout().toSeconds() + " s)")));
        vertx.fileSystem().open(target.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                .onFailure(done::tryFail)
                .onSuccess(file -> {
                    get(uri, 0, file, done);
                    done.future().onComplete(ar -> {
                        file.close().onComplete(x -> {
                            if (ar.failed()) {
                                vertx.fileSystem().delete(target.toString());
                            }
                        });
                    });
                });
        return done.future().andThen(ar -> {
            vertx.cancelTimer(deadline);
            inFlight.decrementAndGet();
        });
    }

    private void get(URI uri, int redirects, AsyncFile file, Promise<Long> done) {
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        int port = uri.getPort() < 0 ? 443 : uri.getPort();
        vertx.executeBlocking(() -> checked(host), false).onFailure(done::tryFail).onSuccess(address -> {
            if (done.future().isComplete()) {
                return;
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
                    .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                    .setHost(host).setPort(port).setSsl(true)
                    .setURI(uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery())
                    .setFollowRedirects(false).setTimeout(settings.timeout().toMillis());
            client.request(request).compose(req -> req.send()).onFailure(e -> done.tryFail(StatusException.badRequest(
                    "source: could not fetch " + shown(uri) + " (" + e.getMessage() + ")"))).onSuccess(resp -> {
                if (done.future().isComplete()) {
                    resp.request().reset(); // the deadline passed while it answered
                    return;
                }
                int status = resp.statusCode();
                String location = resp.getHeader(HttpHeaders.LOCATION);
                if (status >= 300 && status < 400 && location != null) {
                    resp.request().connection().close(); // the redirect's own body is not wanted (no keep-alive anyway)
                    if (redirects >= settings.maxRedirects()) {
                        done.tryFail(StatusException.badRequest("source: more than vod.fetch-redirects ("
                                + settings.maxRedirects() + ") redirects"));
                        return;
                    }
                    try {
                        get(https(uri.resolve(location.trim()).toString()), redirects + 1, file, done);
                    } catch (IllegalArgumentException | StatusException e) {
                        done.tryFail(StatusException.badRequest("source: a redirect to something that is no https:// URL"));
                    }
                    return;
                }
                if (status != 200) {
                    done.tryFail(StatusException.badRequest("source: " + shown(uri) + " answered HTTP " + status));
                    resp.request().reset();
                    return;
                }
                String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
                if (length != null && length.matches("[0-9]{1,19}") && Long.parseLong(length) > maxBytes) {
                    done.tryFail(tooLarge());
                    resp.request().reset();
                    return;
                }
                body(resp, file, done);
            });
        });
    }

    /** Streams the body to the file, counting; over the limit it stops. */
    private void body(HttpClientResponse resp, AsyncFile file, Promise<Long> done) {
        long[] received = {0};
        file.exceptionHandler(done::tryFail);
        resp.exceptionHandler(e -> done.tryFail(StatusException.badRequest("source: the download broke off (" + e.getMessage() + ")")));
        resp.handler(buf -> {
            if (done.future().isComplete()) {
                return;
            }
            received[0] += buf.length();
            if (received[0] > maxBytes) {
                done.tryFail(tooLarge()); // first: the reset that follows fails the response too
                return;
            }
            file.write(buf);
            if (file.writeQueueFull()) {
                resp.pause();
                file.drainHandler(v -> resp.resume());
            }
        });
        resp.endHandler(v -> {
            if (done.future().isComplete()) {
                return;
            }
            // what was written reaches the file before the import goes on
            file.flush().onSuccess(x -> done.tryComplete(received[0])).onFailure(done::tryFail);
        });
        done.future().onFailure(e -> resp.request().reset());
    }

    private StatusException tooLarge() {
        return new StatusException(413, "source: the file is over vod.max-upload (" + maxBytes + " bytes)");
    }

    /** The host's addresses, all allowed; 400 when one is not (a name pointing anywhere private is refused whole). */
    private InetAddress checked(String host) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw StatusException.badRequest("source: the host " + host + " is not known");
        }
        if (!settings.allowPrivate()) {
            for (InetAddress a : all) {
                if (!isPublic(a)) {
                    throw StatusException.badRequest("source: " + host + " is a loopback, private or otherwise non-public address ("
                            + a.getHostAddress() + "); vod.allow-private-sources is off");
                }
            }
        }
        return all[0];
    }

    /** Whether {@code a} is a public unicast address (not loopback, private, link-local, CGNAT, multicast, reserved...). */
    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 // this network
                    && !(first == 100 && second >= 64 && second < 128) // shared address space (CGNAT)
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19)) // benchmarking
                    && first < 240; // reserved and broadcast
        }
        if (a instanceof Inet6Address) {
            // an IPv4-mapped address stands for its IPv4 one
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            return (b[0] & 0xfe) != 0xfc; // unique local fc00::/7
        }
        return false;
    }

    /** The URL without its query (which may carry a signature) for messages. */
    private static String shown(URI uri) {
        return "https://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    void close() {
        client.close();
    }
}
