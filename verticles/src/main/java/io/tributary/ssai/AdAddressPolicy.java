package io.tributary.ssai;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which addresses the node's ad clients (wrappers, creative media files, beacons) may connect to.
 * A VAST answer is a stranger's text: without this check an ad server could make the node fetch
 * its own admin port, the cluster's private network or a cloud metadata service. Refused unless
 * allowed: loopback, link-local, private (RFC 1918, shared 100.64/10), unique-local and site-local
 * v6, multicast, unspecified and the other reserved ranges, also when hidden in a v4-mapped or NAT64
 * v6 address. Allowed anyway: every address with {@code ssai.allow-private-addresses}, the
 * {@code ssai.allowed-addresses} entries (a CIDR or address, any port; or {@code host:port}), and
 * the node's own listener (the built-in ad server's media and tracking URLs point back at it).
 */
final class AdAddressPolicy {

    /** A network, v4 or v6: {@code bits} leading bits of {@code network}. */
    record Cidr(byte[] network, int bits) {

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((address[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A name or address with its port: matches a URL naming exactly it, or an address it names resolved for that port. */
    record HostPort(String host, int port) {
    }

    private static final List<Named> RESERVED = List.of(
            named("unspecified", "0.0.0.0/8"), named("private", "10.0.0.0/8"), named("shared", "100.64.0.0/10"),
            named("loopback", "127.0.0.0/8"), named("link-local", "169.254.0.0/16"), named("private", "172.16.0.0/12"),
            named("reserved", "192.0.0.0/24"), named("private", "192.168.0.0/16"), named("reserved", "198.18.0.0/15"),
            named("multicast", "224.0.0.0/4"), named("reserved", "240.0.0.0/4"),
            named("unspecified", "::/128"), named("loopback", "::1/128"), named("unique-local", "fc00::/7"),
            named("link-local", "fe80::/10"), named("site-local", "fec0::/10"), named("multicast", "ff00::/8"));

    private record Named(String kind, Cidr cidr) {
    }

    private final boolean allowPrivate;
    private final List<Cidr> networks;
    private final List<HostPort> hosts;
    /** The node's own listener, once known. */
    private volatile HostPort own;

    private AdAddressPolicy(boolean allowPrivate, List<Cidr> networks, List<HostPort> hosts) {
        this.allowPrivate = allowPrivate;
        this.networks = List.copyOf(networks);
        this.hosts = List.copyOf(hosts);
    }

    /**
     * The policy for {@code ssai.allow-private-addresses} and {@code ssai.allowed-addresses} entries.
     *
     * @throws IllegalArgumentException naming the first entry that is neither a CIDR, an address nor {@code host:port}
     */
    static AdAddressPolicy of(boolean allowPrivate, List<String> entries) {
        List<Cidr> networks = new ArrayList<>();
        List<HostPort> hosts = new ArrayList<>();
        for (String raw : entries) {
            String e = raw.trim();
            Cidr c = cidr(e);
            if (c != null) {
                networks.add(c);
                continue;
            }
            HostPort hp = hostPort(e);
            if (hp == null) {
                throw new IllegalArgumentException(raw);
            }
            hosts.add(hp);
        }
        return new AdAddressPolicy(allowPrivate, networks, hosts);
    }

    /** Lets the node's own listener in (the built-in ad server's URLs): exactly that host and port. */
    void trustOwnListener(String host, int port) {
        own = new HostPort(bare(host), port);
    }

    /**
     * Null when a URL naming {@code host} (a name or an address) on {@code port}, resolved to
     * {@code address}, may be fetched; else why not.
     */
    String refusal(String host, int port, InetAddress address) {
        String kind = reservedKind(address);
        if (kind == null || allowPrivate) {
            return null;
        }
        byte[] bytes = address.getAddress();
        for (Cidr c : networks) {
            if (c.contains(bytes)) {
                return null;
            }
        }
        String name = bare(host);
        HostPort self = own;
        for (HostPort hp : self == null ? hosts : concat(hosts, self)) {
            if (hp.port() == port && (hp.host().equals(name) || sameAddress(hp.host(), bytes))) {
                return null;
            }
        }
        return kind + " address " + address.getHostAddress();
    }

    /** Why {@code address} is not a public one ({@code loopback}, {@code private}, ...), or null when it is. */
    static String reservedKind(InetAddress address) {
        byte[] b = address.getAddress();
        byte[] v4 = embeddedV4(b);
        for (Named n : RESERVED) {
            if (n.cidr().contains(b) || v4 != null && n.cidr().contains(v4)) {
                return n.kind();
            }
        }
        return null;
    }

    /** The v4 address inside a v4-mapped ({@code ::ffff:a.b.c.d}), v4-compatible or NAT64 ({@code 64:ff9b::/96}) v6 address. */
    private static byte[] embeddedV4(byte[] b) {
        if (b.length != 16) {
            return null;
        }
        boolean zeros = true;
        for (int i = 0; i < 10; i++) {
            zeros &= b[i] == 0;
        }
        boolean mapped = zeros && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = zeros && b[10] == 0 && b[11] == 0 && (b[12] | b[13] | b[14]) != 0;
        boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = b[i] == 0;
        }
        return mapped || compatible || nat64 ? new byte[] {b[12], b[13], b[14], b[15]} : null;
    }

    private static boolean sameAddress(String host, byte[] address) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        return literal != null && java.util.Arrays.equals(literal, address);
    }

    /** {@code 10.0.0.0/8}, {@code fd00::/8}, or one address ({@code /32}, {@code /128}); null when it is neither. */
    static Cidr cidr(String text) {
        int slash = text.indexOf('/');
        String ip = slash < 0 ? text : text.substring(0, slash);
        byte[] network = NetUtil.createByteArrayFromIpAddressString(ip);
        if (network == null) {
            return null;
        }
        int bits = network.length * 8;
        if (slash >= 0) {
            String n = text.substring(slash + 1);
            if (!n.matches("\\d{1,3}") || Integer.parseInt(n) > bits) {
                return null;
            }
            bits = Integer.parseInt(n);
        }
        return new Cidr(network, bits);
    }

    /** {@code host:port} or {@code [v6]:port}; null when it is not one. */
    static HostPort hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || !text.substring(colon + 1).matches("\\d{1,5}")) {
            return null;
        }
        int port = Integer.parseInt(text.substring(colon + 1));
        String host = text.substring(0, colon);
        boolean v6 = host.startsWith("[") && host.endsWith("]") && NetUtil.isValidIpV6Address(host.substring(1, host.length() - 1));
        if (port < 1 || port > 65535 || !(v6 || host.matches("[A-Za-z0-9.-]{1,253}"))) {
            return null;
        }
        return new HostPort(bare(host), port);
    }

    /** A URL's host as compared: lower case, v6 brackets off, a literal address in its canonical form. */
    static String bare(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(h);
        if (literal != null) {
            try {
                return InetAddress.getByAddress(literal).getHostAddress();
            } catch (UnknownHostException e) {
                return h;
            }
        }
        return h.toLowerCase(Locale.ROOT);
    }

    private static Named named(String kind, String cidr) {
        return new Named(kind, cidr(cidr));
    }

    private static <T> List<T> concat(List<T> a, T b) {
        List<T> out = new ArrayList<>(a);
        out.add(b);
        return out;
    }
}
