package io.tributary.http;

import io.tributary.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which client a request is from, for the limits and bindings keyed by address (API rate limits,
 * signed URLs bound to an IP): the connection's peer, unless that peer is a proxy the operator
 * trusts ({@code http.trusted-proxies}, CIDRs), whose {@code X-Forwarded-For} then names the client:
 * its entries are read from the right, trusted proxies skipped, and the first other address is the
 * client. From anyone else the header is ignored, so a client cannot pick the address it is
 * counted under. Only IP literals are read (never a name to resolve), and only the last
 * {@link #MAX_HOPS} entries. Immutable: shared by every verticle of the node.
 */
public final class TrustedProxies implements io.vertx.core.shareddata.Shareable {

    public static final TrustedProxies NONE = new TrustedProxies(List.of());
    static final int MAX_HOPS = 16;
    private static final String SHARED_MAP = "tributary.http.trusted-proxies";

    /** An address range: the first {@code bits} bits of {@code network}. */
    record Cidr(byte[] network, int bits) {
        boolean contains(byte[] a) {
            if (a.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Cidr> ranges;

    private TrustedProxies(List<Cidr> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** From {@code http.trusted-proxies}: each entry an address or a CIDR ({@code 10.0.0.0/8}, {@code fd00::/8}). */
    public static TrustedProxies parse(List<String> entries) {
        List<Cidr> out = new ArrayList<>();
        for (String e : entries) {
            String s = e.trim();
            int slash = s.indexOf('/');
            byte[] a = literal(slash < 0 ? s : s.substring(0, slash));
            if (a == null) {
                throw ConfigException.invalid("http.trusted-proxies", "IP addresses or CIDRs like 10.0.0.0/8", e);
            }
            int bits = a.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException x) {
                    bits = -1;
                }
                if (bits < 0 || bits > a.length * 8) {
                    throw ConfigException.invalid("http.trusted-proxies", "a prefix length of 0-" + a.length * 8, e);
                }
            }
            out.add(new Cidr(a, bits));
        }
        return out.isEmpty() ? NONE : new TrustedProxies(out);
    }

    /** Makes {@code proxies} this node's: every listener and limiter of {@code vertx} reads it with {@link #of}. */
    public static void install(Vertx vertx, TrustedProxies proxies) {
        vertx.sharedData().<String, TrustedProxies>getLocalMap(SHARED_MAP).put("proxies", proxies);
    }

    public static TrustedProxies of(Vertx vertx) {
        TrustedProxies p = vertx == null ? null : vertx.sharedData().<String, TrustedProxies>getLocalMap(SHARED_MAP).get("proxies");
        return p == null ? NONE : p;
    }

    /** The client's address of {@code req}: "" when the connection has none (a Unix socket). */
    public String client(HttpServerRequest req) {
        String peer = text(req.remoteAddress());
        if (ranges.isEmpty() || !trusted(literal(peer))) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String header : req.headers().getAll("X-Forwarded-For")) {
            for (String part : header.split(",")) {
                hops.add(part.trim());
            }
        }
        int last = Math.max(0, hops.size() - MAX_HOPS);
        for (int i = hops.size() - 1; i >= last; i--) {
            byte[] a = literal(hops.get(i));
            if (a == null) {
                return peer; // a hop we cannot read: nothing left of it is vouched for
            }
            if (!trusted(a)) {
                return canonical(a, hops.get(i));
            }
        }
        return peer; // every hop a proxy of ours, or no header: the request started at the proxy
    }

    boolean trusted(byte[] a) {
        if (a == null) {
            return false;
        }
        for (Cidr c : ranges) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    private static String text(SocketAddress a) {
        return a == null ? "" : a.hostAddress() != null ? a.hostAddress() : String.valueOf(a.host());
    }

    /** The address as the peer's would be written (IPv6 in Java's full form), so one client is one key. */
    private static String canonical(byte[] a, String given) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            return given;
        }
    }

    /** The bytes of an IPv4 or IPv6 literal; null for anything else (a name is never resolved). */
    static byte[] literal(String s) {
        if (s == null || s.isEmpty() || s.length() > 45) {
            return null;
        }
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') < 0) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
                    return null;
                }
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    return null;
                }
                b[i] = (byte) v;
            }
            return b;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null; // no zone ids, no names
            }
        }
        try {
            // a literal: parsed, never looked up (an IPv4-mapped one comes back as its IPv4 address)
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
