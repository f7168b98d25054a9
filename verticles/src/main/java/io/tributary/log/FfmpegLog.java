package io.tributary.log;

import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FFmpeg's own messages (libavcodec, libx264, the demo's recorder) into the node's log, logger
 * {@code ffmpeg}, one event per line, instead of raw lines on standard error. From warnings up by
 * default: FFmpeg's INFO is a banner per encoder and a stream dump per recorder.
 */
public final class FfmpegLog extends LogCallback {

    private static final Logger LOG = LoggerFactory.getLogger("ffmpeg");
    /** FFmpeg may hand a line over in pieces; a piece without its newline waits here (per thread). */
    private static final ThreadLocal<StringBuilder> PENDING = ThreadLocal.withInitial(StringBuilder::new);
    private static final int MAX_LINE = 2048;
    private static FfmpegLog installed;

    private FfmpegLog() {
    }

    /** Routes FFmpeg's log here from {@code level} up (avutil's AV_LOG_* levels). Idempotent. */
    public static synchronized void install(int level) {
        avutil.av_log_set_level(level);
        if (installed == null) {
            installed = new FfmpegLog(); // held: FFmpeg keeps calling the native pointer
            avutil.setLogCallback(installed);
        }
    }

    @Override
    public void call(int level, BytePointer msg) {
        if (level > avutil.av_log_get_level() || msg == null || msg.isNull()) {
            return;
        }
        StringBuilder line = PENDING.get();
        line.append(msg.getString());
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) != '\n' && end < MAX_LINE) {
            return; // the rest of the line comes in the next call
        }
        String text = line.toString().strip();
        line.setLength(0);
        if (text.isEmpty()) {
            return;
        }
        if (level <= avutil.AV_LOG_ERROR) {
            LOG.error(text);
        } else if (level <= avutil.AV_LOG_WARNING) {
            LOG.warn(text);
        } else if (level <= avutil.AV_LOG_INFO) {
            LOG.info(text);
        } else {
            LOG.debug(text);
        }
    }
}
