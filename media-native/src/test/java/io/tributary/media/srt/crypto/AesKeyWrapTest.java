package io.tributary.media.srt.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class AesKeyWrapTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final String KEY128 = "00112233445566778899AABBCCDDEEFF";
    private static final String KEY192 = KEY128 + "0001020304050607";
    private static final String KEY256 = KEY128 + "000102030405060708090A0B0C0D0E0F";
    private static final String KEK128 = "000102030405060708090A0B0C0D0E0F";
    private static final String KEK192 = KEK128 + "1011121314151617";
    private static final String KEK256 = KEK128 + "101112131415161718191A1B1C1D1E1F";

    /** RFC 3394 section 4.1 to 4.6. */
    @Test
    void rfc3394TestVectors() {
        vector(KEK128, KEY128, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
        vector(KEK192, KEY128, "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D");
        vector(KEK256, KEY128, "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7");
        vector(KEK192, KEY192, "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2");
        vector(KEK256, KEY192, "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1");
        vector(KEK256, KEY256, "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
    }

    private static void vector(String kek, String key, String wrapped) {
        byte[] k = HEX.parseHex(kek);
        assertArrayEquals(HEX.parseHex(wrapped), AesKeyWrap.wrap(k, HEX.parseHex(key)));
        assertArrayEquals(HEX.parseHex(key), AesKeyWrap.unwrap(k, HEX.parseHex(wrapped)));
    }

    /** Agrees with the JDK's own RFC 3394 implementation on random keys (including two-SEK blobs). */
    @Test
    void agreesWithJdkAesWrap() throws Exception {
        Random rnd = new Random(3394);
        for (int i = 0; i < 60; i++) {
            byte[] kek = new byte[16 + 8 * (i % 3)];
            byte[] key = new byte[(16 + 8 * ((i / 3) % 3)) * (1 + i % 2)];
            rnd.nextBytes(kek);
            rnd.nextBytes(key);
            Cipher jdk = Cipher.getInstance("AESWrap");
            jdk.init(Cipher.WRAP_MODE, new SecretKeySpec(kek, "AES"));
            byte[] expected = jdk.wrap(new SecretKeySpec(key, "AES"));
            assertArrayEquals(expected, AesKeyWrap.wrap(kek, key));
            assertArrayEquals(key, AesKeyWrap.unwrap(kek, expected));
        }
    }

    @Test
    void integrityCheckFailsForAnotherKekOrAFlippedBit() {
        byte[] wrapped = HEX.parseHex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
        byte[] other = HEX.parseHex(KEK128);
        other[15] ^= 1;
        assertNull(AesKeyWrap.unwrap(other, wrapped));
        for (int bit = 0; bit < wrapped.length * 8; bit++) {
            byte[] w = wrapped.clone();
            w[bit / 8] ^= (byte) (1 << (bit % 8));
            assertNull(AesKeyWrap.unwrap(HEX.parseHex(KEK128), w), "bit " + bit);
        }
    }
}
