package io.tributary.ssai;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Which addresses ad URLs may name: the reserved ranges, the allow-list's CIDRs and host:port entries, the node's own listener. */
class AdAddressPolicyTest {

    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // literals only: no lookup
    }

    @Test
    void reservedRangesAreNamedAndPublicAddressesAreNot() throws Exception {
        assertEquals("loopback", AdAddressPolicy.reservedKind(ip("127.0.0.1")));
        assertEquals("loopback", AdAddressPolicy.reservedKind(ip("127.9.9.9")));
        assertEquals("loopback", AdAddressPolicy.reservedKind(ip("::1")));
        assertEquals("link-local", AdAddressPolicy.reservedKind(ip("169.254.169.254")));
        assertEquals("link-local", AdAddressPolicy.reservedKind(ip("fe80::1")));
        assertEquals("private", AdAddressPolicy.reservedKind(ip("10.1.2.3")));
        assertEquals("private", AdAddressPolicy.reservedKind(ip("172.16.0.1")));
        assertEquals("private", AdAddressPolicy.reservedKind(ip("172.31.255.255")));
        assertEquals("private", AdAddressPolicy.reservedKind(ip("192.168.0.10")));
        assertEquals("shared", AdAddressPolicy.reservedKind(ip("100.64.0.1")));
        assertEquals("unique-local", AdAddressPolicy.reservedKind(ip("fd12:3456::1")));
        assertEquals("site-local", AdAddressPolicy.reservedKind(ip("fec0::1")));
        assertEquals("multicast", AdAddressPolicy.reservedKind(ip("224.0.0.251")));
        assertEquals("multicast", AdAddressPolicy.reservedKind(ip("ff02::1")));
        assertEquals("unspecified", AdAddressPolicy.reservedKind(ip("0.0.0.0")));
        assertEquals("unspecified", AdAddressPolicy.reservedKind(ip("::")));
        assertEquals("reserved", AdAddressPolicy.reservedKind(ip("255.255.255.255")));
        // a v4 address hidden in v6: NAT64 and v4-compatible forms (v4-mapped ones Java turns into v4 itself)
        assertEquals("link-local", AdAddressPolicy.reservedKind(ip("64:ff9b::a9fe:a9fe")));
        assertEquals("loopback", AdAddressPolicy.reservedKind(ip("::127.0.0.1")));
        assertEquals("loopback", AdAddressPolicy.reservedKind(ip("::ffff:127.0.0.1")));
        for (String pub : List.of("8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "193.0.14.129", "2001:4860:4860::8888",
                "64:ff9b::808:808")) {
            assertNull(AdAddressPolicy.reservedKind(ip(pub)), pub);
        }
    }

    @Test
    void theAllowListLetsInItsNetworksAndExactlyItsHostPorts() throws Exception {
        AdAddressPolicy p = AdAddressPolicy.of(false, List.of("10.20.0.0/16", "fd00::/8", "ads.internal:8080", "192.168.1.5:9000", "[::1]:7000"));
        assertNull(p.refusal("10.20.3.4", 80, ip("10.20.3.4")));
        assertNotNull(p.refusal("10.21.3.4", 80, ip("10.21.3.4")));
        assertNull(p.refusal("fd00::5", 443, ip("fd00::5")));
        assertNull(p.refusal("ADS.internal", 8080, ip("10.99.0.1")), "the name on its port, whatever it resolves to");
        assertNotNull(p.refusal("ads.internal", 8081, ip("10.99.0.1")), "another port");
        assertNotNull(p.refusal("other.internal", 8080, ip("10.99.0.1")));
        assertNull(p.refusal("ads-by-name", 9000, ip("192.168.1.5")), "an address entry matches what a name resolved to");
        assertNull(p.refusal("[::1]", 7000, ip("::1")));
        assertNotNull(p.refusal("127.0.0.1", 7000, ip("127.0.0.1")), "::1 is not 127.0.0.1");
        assertNull(p.refusal("example.com", 80, ip("93.184.215.14")), "a public address needs no entry");
        assertEquals("link-local address 169.254.169.254", p.refusal("169.254.169.254", 80, ip("169.254.169.254")));
    }

    @Test
    void theNodesOwnListenerIsExactlyItsHostAndPort() throws Exception {
        AdAddressPolicy p = AdAddressPolicy.of(false, List.of());
        assertNotNull(p.refusal("127.0.0.1", 8080, ip("127.0.0.1")), "before the node's URL is known");
        p.trustOwnListener("127.0.0.1", 8080);
        assertNull(p.refusal("127.0.0.1", 8080, ip("127.0.0.1")));
        assertNull(p.refusal("localhost", 8080, ip("127.0.0.1")), "its address, named otherwise");
        assertNotNull(p.refusal("127.0.0.1", 8081, ip("127.0.0.1")), "not all of loopback");
        assertNotNull(p.refusal("127.0.0.2", 8080, ip("127.0.0.2")));
    }

    @Test
    void allowingPrivateAddressesLetsEverythingIn() throws Exception {
        AdAddressPolicy p = AdAddressPolicy.of(true, List.of());
        assertNull(p.refusal("169.254.169.254", 80, ip("169.254.169.254")));
        assertNull(p.refusal("localhost", 1, ip("::1")));
    }

    @Test
    void entriesThatAreNeitherANetworkNorAHostPortAreRefused() {
        for (String bad : List.of("ads.internal", "10.0.0.0/33", "fd00::/129", "host:0", "host:70000", "a b:80", "[zz]:80", "")) {
            assertThrows(IllegalArgumentException.class, () -> AdAddressPolicy.of(false, List.of(bad)), bad);
        }
    }
}
