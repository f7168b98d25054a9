package io.tributary.ingest.srt;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;
import io.tributary.media.srt.SrtListenerSettings;
import io.tributary.media.srt.crypto.SrtCrypto;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SRT listener: the {@code srt.*} keys (stream keys and publish rules are every protocol's,
 * under {@code rtmp.}: {@link io.tributary.live.PublishSettings}).
 *
 * @param latencyMs          TSBPD latency this receiver asks for; a caller asking more gets its own
 * @param passphrase         the passphrase every stream needs, "" for none
 * @param pbkeylen           AES key bytes an encrypting caller must use: 16, 24, 32, or 0 for whatever it sends
 * @param streamPassphrases  per stream key, replacing {@code passphrase} ({@code key=passphrase} items)
 * @param maxConnections     callers held at once (handshaking or publishing); more are refused
 * @param maxConnectionsPerAddress callers held at once from one host; more are refused (overload)
 * @param memoryBudget       bytes all callers' receive windows hold together ({@code srt.memory-budget} MiB)
 * @param instances          SRT listeners sharing the port (SO_REUSEPORT, native transport only), each on its own event
 *                           loop; 0: one per core with the native transport, else one
 */
public record SrtSettings(boolean enabled, String host, int port, int latencyMs, String passphrase, int pbkeylen,
                          Map<String, String> streamPassphrases, int maxConnections, int maxConnectionsPerAddress,
                          long memoryBudget, int instances) {

    public static SrtSettings from(Settings s) {
        String passphrase = s.string("srt.passphrase");
        checkPassphrase("srt.passphrase", passphrase);
        int pbkeylen = s.integer("srt.pbkeylen", 0, 32);
        if (pbkeylen != 0 && pbkeylen != 16 && pbkeylen != 24 && pbkeylen != 32) {
            throw ConfigException.invalid("srt.pbkeylen", "0 (the caller's choice), 16, 24 or 32", pbkeylen);
        }
        Map<String, String> perKey = new HashMap<>();
        List<String> items = s.list("srt.stream-passphrases");
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw ConfigException.invalid("srt.stream-passphrases", "items like key=passphrase", item);
            }
            String value = item.substring(eq + 1);
            checkPassphrase("srt.stream-passphrases", value);
            perKey.put(item.substring(0, eq).trim(), value);
        }
        Duration latency = s.duration("srt.latency", Duration.ZERO, Duration.ofMillis(0xFFFF));
        return new SrtSettings(s.bool("srt.enabled"), s.string("srt.host"), s.integer("srt.port", 0, 65535), (int) latency.toMillis(),
                passphrase, pbkeylen, Map.copyOf(perKey), s.integer("srt.max-connections", 1, 100_000),
                s.integer("srt.max-connections-per-address", 1, 100_000), s.integer("srt.memory-budget", 1, 1 << 20) * (1L << 20),
                s.integer("srt.instances", 0, 64));
    }

    private static void checkPassphrase(String key, String value) {
        if (!value.isEmpty() && (value.length() < SrtCrypto.MIN_PASSPHRASE_LENGTH || value.length() > SrtCrypto.MAX_PASSPHRASE_LENGTH)) {
            throw ConfigException.invalid(key, "empty, or " + SrtCrypto.MIN_PASSPHRASE_LENGTH + " to "
                    + SrtCrypto.MAX_PASSPHRASE_LENGTH + " characters (libsrt's limits)", "(" + value.length() + " characters)");
        }
    }

    /** The passphrase publishing {@code key} needs, or null for none. */
    public String passphraseFor(String key) {
        String p = streamPassphrases.getOrDefault(key, passphrase);
        return p.isEmpty() ? null : p;
    }

    public SrtListenerSettings listenerSettings() {
        return new SrtListenerSettings(latencyMs, maxConnections, 5_000_000, 8192, pbkeylen, maxConnectionsPerAddress, memoryBudget);
    }

    /** Port 0 means "any free port" (tests). */
    public SrtSettings withPort(int port) {
        return new SrtSettings(enabled, host, port, latencyMs, passphrase, pbkeylen, streamPassphrases, maxConnections,
                maxConnectionsPerAddress, memoryBudget, instances);
    }

    /**
     * What each of {@code n} listener instances may hold, so that together they stay within the node's
     * {@code max-connections} and {@code memory-budget}. The per-address cap is not split: the instances count
     * hosts together ({@link SrtListenerGroup#hosts}), as the kernel spreads one host's ports over them unevenly.
     */
    SrtSettings shareOf(int n) {
        if (n <= 1) {
            return this;
        }
        return new SrtSettings(enabled, host, port, latencyMs, passphrase, pbkeylen, streamPassphrases, (maxConnections + n - 1) / n,
                maxConnectionsPerAddress, Math.max(1 << 20, memoryBudget / n), instances);
    }
}
