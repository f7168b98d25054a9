package io.tributary.media.srt.crypto;

import static io.tributary.media.srt.crypto.SrtKeyMaterialTest.seq;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.srt.crypto.SrtCryptoException.Kind;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SrtCryptoTest {

    private static final String PASS = "correct horse battery";

    @Test
    void roundTripForEachKeyLength() {
        Random rnd = new Random(16);
        for (int keyLen : new int[] {16, 24, 32}) {
            byte[] salt = random(rnd, 16);
            byte[] kmreq = SrtCrypto.buildKmRequest(PASS, keyLen, salt, random(rnd, keyLen), null);
            SrtCrypto sender = SrtCrypto.fromKmRequest(kmreq, PASS);
            SrtCrypto receiver = SrtCrypto.fromKmRequest(kmreq.clone(), PASS);
            assertEquals(keyLen, receiver.keyLength());
            assertArrayEquals(kmreq, receiver.kmResponse(), "libsrt answers KMRSP with the KM message");

            byte[] plain = random(rnd, 1316);
            byte[] packet = new byte[16 + 1316];
            System.arraycopy(plain, 0, packet, 16, 1316);
            assertTrue(sender.encrypt(packet, 16, 1316, 0x7fff_fff0, 1));
            assertFalse(Arrays.equals(plain, Arrays.copyOfRange(packet, 16, 16 + 1316)));
            assertTrue(receiver.decrypt(packet, 16, 1316, 0x7fff_fff0, 1));
            assertArrayEquals(plain, Arrays.copyOfRange(packet, 16, 16 + 1316));
        }
    }

    /**
     * The counter block spelled out by hand (libsrt hcrypt_SetCtrIV): salt[0..13] XOR (sequence
     * number at bytes 10..13), block counter in bytes 14..15; key stream = AES-ECB of it.
     */
    @Test
    void keyStreamFollowsLibsrtCounterBlock() throws Exception {
        byte[] salt = seq(16, 0xA0);
        byte[] sek = seq(16, 0x11);
        int seqNo = 0x1234_5678;
        SrtCrypto c = SrtCrypto.fromKmRequest(SrtCrypto.buildKmRequest(PASS, 16, salt, sek, null), PASS);
        byte[] zeros = new byte[40];
        assertTrue(c.encrypt(zeros, 0, 40, seqNo, 1));

        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(sek, "AES"));
        byte[] expected = new byte[48];
        for (int block = 0; block < 3; block++) {
            byte[] ctr = Arrays.copyOf(salt, 16);
            ctr[10] ^= 0x12;
            ctr[11] ^= 0x34;
            ctr[12] ^= 0x56;
            ctr[13] ^= 0x78;
            ctr[14] = 0;
            ctr[15] = (byte) block;
            System.arraycopy(ecb.doFinal(ctr), 0, expected, block * 16, 16);
        }
        assertArrayEquals(Arrays.copyOf(expected, 40), zeros);
    }

    @Test
    void kekIsPbkdf2OverTheLastEightSaltBytes() {
        byte[] salt = seq(16, 0);
        byte[] kek = SrtCrypto.deriveKek("passphrase!".getBytes(), salt, 24);
        byte[] expected = Pbkdf2.hmacSha1("passphrase!".getBytes(), Arrays.copyOfRange(salt, 8, 16), 2048, 24);
        assertArrayEquals(expected, kek);
        // so the first eight salt bytes do not change the KEK, the last eight do
        byte[] head = salt.clone();
        head[0] ^= 1;
        assertArrayEquals(kek, SrtCrypto.deriveKek("passphrase!".getBytes(), head, 24));
        byte[] tail = salt.clone();
        tail[15] ^= 1;
        assertFalse(Arrays.equals(kek, SrtCrypto.deriveKek("passphrase!".getBytes(), tail, 24)));
    }

    @Test
    void wrongPassphraseIsBadSecret() {
        byte[] kmreq = SrtCrypto.buildKmRequest(PASS, 16, seq(16, 1), seq(16, 2), null);
        SrtCryptoException e = assertThrows(SrtCryptoException.class,
                () -> SrtCrypto.fromKmRequest(kmreq, "correct horse battery!"));
        assertEquals(Kind.BAD_SECRET, e.kind());
        assertEquals(SrtCrypto.KM_BADSECRET, e.kmState());
        assertTrue(e.getMessage().contains("bad passphrase"), e.getMessage());
        assertArrayEquals(new byte[] {0, 0, 0, 4}, SrtCrypto.kmRefusal(e.kmState()));
    }

    @Test
    void missingPassphraseIsNoSecret() {
        byte[] kmreq = SrtCrypto.buildKmRequest(PASS, 16, seq(16, 1), seq(16, 2), null);
        for (String none : new String[] {null, ""}) {
            SrtCryptoException e = assertThrows(SrtCryptoException.class, () -> SrtCrypto.fromKmRequest(kmreq, none));
            assertEquals(Kind.NO_SECRET, e.kind());
            assertEquals(SrtCrypto.KM_NOSECRET, e.kmState());
        }
    }

    @Test
    void otherCipherModesAreUnsupported() {
        byte[] kmreq = SrtCrypto.buildKmRequest(PASS, 16, seq(16, 1), seq(16, 2), null);
        byte[] gcm = kmreq.clone();
        gcm[8] = SrtKeyMaterial.CIPHER_AES_GCM;
        gcm[9] = 1;
        SrtCryptoException e = assertThrows(SrtCryptoException.class, () -> SrtCrypto.fromKmRequest(gcm, PASS));
        assertEquals(Kind.UNSUPPORTED, e.kind());
        assertEquals(SrtCrypto.KM_BADCRYPTOMODE, e.kmState());
    }

    @Test
    void unknownKeyLeavesThePayloadAlone() {
        SrtCrypto c = SrtCrypto.fromKmRequest(SrtCrypto.buildKmRequest(PASS, 16, seq(16, 1), seq(16, 2), null), PASS);
        byte[] payload = seq(188, 0x47);
        for (int kk : new int[] {0, 2, 3}) {
            assertFalse(c.decrypt(payload, 0, 188, 5, kk), "kk " + kk);
            assertArrayEquals(seq(188, 0x47), payload);
        }
        assertTrue(c.hasKey(1));
        assertFalse(c.hasKey(2));
        assertThrows(IndexOutOfBoundsException.class, () -> c.decrypt(payload, 100, 100, 5, 1));
    }

    /**
     * Rotation as libsrt does it: even key in the handshake; then a KMREQ with both (the new odd
     * one pre-announced), packets switch to KK=2; then odd alone. A refused KMREQ changes nothing.
     */
    @Test
    void keyRotationAddsAndReplacesKeys() {
        byte[] salt = seq(16, 1);
        byte[] even1 = seq(16, 10);
        byte[] odd1 = seq(16, 50);
        byte[] even2 = seq(16, 90);
        SrtCrypto rx = SrtCrypto.fromKmRequest(SrtCrypto.buildKmRequest(PASS, 16, salt, even1, null), PASS);
        SrtCrypto evenTx = sender(salt, even1, null);
        SrtCrypto oddTx = sender(salt, null, odd1);
        assertRoundTrip(evenTx, rx, 1, 100);
        assertFalse(rx.hasKey(2));

        byte[] both = SrtCrypto.buildKmRequest(PASS, 16, salt, even1, odd1);
        rx.update(both);
        assertArrayEquals(both, rx.kmResponse());
        assertRoundTrip(evenTx, rx, 1, 101);
        assertRoundTrip(oddTx, rx, 2, 102);

        // the next rotation replaces the even key; the odd one stays usable for late packets
        rx.update(SrtCrypto.buildKmRequest(PASS, 16, salt, even2, null));
        assertRoundTrip(sender(salt, even2, null), rx, 1, 103);
        assertRoundTrip(oddTx, rx, 2, 104);

        byte[] before = rx.kmResponse();
        byte[] wrongPass = SrtCrypto.buildKmRequest("another passphrase", 16, salt, null, seq(16, 77));
        assertEquals(Kind.BAD_SECRET, assertThrows(SrtCryptoException.class, () -> rx.update(wrongPass)).kind());
        assertRoundTrip(oddTx, rx, 2, 105);
        assertArrayEquals(before, rx.kmResponse());
    }

    /** Each key keeps the salt of the message that brought it (libsrt keeps salt per key context). */
    @Test
    void aNewSaltAppliesOnlyToTheKeysItCameWith() {
        byte[] salt1 = seq(16, 1);
        byte[] salt2 = seq(16, 200);
        byte[] even = seq(32, 10);
        byte[] odd = seq(32, 60);
        SrtCrypto rx = SrtCrypto.fromKmRequest(SrtCrypto.buildKmRequest(PASS, 32, salt1, even, null), PASS);
        rx.update(SrtCrypto.buildKmRequest(PASS, 32, salt2, null, odd));
        assertRoundTrip(sender(salt1, even, null, 32), rx, 1, 7);
        assertRoundTrip(sender(salt2, null, odd, 32), rx, 2, 8);
    }

    private static SrtCrypto sender(byte[] salt, byte[] even, byte[] odd) {
        return sender(salt, even, odd, 16);
    }

    private static SrtCrypto sender(byte[] salt, byte[] even, byte[] odd, int keyLen) {
        return SrtCrypto.fromKmRequest(SrtCrypto.buildKmRequest(PASS, keyLen, salt, even, odd), PASS);
    }

    private static void assertRoundTrip(SrtCrypto tx, SrtCrypto rx, int kk, int seqNo) {
        byte[] plain = seq(1316, seqNo);
        byte[] buf = plain.clone();
        assertTrue(tx.encrypt(buf, 0, buf.length, seqNo, kk));
        assertTrue(rx.decrypt(buf, 0, buf.length, seqNo, kk));
        assertArrayEquals(plain, buf, "kk " + kk + " seq " + seqNo);
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
