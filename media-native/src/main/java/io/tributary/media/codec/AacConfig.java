package io.tributary.media.codec;

import java.util.Arrays;

/**
 * AAC AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1).
 *
 * <p>{@code audioSpecificConfig} is a private copy of the parsed bytes; treat it as read-only.
 * {@code objectType} is the first signalled audio object type (2 = AAC-LC, 5 = SBR and 29 = PS
 * when HE-AAC is signalled explicitly). {@code sampleRate} is the core AAC sampling frequency,
 * the rate at which one raw frame spans 1024 samples (960 with frameLengthFlag); with explicit
 * HE-AAC signalling the decoder output rate is the extension rate, typically twice that.
 * {@code channels} comes from channelConfiguration, or from the program config element when that is 0.
 */
public record AacConfig(byte[] audioSpecificConfig, int objectType, int sampleRate, int channels) {

    private static final int[] SAMPLE_RATES = {
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350
    };

    private static final int AOT_SBR = 5;
    private static final int AOT_PS = 29;

    public static AacConfig parse(byte[] audioSpecificConfig) {
        if (audioSpecificConfig == null) {
            throw new MediaFormatException("AudioSpecificConfig is null");
        }
        if (audioSpecificConfig.length < 2) {
            throw new MediaFormatException("AudioSpecificConfig too short: " + audioSpecificConfig.length + " bytes");
        }
        BitReader r = new BitReader(audioSpecificConfig, 0, audioSpecificConfig.length);
        int objectType = objectType(r);
        if (objectType == 0) {
            throw new MediaFormatException("AudioSpecificConfig has null object type");
        }
        int sampleRate = samplingFrequency(r);
        int channelConfig = r.bits(4);
        int coreType = objectType;
        if (objectType == AOT_SBR || objectType == AOT_PS) {
            samplingFrequency(r); // extensionSamplingFrequency: output rate, not the frame clock
            coreType = objectType(r);
            if (coreType == 22) { // ER BSAC carries an extra channel config
                r.bits(4);
            }
        }
        int channels = switch (channelConfig) {
            case 1, 2, 3, 4, 5, 6 -> channelConfig;
            case 7 -> 8;
            case 11 -> 7;
            case 12, 14 -> 8;
            case 13 -> 24;
            case 0 -> pceChannels(r, coreType);
            default -> throw new MediaFormatException("reserved channelConfiguration " + channelConfig);
        };
        return new AacConfig(audioSpecificConfig.clone(), objectType, sampleRate, channels);
    }

    /** RFC 6381 codec parameter, e.g. {@code mp4a.40.2}. */
    public String codecString() {
        return "mp4a.40." + objectType;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AacConfig c && Arrays.equals(audioSpecificConfig, c.audioSpecificConfig);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(audioSpecificConfig);
    }

    @Override
    public String toString() {
        return "AacConfig[" + codecString() + " " + sampleRate + " Hz, " + channels + " ch]";
    }

    private static int objectType(BitReader r) {
        int t = r.bits(5);
        return t == 31 ? 32 + r.bits(6) : t;
    }

    private static int samplingFrequency(BitReader r) {
        int index = r.bits(4);
        if (index == 0xF) {
            int rate = r.bits(24);
            if (rate == 0) {
                throw new MediaFormatException("explicit sampling frequency is 0");
            }
            return rate;
        }
        if (index >= SAMPLE_RATES.length) {
            throw new MediaFormatException("reserved samplingFrequencyIndex " + index);
        }
        return SAMPLE_RATES[index];
    }

    /** Counts output channels from the program_config_element in GASpecificConfig. */
    private static int pceChannels(BitReader r, int coreType) {
        switch (coreType) {
            case 1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23 -> { }
            default -> throw new MediaFormatException(
                    "channelConfiguration 0 unsupported for object type " + coreType);
        }
        r.skip(1); // frameLengthFlag
        if (r.flag()) { // dependsOnCoreCoder
            r.skip(14);
        }
        r.skip(1); // extensionFlag
        if (coreType == 6 || coreType == 20) {
            r.skip(3); // layerNr
        }
        // program_config_element (14496-3 4.4.1.1)
        r.skip(4 + 2 + 4); // element_instance_tag, object_type, sampling_frequency_index
        int front = r.bits(4);
        int side = r.bits(4);
        int back = r.bits(4);
        int lfe = r.bits(2);
        r.skip(3 + 4); // num_assoc_data_elements, num_valid_cc_elements
        if (r.flag()) {
            r.skip(4); // mono_mixdown_element_number
        }
        if (r.flag()) {
            r.skip(4); // stereo_mixdown_element_number
        }
        if (r.flag()) {
            r.skip(3); // matrix_mixdown_idx, pseudo_surround_enable
        }
        int channels = 0;
        for (int i = 0; i < front + side + back; i++) {
            channels += r.flag() ? 2 : 1; // is_cpe
            r.skip(4);
        }
        r.skip(4 * lfe);
        channels += lfe;
        if (channels == 0) {
            throw new MediaFormatException("program config element declares no channels");
        }
        return channels;
    }
}
