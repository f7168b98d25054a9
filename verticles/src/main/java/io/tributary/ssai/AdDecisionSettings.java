package io.tributary.ssai;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Ad decisions (the {@code ssai.*} keys this side reads): which ad server answers for which
 * stream or channel, how far and how long a decision may go, the built-in server's frequency
 * cap, and the beacon sender's bounds.
 *
 * @param vastUrl           the ad server's VAST URL with macros; "" = the node's own {@code /ads/vast}
 * @param vastUrlRules      per stream or channel key, first match wins: {@code news-*=https://...}
 * @param wrapperDepth      Wrapper documents followed before an InLine ad (error 302 beyond)
 * @param decisionTimeout   one decision's whole time, wrappers and creative lookups included (error 301 beyond)
 * @param instances         ad-decision verticles on this node; 0: none (this node serves /ads/vast but decides nothing)
 * @param frequencyCap      times the built-in server gives one session the same ad within {@code frequencyWindow}
 * @param frequencyWindow   how long the built-in server remembers what a session got
 * @param beaconQueue       beacon URLs waiting to be sent; beyond, new ones are dropped and counted
 * @param beaconTimeout     one beacon request's connect and answer time
 * @param beaconRetries     tries after the first failed one (with a doubling backoff)
 * @param allowPrivateAddresses true: URLs in VAST answers may name private, loopback and link-local addresses
 * @param allowedAddresses  CIDRs, addresses or {@code host:port} such URLs may name anyway (an operator's own ad server)
 */
public record AdDecisionSettings(String vastUrl, List<Rule> vastUrlRules, int wrapperDepth, Duration decisionTimeout, int instances,
                                 int frequencyCap, Duration frequencyWindow, int beaconQueue, Duration beaconTimeout, int beaconRetries,
                                 boolean allowPrivateAddresses, List<String> allowedAddresses) {

    public AdDecisionSettings {
        allowedAddresses = List.copyOf(allowedAddresses);
        AdAddressPolicy.of(allowPrivateAddresses, allowedAddresses); // fails on an entry it cannot read
    }

    /** A fresh policy over {@code allowPrivateAddresses} and {@code allowedAddresses} (a node's own listener is added to it). */
    AdAddressPolicy addressPolicy() {
        return AdAddressPolicy.of(allowPrivateAddresses, allowedAddresses);
    }

    /** {@code PATTERN=URL}; {@code *} is any run of characters. */
    public record Rule(String pattern, String url, Pattern regex) {

        Rule(String pattern, String url) {
            this(pattern, url, Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q")));
        }
    }

    /** The VAST URL (macros still in it) for a stream or channel key; "" = the built-in server. */
    public String vastUrlOf(String key) {
        for (Rule r : vastUrlRules) {
            if (r.regex().matcher(key).matches()) {
                return r.url();
            }
        }
        return vastUrl;
    }

    public static AdDecisionSettings from(Settings s) {
        String url = s.string("ssai.vast-url");
        if (!url.isEmpty() && !httpUrl(url)) {
            throw ConfigException.invalid("ssai.vast-url", "an http:// or https:// URL (or empty: the built-in /ads/vast)", url);
        }
        List<Rule> rules = new ArrayList<>();
        for (String rule : s.list("ssai.vast-url-rules")) {
            int eq = rule.indexOf('=');
            String pattern = eq < 0 ? "" : rule.substring(0, eq).trim();
            String value = eq < 0 ? "" : rule.substring(eq + 1).trim();
            if (pattern.isEmpty() || !pattern.matches("[A-Za-z0-9_*-]+") || !(value.isEmpty() || httpUrl(value))) {
                throw ConfigException.invalid("ssai.vast-url-rules",
                        "entries like news-*=https://ads.example/vast?sid=[SESSION]&dur=[DURATION] (an empty URL: the built-in server)", rule);
            }
            rules.add(new Rule(pattern, value));
        }
        List<String> allowed = s.list("ssai.allowed-addresses");
        for (String entry : allowed) {
            if (AdAddressPolicy.cidr(entry.trim()) == null && AdAddressPolicy.hostPort(entry.trim()) == null) {
                throw ConfigException.invalid("ssai.allowed-addresses", "CIDRs, addresses or host:port, e.g. [ \"10.0.0.0/8\", \"ads.internal:8080\" ]",
                        entry);
            }
        }
        return new AdDecisionSettings(url, List.copyOf(rules), s.integer("ssai.wrapper-depth", 0, 10),
                s.duration("ssai.decision-timeout", Duration.ofMillis(100), Duration.ofSeconds(30)),
                s.integer("ssai.decision-instances", 0, 64), s.integer("ssai.frequency-cap", 1, 1000),
                s.duration("ssai.frequency-window", Duration.ofSeconds(1), Duration.ofDays(7)),
                s.integer("ssai.beacon-queue", 1, 1_000_000), s.duration("ssai.beacon-timeout", Duration.ofMillis(100), Duration.ofSeconds(60)),
                s.integer("ssai.beacon-retries", 0, 10), s.bool("ssai.allow-private-addresses"), allowed);
    }

    private static boolean httpUrl(String url) {
        return (url.startsWith("http://") || url.startsWith("https://")) && url.length() <= 2048 && url.chars().noneMatch(c -> c <= ' ');
    }

    /** The defaults, for tests and embedding. */
    public static final AdDecisionSettings DEFAULTS = new AdDecisionSettings("", List.of(), 5, Duration.ofSeconds(2), 1, 2,
            Duration.ofHours(1), 10_000, Duration.ofSeconds(2), 2, false, List.of());

    public AdDecisionSettings withVastUrl(String url) {
        return new AdDecisionSettings(url, vastUrlRules, wrapperDepth, decisionTimeout, instances, frequencyCap, frequencyWindow,
                beaconQueue, beaconTimeout, beaconRetries, allowPrivateAddresses, allowedAddresses);
    }

    /** These settings with URLs in VAST answers also allowed to name {@code entries} (CIDRs, addresses, host:port). */
    public AdDecisionSettings allowing(List<String> entries) {
        return new AdDecisionSettings(vastUrl, vastUrlRules, wrapperDepth, decisionTimeout, instances, frequencyCap, frequencyWindow,
                beaconQueue, beaconTimeout, beaconRetries, allowPrivateAddresses, entries);
    }
}
