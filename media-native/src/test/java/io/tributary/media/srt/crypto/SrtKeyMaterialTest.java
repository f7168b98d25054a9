package io.tributary.media.srt.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.srt.crypto.SrtCryptoException.Kind;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SrtKeyMaterialTest {

    static byte[] seq(int len, int start) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (start + i);
        }
        return b;
    }

    @Test
    void encodesTheSpecLayoutAndParsesItBack() {
        byte[] msg = SrtCrypto.buildKmRequest("0123456789abc", 24, seq(16, 0x40), seq(24, 1), seq(24, 0x80));
        assertEquals(16 + 16 + 8 + 48, msg.length);
        assertEquals(0x12, msg[0] & 0xFF, "S=0, V=1, PT=2 (KM)");
        assertEquals(0x20, msg[1] & 0xFF);
        assertEquals(0x29, msg[2] & 0xFF);
        assertEquals(3, msg[3], "KK both");
        assertEquals(SrtKeyMaterial.CIPHER_AES_CTR, msg[8]);
        assertEquals(0, msg[9], "no auth");
        assertEquals(SrtKeyMaterial.SE_MPEGTS_SRT, msg[10]);
        assertEquals(4, msg[14], "SLen/4");
        assertEquals(6, msg[15], "KLen/4");
        assertArrayEquals(seq(16, 0x40), Arrays.copyOfRange(msg, 16, 32));

        SrtKeyMaterial km = SrtKeyMaterial.parse(msg);
        assertEquals(3, km.keyFlags());
        assertTrue(km.hasEvenKey() && km.hasOddKey());
        assertEquals(2, km.keyCount());
        assertEquals(24, km.keyLength());
        assertEquals(0, km.keki());
        assertArrayEquals(seq(16, 0x40), km.salt());
        assertEquals(56, km.wrappedKeys().length);
        assertArrayEquals(msg, km.encode());
    }

    @Test
    void singleKeyMessagesHaveOneWrappedKey() {
        byte[] odd = SrtCrypto.buildKmRequest("0123456789abc", 32, seq(16, 0), null, seq(32, 9));
        SrtKeyMaterial km = SrtKeyMaterial.parse(odd);
        assertEquals(SrtKeyMaterial.KK_ODD, km.keyFlags());
        assertEquals(40, km.wrappedKeys().length);
        assertEquals(16 + 16 + 40, odd.length);
    }

    @Test
    void parsesAMessageInsideALargerBuffer() {
        byte[] msg = SrtCrypto.buildKmRequest("0123456789abc", 16, seq(16, 0x40), seq(16, 1), null);
        byte[] packet = new byte[16 + msg.length + 12];
        System.arraycopy(msg, 0, packet, 16, msg.length);
        assertArrayEquals(msg, SrtKeyMaterial.parse(packet, 16, msg.length).encode());
        assertEquals(Kind.MALFORMED, assertThrows(SrtCryptoException.class,
                () -> SrtKeyMaterial.parse(packet, 16, msg.length + 4)).kind(), "trailing bytes are not ignored");
        assertThrows(IndexOutOfBoundsException.class, () -> SrtKeyMaterial.parse(packet, 40, packet.length));
    }

    @Test
    void refusesEachBrokenField() {
        byte[] good = SrtCrypto.buildKmRequest("0123456789abc", 16, seq(16, 0), seq(16, 1), null);
        malformed(good, m -> m[0] = (byte) 0x92);             // S bit
        malformed(good, m -> m[0] = (byte) 0x22);             // version 2
        malformed(good, m -> m[0] = (byte) 0x11);             // packet type 1 (media stream message)
        malformed(good, m -> m[1] = 0x21);                    // signature
        malformed(good, m -> m[3] = 0);                       // no key
        malformed(good, m -> m[3] = 3);                       // both keys announced, one present
        malformed(good, m -> m[14] = 0);                      // no salt
        malformed(good, m -> m[14] = 5);                      // salt > 16 bytes
        malformed(good, m -> m[15] = 5);                      // 20-byte key
        malformed(good, m -> m[15] = 8);                      // 32-byte key, 16 present
        assertMalformed(Arrays.copyOf(good, good.length - 1));
        assertMalformed(Arrays.copyOf(good, good.length + 4));
        assertMalformed(Arrays.copyOf(good, 15));
        assertMalformed(new byte[0]);
        assertMalformed(null);
    }

    private static void malformed(byte[] good, Consumer<byte[]> damage) {
        byte[] m = good.clone();
        damage.accept(m);
        assertMalformed(m);
    }

    private static void assertMalformed(byte[] m) {
        SrtCryptoException e = assertThrows(SrtCryptoException.class, () -> SrtKeyMaterial.parse(m));
        assertEquals(Kind.MALFORMED, e.kind());
        assertEquals(SrtCrypto.KM_BADSECRET, e.kmState());
    }

    /**
     * Seeded fuzz of parse and of the whole KMREQ path: mutated, truncated, extended and random
     * messages give a result or an SrtCryptoException, nothing else.
     */
    @Test
    void fuzzOnlySrtCryptoExceptionEscapes() {
        Random rnd = new Random(0x2029);
        byte[][] seeds = {
            SrtCrypto.buildKmRequest("fuzz-passphrase", 16, seq(16, 3), seq(16, 5), null),
            SrtCrypto.buildKmRequest("fuzz-passphrase", 24, seq(16, 3), null, seq(24, 5)),
            SrtCrypto.buildKmRequest("fuzz-passphrase", 32, seq(16, 3), seq(32, 7), seq(32, 5)),
        };
        int parsed = 0;
        int unwrapped = 0;
        int fullRuns = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] m = mutate(rnd, seeds[rnd.nextInt(seeds.length)]);
            try {
                SrtKeyMaterial.parse(m);
                parsed++;
            } catch (SrtCryptoException expected) {
                continue;
            }
            // the full KMREQ path on some of the parseable ones (each costs a 2048-round PBKDF2)
            if (i % 8 == 0 && fullRuns++ < 400) {
                try {
                    SrtCrypto c = SrtCrypto.fromKmRequest(m, "fuzz-passphrase");
                    c.decrypt(new byte[188], 0, 188, rnd.nextInt(), 1 + rnd.nextInt(2));
                    unwrapped++;
                } catch (SrtCryptoException expected) {
                    // refused with a kind
                }
            }
        }
        assertTrue(parsed > 1000, "the fuzzer reaches past the header checks: " + parsed);
        assertTrue(unwrapped > 0, "some mutations leave the keys intact: " + unwrapped);
    }

    private static byte[] mutate(Random rnd, byte[] seed) {
        byte[] m = seed.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> {
                int flips = 1 + rnd.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> m = Arrays.copyOf(m, rnd.nextInt(m.length + 1));
            case 2 -> m = Arrays.copyOf(m, m.length + 1 + rnd.nextInt(64));
            case 3 -> {
                m = new byte[rnd.nextInt(120)];
                rnd.nextBytes(m);
            }
            default -> {
                // keep the header valid-looking, randomise a field or the body
                int p = 16 + rnd.nextInt(m.length - 16);
                m[p] = (byte) rnd.nextInt(256);
                if (rnd.nextBoolean()) {
                    m[3 + rnd.nextInt(13)] = (byte) rnd.nextInt(256);
                }
            }
        }
        return m;
    }
}
