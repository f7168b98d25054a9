package io.tributary.media.transcode;

/**
 * Tuning of a {@link LiveTranscoder}.
 *
 * @param sourceQueueCapacity compressed source samples waiting for the decode thread; beyond it
 *                            {@code offer} drops samples until the next keyframe
 * @param rungQueueCapacity   decoded frames waiting for one rung's encoder (they are shared
 *                            references to the decoder's pictures, so this bounds native memory)
 * @param maxLagMillis        a rung whose backlog spans more than this (about one segment) drops
 *                            its backlog and new frames until the next source keyframe
 * @param frameRate           nominal source frame rate for the encoders' VUI and level
 *                            choice; rate control follows the actual timestamps
 * @param threadsPerEncoder   x264 threads per rung; 0 shares the machine's cores among the rungs
 *                            by picture size
 */
public record TranscodeOptions(int sourceQueueCapacity, int rungQueueCapacity, long maxLagMillis, int frameRate,
        int threadsPerEncoder) {

    public TranscodeOptions {
        if (sourceQueueCapacity < 1 || rungQueueCapacity < 1) {
            throw new IllegalArgumentException("queue capacities must be >= 1");
        }
        if (maxLagMillis < 1 || frameRate < 1 || frameRate > 1000 || threadsPerEncoder < 0) {
            throw new IllegalArgumentException("bad options " + maxLagMillis + "ms " + frameRate + "fps "
                    + threadsPerEncoder + " threads");
        }
    }

    public static TranscodeOptions defaults() {
        return new TranscodeOptions(240, 90, 2000, 30, 0);
    }

    public TranscodeOptions withRungQueueCapacity(int v) {
        return new TranscodeOptions(sourceQueueCapacity, v, maxLagMillis, frameRate, threadsPerEncoder);
    }

    public TranscodeOptions withSourceQueueCapacity(int v) {
        return new TranscodeOptions(v, rungQueueCapacity, maxLagMillis, frameRate, threadsPerEncoder);
    }

    public TranscodeOptions withMaxLagMillis(long v) {
        return new TranscodeOptions(sourceQueueCapacity, rungQueueCapacity, v, frameRate, threadsPerEncoder);
    }

    public TranscodeOptions withFrameRate(int v) {
        return new TranscodeOptions(sourceQueueCapacity, rungQueueCapacity, maxLagMillis, v, threadsPerEncoder);
    }

    public TranscodeOptions withThreadsPerEncoder(int v) {
        return new TranscodeOptions(sourceQueueCapacity, rungQueueCapacity, maxLagMillis, frameRate, v);
    }
}
