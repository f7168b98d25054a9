package io.tributary.media.srt.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

class Pbkdf2Test {

    private static final HexFormat HEX = HexFormat.of();

    /** RFC 6070 (all but the 16777216-iteration case). */
    @Test
    void rfc6070TestVectors() {
        vector("password", "salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6");
        vector("password", "salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
        vector("password", "salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1");
        vector("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25,
                "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
        vector("pass\0word", "sa\0lt", 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3");
    }

    private static void vector(String password, String salt, int c, int dkLen, String dk) {
        assertArrayEquals(HEX.parseHex(dk), Pbkdf2.hmacSha1(password.getBytes(StandardCharsets.ISO_8859_1),
                salt.getBytes(StandardCharsets.ISO_8859_1), c, dkLen));
    }

    /** The SRT shape (8-byte salt, 2048 rounds, 16/24/32-byte KEK) agrees with the JDK's PBKDF2. */
    @Test
    void agreesWithJdkForSrtKekLengths() throws Exception {
        Random rnd = new Random(6070);
        SecretKeyFactory jdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1");
        for (int len : new int[] {16, 24, 32}) {
            byte[] salt = new byte[8];
            rnd.nextBytes(salt);
            String pass = "passphrase-" + len + "-" + rnd.nextInt(1000);
            byte[] expected = jdk.generateSecret(new PBEKeySpec(pass.toCharArray(), salt, 2048, len * 8)).getEncoded();
            assertArrayEquals(expected, Pbkdf2.hmacSha1(pass.getBytes(StandardCharsets.UTF_8), salt, 2048, len));
        }
    }
}
