package io.tributary.media.srt;

import io.tributary.media.srt.crypto.SrtCrypto;
import io.tributary.media.srt.crypto.SrtCryptoException;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The KEK derivations (PBKDF2, 1-2 ms of CPU each on the listener's one thread) a listener
 * grants: a KEK once derived is kept (a small LRU keyed by passphrase, salt and length), so a
 * replayed KMREQ costs an AES unwrap; a new one is rationed by token buckets, a few per second
 * per source address and a few tens per second for the whole listener. Over the ration the
 * derivation is refused with BUSY: the caller repeats its conclusion (or KMREQ) later.
 */
final class SrtKekRation {

    static final int CACHED_KEKS = 256;
    static final int ADDRESSES = 4096;
    static final double PER_ADDRESS_BURST = 4;
    static final double PER_ADDRESS_PER_SECOND = 2;
    static final double LISTENER_BURST = 40;
    static final double LISTENER_PER_SECOND = 20;

    private final Map<String, byte[]> keks = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHED_KEKS;
        }
    };
    private final Map<String, Bucket> byAddress = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > ADDRESSES;
        }
    };
    private Bucket listener;
    private long derivations;
    private long refused;

    /** PBKDF2 runs done so far. */
    long derivations() {
        return derivations;
    }

    /** Derivations refused over the ration. */
    long refused() {
        return refused;
    }

    /** Whether the KEK is at hand without a derivation. */
    boolean cached(byte[] passphrase, byte[] salt, int keyLength) {
        return keks.containsKey(key(passphrase, salt, keyLength));
    }

    /** A KEK source for a KM message from {@code host} at {@code now} (microseconds). */
    SrtCrypto.KekSource source(String host, long now) {
        return (passphrase, salt, keyLength) -> kek(host, passphrase, salt, keyLength, now);
    }

    private byte[] kek(String host, byte[] passphrase, byte[] salt, int keyLength, long now) {
        String key = key(passphrase, salt, keyLength);
        byte[] kek = keks.get(key);
        if (kek != null) {
            return kek;
        }
        if (listener == null) {
            listener = new Bucket(LISTENER_BURST, LISTENER_PER_SECOND, now);
        }
        Bucket own = byAddress.computeIfAbsent(host, h -> new Bucket(PER_ADDRESS_BURST, PER_ADDRESS_PER_SECOND, now));
        if (!own.available(now) || !listener.available(now)) {
            refused++;
            throw new SrtCryptoException(SrtCryptoException.Kind.BUSY, "too many key derivations: try again later");
        }
        own.take();
        listener.take();
        derivations++;
        kek = SrtCrypto.deriveKek(passphrase, salt, keyLength);
        keks.put(key, kek);
        return kek;
    }

    private static String key(byte[] passphrase, byte[] salt, int keyLength) {
        return keyLength + "|" + HexFormat.of().formatHex(salt) + "|" + new String(passphrase, StandardCharsets.ISO_8859_1);
    }

    /** A token bucket on the listener's clock. */
    private static final class Bucket {
        private final double burst;
        private final double perMicro;
        private double tokens;
        private long at;

        Bucket(double burst, double perSecond, long now) {
            this.burst = burst;
            this.perMicro = perSecond / 1_000_000;
            this.tokens = burst;
            this.at = now;
        }

        boolean available(long now) {
            if (now > at) {
                tokens = Math.min(burst, tokens + (now - at) * perMicro);
                at = now;
            }
            return tokens >= 1;
        }

        void take() {
            tokens -= 1;
        }
    }
}
