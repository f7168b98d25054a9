package io.tributary.media.transcode;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;

/** FFmpeg return-code helpers. */
final class Ff {

    private Ff() {
    }

    static String error(int code) {
        byte[] msg = new byte[256];
        av_strerror(code, msg, msg.length);
        int len = 0;
        while (len < msg.length && msg[len] != 0) {
            len++;
        }
        return new String(msg, 0, len, StandardCharsets.UTF_8) + " (" + code + ")";
    }

    static void check(int ret, String what) {
        if (ret < 0) {
            throw new TranscodeException(what + " failed: " + error(ret));
        }
    }
}
