package io.tributary.media.cmaf;

import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.HevcConfig;
import io.tributary.media.codec.VideoTrackConfig;

/**
 * CMAF header (ISO/IEC 23000-19 7.3.2): ftyp + moov for a single-track fragmented MP4.
 * The sample tables are empty and mvex/trex announces that all samples live in movie
 * fragments; durations are 0 because the presentation is live and unbounded.
 */
public final class CmafInitSegment {

    /** Movie timescale; only mvhd uses it and mvhd carries no durations. */
    private static final int MOVIE_TIMESCALE = 1000;
    private static final int LANGUAGE_UND = ('u' - 0x60) << 10 | ('n' - 0x60) << 5 | ('d' - 0x60);
    private static final int[] UNITY_MATRIX = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};

    private CmafInitSegment() {
    }

    /**
     * Video init segment: hdlr 'vide', vmhd, and the codec's sample entry carrying
     * {@code config.record()}: avc1+avcC, hvc1+hvcC (with its parameter set arrays marked
     * complete, as 'hvc1' requires) or av01+av1C.
     */
    public static byte[] video(VideoTrackConfig config, int trackId, int timescale) {
        checkTrack(trackId, timescale);
        BoxWriter w = new BoxWriter(640 + config.record().length);
        ftyp(w);
        int moov = w.start("moov");
        mvhd(w, trackId);
        int trak = w.start("trak");
        tkhd(w, trackId, false, config.width(), config.height());
        int mdia = w.start("mdia");
        mdhd(w, timescale);
        hdlr(w, "vide", "VideoHandler");
        int minf = w.start("minf");
        int vmhd = w.startFull("vmhd", 0, 1); // flags=1 is mandated for vmhd
        w.u16(0); // graphicsmode
        w.zeros(6); // opcolor
        w.end(vmhd);
        dinf(w);
        int stbl = w.start("stbl");
        int stsd = w.startFull("stsd", 0, 0);
        w.u32(1);
        int entry = w.start(config.sampleEntry());
        w.zeros(6);
        w.u16(1); // data_reference_index
        w.zeros(16); // pre_defined, reserved, pre_defined[3]
        w.u16(config.width());
        w.u16(config.height());
        w.u32(0x00480000); // 72 dpi
        w.u32(0x00480000);
        w.u32(0);
        w.u16(1); // frame_count
        w.zeros(32); // compressorname
        w.u16(0x0018); // depth
        w.u16(0xFFFF); // pre_defined = -1
        int record = w.start(switch (config.codec()) {
            case H264 -> "avcC";
            case H265 -> "hvcC";
            case AV1 -> "av1C";
        });
        w.bytes(config instanceof HevcConfig h ? h.hvc1Record() : config.record());
        w.end(record);
        w.end(entry);
        w.end(stsd);
        emptySampleTables(w);
        w.end(stbl);
        w.end(minf);
        w.end(mdia);
        w.end(trak);
        mvex(w, trackId);
        w.end(moov);
        return w.toByteArray();
    }

    /**
     * Audio init segment: hdlr 'soun', smhd, mp4a sample entry with esds carrying the
     * AudioSpecificConfig. The track timescale is {@code config.sampleRate()}.
     */
    public static byte[] audio(AacConfig config, int trackId) {
        int timescale = config.sampleRate();
        checkTrack(trackId, timescale);
        byte[] asc = config.audioSpecificConfig();
        BoxWriter w = new BoxWriter(640 + asc.length);
        ftyp(w);
        int moov = w.start("moov");
        mvhd(w, trackId);
        int trak = w.start("trak");
        tkhd(w, trackId, true, 0, 0);
        int mdia = w.start("mdia");
        mdhd(w, timescale);
        hdlr(w, "soun", "SoundHandler");
        int minf = w.start("minf");
        int smhd = w.startFull("smhd", 0, 0);
        w.u16(0); // balance
        w.u16(0);
        w.end(smhd);
        dinf(w);
        int stbl = w.start("stbl");
        int stsd = w.startFull("stsd", 0, 0);
        w.u32(1);
        int mp4a = w.start("mp4a");
        w.zeros(6);
        w.u16(1); // data_reference_index
        w.zeros(8);
        // The decoder takes channels and rate from the ASC; these fields are informative.
        w.u16(Math.min(config.channels(), 0xFFFF));
        w.u16(16); // samplesize
        w.u16(0);
        w.u16(0);
        w.u32(timescale <= 0xFFFF ? timescale << 16 : 0); // 16.16; rates above 65535 do not fit
        esds(w, trackId, asc);
        w.end(mp4a);
        w.end(stsd);
        emptySampleTables(w);
        w.end(stbl);
        w.end(minf);
        w.end(mdia);
        w.end(trak);
        mvex(w, trackId);
        w.end(moov);
        return w.toByteArray();
    }

    private static void checkTrack(int trackId, int timescale) {
        if (trackId <= 0) {
            throw new IllegalArgumentException("trackId must be positive: " + trackId);
        }
        if (timescale <= 0) {
            throw new IllegalArgumentException("timescale must be positive: " + timescale);
        }
    }

    private static void ftyp(BoxWriter w) {
        int ftyp = w.start("ftyp");
        w.fourcc("iso6"); // iso6: tfdt/trun v1 and default-base-is-moof are in scope
        w.u32(0);
        w.fourcc("iso6");
        w.fourcc("cmfc"); // CMAF track conformance
        w.fourcc("mp41");
        w.end(ftyp);
    }

    private static void mvhd(BoxWriter w, int trackId) {
        int mvhd = w.startFull("mvhd", 0, 0);
        w.u32(0); // creation_time
        w.u32(0); // modification_time
        w.u32(MOVIE_TIMESCALE);
        w.u32(0); // duration: unknown (fragmented)
        w.u32(0x00010000); // rate 1.0
        w.u16(0x0100); // volume 1.0
        w.zeros(10);
        matrix(w);
        w.zeros(24); // pre_defined
        w.u32(trackId + 1); // next_track_ID
        w.end(mvhd);
    }

    private static void tkhd(BoxWriter w, int trackId, boolean audio, int width, int height) {
        int tkhd = w.startFull("tkhd", 0, 0x000003); // enabled | in_movie
        w.u32(0);
        w.u32(0);
        w.u32(trackId);
        w.u32(0); // reserved
        w.u32(0); // duration
        w.zeros(8);
        w.u16(0); // layer
        w.u16(0); // alternate_group
        w.u16(audio ? 0x0100 : 0);
        w.u16(0);
        matrix(w);
        // Display size in 16.16; square pixels assumed (the SPS VUI aspect ratio is not applied).
        w.u32(width << 16);
        w.u32(height << 16);
        w.end(tkhd);
    }

    private static void mdhd(BoxWriter w, int timescale) {
        int mdhd = w.startFull("mdhd", 0, 0);
        w.u32(0);
        w.u32(0);
        w.u32(timescale);
        w.u32(0);
        w.u16(LANGUAGE_UND);
        w.u16(0);
        w.end(mdhd);
    }

    private static void hdlr(BoxWriter w, String handlerType, String name) {
        int hdlr = w.startFull("hdlr", 0, 0);
        w.u32(0);
        w.fourcc(handlerType);
        w.zeros(12);
        w.cstring(name);
        w.end(hdlr);
    }

    private static void dinf(BoxWriter w) {
        int dinf = w.start("dinf");
        int dref = w.startFull("dref", 0, 0);
        w.u32(1);
        int url = w.startFull("url ", 0, 1); // self-contained: media is in this file
        w.end(url);
        w.end(dref);
        w.end(dinf);
    }

    private static void emptySampleTables(BoxWriter w) {
        int stts = w.startFull("stts", 0, 0);
        w.u32(0);
        w.end(stts);
        int stsc = w.startFull("stsc", 0, 0);
        w.u32(0);
        w.end(stsc);
        int stsz = w.startFull("stsz", 0, 0);
        w.u32(0); // sample_size
        w.u32(0); // sample_count
        w.end(stsz);
        int stco = w.startFull("stco", 0, 0);
        w.u32(0);
        w.end(stco);
    }

    private static void mvex(BoxWriter w, int trackId) {
        int mvex = w.start("mvex");
        int trex = w.startFull("trex", 0, 0);
        w.u32(trackId);
        w.u32(1); // default_sample_description_index
        w.u32(0); // default_sample_duration
        w.u32(0); // default_sample_size
        w.u32(0); // default_sample_flags
        w.end(trex);
        w.end(mvex);
    }

    private static void matrix(BoxWriter w) {
        for (int v : UNITY_MATRIX) {
            w.u32(v);
        }
    }

    /** esds (ISO/IEC 14496-14 5.6) with ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo. */
    private static void esds(BoxWriter w, int trackId, byte[] asc) {
        int dsiLen = asc.length;
        int dcdLen = 13 + descriptorSize(dsiLen);
        int esLen = 3 + descriptorSize(dcdLen) + descriptorSize(1);
        int esds = w.startFull("esds", 0, 0);
        descriptorHeader(w, 0x03, esLen); // ES_Descriptor
        w.u16(trackId & 0xFFFF); // ES_ID
        w.u8(0); // no stream dependence, URL or OCR stream
        descriptorHeader(w, 0x04, dcdLen); // DecoderConfigDescriptor
        w.u8(0x40); // objectTypeIndication: Audio ISO/IEC 14496-3
        w.u8(0x05 << 2 | 1); // streamType audio, upStream 0, reserved 1
        w.u24(0); // bufferSizeDB: unknown
        w.u32(0); // maxBitrate: unknown
        w.u32(0); // avgBitrate: 0 = variable
        descriptorHeader(w, 0x05, dsiLen); // DecoderSpecificInfo
        w.bytes(asc);
        descriptorHeader(w, 0x06, 1); // SLConfigDescriptor
        w.u8(0x02); // predefined: reserved for MP4 files
        w.end(esds);
    }

    /** Total size of a descriptor whose payload is {@code payload} bytes. */
    private static int descriptorSize(int payload) {
        return 1 + sizeFieldLength(payload) + payload;
    }

    private static int sizeFieldLength(int payload) {
        int n = 1;
        while (payload >= 1 << (7 * n)) {
            n++;
        }
        return n;
    }

    /** Tag plus expandable size field (7 bits per byte, high bit = more bytes follow). */
    private static void descriptorHeader(BoxWriter w, int tag, int payload) {
        w.u8(tag);
        int n = sizeFieldLength(payload);
        for (int i = n - 1; i >= 0; i--) {
            int b = payload >>> (7 * i) & 0x7F;
            w.u8(i > 0 ? b | 0x80 : b);
        }
    }
}
