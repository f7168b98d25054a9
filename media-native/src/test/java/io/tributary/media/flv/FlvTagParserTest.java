package io.tributary.media.flv;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.VideoCodec;
import io.tributary.media.MediaEvent;
import io.tributary.media.flv.FlvFormatException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlvTagParserTest {

    private final FlvTagParser parser = new FlvTagParser();

    private static MediaSample sample(MediaEvent e) {
        return assertInstanceOf(MediaEvent.Sample.class, e).sample();
    }

    @Test
    void avcSequenceHeaderBecomesVideoConfigWithTheRecordBytes() {
        byte[] record = {1, 0x42, (byte) 0xC0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, 2, 0x67, 0x42};
        byte[] tag = new byte[5 + record.length];
        tag[0] = 0x17;
        System.arraycopy(record, 0, tag, 5, record.length);
        assertArrayEquals(record, assertInstanceOf(MediaEvent.VideoConfig.class, parser.parseVideo(0, tag)).avcDecoderConfigurationRecord());
    }

    @Test
    void avcNaluCarriesSignedCompositionOffsetAndKeyframeFlag() {
        MediaSample key = sample(parser.parseVideo(1234, new byte[] {0x17, 1, 0, 0, 80, 0, 0, 0, 1, 0x65}));
        assertEquals(Track.VIDEO, key.track());
        assertEquals(1234, key.dts());
        assertEquals(80, key.compositionOffset());
        assertTrue(key.keyframe());
        assertArrayEquals(new byte[] {0, 0, 0, 1, 0x65}, key.data());

        MediaSample inter = sample(parser.parseVideo(1274, new byte[] {0x27, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xD8, 9}));
        assertEquals(-40, inter.compositionOffset());
        assertFalse(inter.keyframe());
        assertEquals(1234, inter.pts());

        assertNull(parser.parseVideo(0, new byte[] {0x17, 2, 0, 0, 0}), "end of sequence yields nothing");
        assertNull(parser.parseVideo(0, new byte[] {0x57, 0}), "video info/command frame yields nothing");
        assertNull(parser.parseVideo(0, new byte[0]));
    }

    @Test
    void aacHeaderAndFrames() {
        assertArrayEquals(new byte[] {0x12, 0x10},
                assertInstanceOf(MediaEvent.AudioConfig.class, parser.parseAudio(0, new byte[] {(byte) 0xAF, 0, 0x12, 0x10})).audioSpecificConfig());
        MediaSample frame = sample(parser.parseAudio(23, new byte[] {(byte) 0xAF, 1, 0x21, 0x22}));
        assertEquals(Track.AUDIO, frame.track());
        assertEquals(23, frame.dts());
        assertEquals(0, frame.compositionOffset());
        assertTrue(frame.keyframe());
        assertArrayEquals(new byte[] {0x21, 0x22}, frame.data());
    }

    @Test
    void enhancedRtmpAvc1AndMp4aAreIngested() {
        byte[] start = {(byte) 0x90, 'a', 'v', 'c', '1', 1, 0x64};
        assertArrayEquals(new byte[] {1, 0x64}, assertInstanceOf(MediaEvent.VideoConfig.class, parser.parseVideo(0, start))
                .avcDecoderConfigurationRecord());
        MediaSample coded = sample(parser.parseVideo(40, new byte[] {(byte) 0x91, 'a', 'v', 'c', '1', 0, 0, 40, 7, 7}));
        assertEquals(40, coded.compositionOffset());
        assertTrue(coded.keyframe());
        MediaSample codedX = sample(parser.parseVideo(80, new byte[] {(byte) 0xA3, 'a', 'v', 'c', '1', 8}));
        assertEquals(0, codedX.compositionOffset());
        assertFalse(codedX.keyframe());
        assertArrayEquals(new byte[] {8}, codedX.data());
        // ModEx prefix (2 bytes of modifier data) before the real packet type
        MediaSample modEx = sample(parser.parseVideo(120, new byte[] {(byte) 0xA7, 1, 0, 0, 0x03, 'a', 'v', 'c', '1', 5}));
        assertArrayEquals(new byte[] {5}, modEx.data());

        assertInstanceOf(MediaEvent.AudioConfig.class, parser.parseAudio(0, new byte[] {(byte) 0x90, 'm', 'p', '4', 'a', 0x12, 0x10}));
        assertArrayEquals(new byte[] {3}, sample(parser.parseAudio(0, new byte[] {(byte) 0x91, 'm', 'p', '4', 'a', 3})).data());
    }

    @Test
    void enhancedRtmpHvc1CarriesCompositionTimeOnlyInCodedFrames() {
        MediaEvent.VideoConfig config = assertInstanceOf(MediaEvent.VideoConfig.class,
                parser.parseVideo(0, new byte[] {(byte) 0x90, 'h', 'v', 'c', '1', 1, 2, 3}));
        assertEquals(VideoCodec.H265, config.codec());
        assertArrayEquals(new byte[] {1, 2, 3}, config.record());
        MediaSample coded = sample(parser.parseVideo(40, new byte[] {(byte) 0x91, 'h', 'v', 'c', '1', (byte) 0xFF, (byte) 0xFF, (byte) 0xD8, 0, 0, 0, 1, 0x26}));
        assertEquals(-40, coded.compositionOffset());
        assertTrue(coded.keyframe());
        assertArrayEquals(new byte[] {0, 0, 0, 1, 0x26}, coded.data());
        MediaSample codedX = sample(parser.parseVideo(80, new byte[] {(byte) 0xA3, 'h', 'v', 'c', '1', 0, 0, 0, 1, 2}));
        assertEquals(0, codedX.compositionOffset());
        assertFalse(codedX.keyframe());
        assertArrayEquals(new byte[] {0, 0, 0, 1, 2}, codedX.data());
        assertNull(parser.parseVideo(120, new byte[] {(byte) 0x92, 'h', 'v', 'c', '1'}), "sequence end yields nothing");
        assertThrows(FlvFormatException.class, () -> parser.parseVideo(0, new byte[] {(byte) 0x90, 'h', 'v', 'c', '1'}));
    }

    @Test
    void enhancedRtmpAv01HasNoCompositionTimeAndLosesTemporalDelimiters() {
        MediaEvent.VideoConfig config = assertInstanceOf(MediaEvent.VideoConfig.class,
                parser.parseVideo(0, new byte[] {(byte) 0x90, 'a', 'v', '0', '1', (byte) 0x81, 0, 0x0C, 0}));
        assertEquals(VideoCodec.AV1, config.codec());
        // temporal delimiter (type 2, size 0), then a frame OBU (type 6) of 2 bytes
        byte[] td = {0x12, 0};
        byte[] frame = {0x32, 2, 9, 9};
        byte[] body = new byte[5 + td.length + frame.length];
        body[0] = (byte) 0x91;
        body[1] = 'a';
        body[2] = 'v';
        body[3] = '0';
        body[4] = '1';
        System.arraycopy(td, 0, body, 5, td.length);
        System.arraycopy(frame, 0, body, 7, frame.length);
        MediaSample coded = sample(parser.parseVideo(40, body));
        assertEquals(0, coded.compositionOffset(), "the first bytes are OBUs, not a composition time");
        assertTrue(coded.keyframe());
        assertArrayEquals(frame, coded.data());
        // OBUs without size fields are passed on as they came
        byte[] noSizes = {0x30, 1, 2, 3};
        assertArrayEquals(noSizes, FlvTagParser.withoutTemporalDelimiters(noSizes));
        assertNull(parser.parseVideo(80, new byte[] {(byte) 0x91, 'a', 'v', '0', '1', 0x12, 0}),
                "a tag of nothing but a temporal delimiter carries no frame");
    }

    /** Seeded: random hvc1/av01 bodies either parse or raise FlvFormatException; OBU filtering never grows data. */
    @Test
    void enhancedHevcAndAv1TagsSurviveRandomBodies() {
        java.util.Random random = new java.util.Random(0x11C0DEC5L);
        byte[][] fourCcs = {{'h', 'v', 'c', '1'}, {'a', 'v', '0', '1'}};
        int samples = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] body = new byte[random.nextInt(48)];
            random.nextBytes(body);
            if (random.nextBoolean()) { // OBU-shaped bodies: headers with size fields, some temporal delimiters
                for (int at = 0; at + 2 <= body.length; at += 2 + (body[at + 1] & 0x07)) {
                    body[at] = (byte) ((random.nextInt(4) == 0 ? 2 : 1 + random.nextInt(8)) << 3 | 0x02);
                    body[at + 1] &= 0x07;
                }
            }
            byte[] tag = new byte[5 + body.length];
            tag[0] = (byte) (0x80 | (1 + random.nextInt(2)) << 4 | random.nextInt(4)); // key/inter, packet types 0-3
            System.arraycopy(fourCcs[random.nextInt(2)], 0, tag, 1, 4);
            System.arraycopy(body, 0, tag, 5, body.length);
            try {
                MediaEvent e = parser.parseVideo(i, tag);
                if (e instanceof MediaEvent.Sample) {
                    samples++;
                }
            } catch (FlvFormatException expected) {
                // fine: truncated or empty sequence start
            }
            byte[] kept = FlvTagParser.withoutTemporalDelimiters(body);
            assertTrue(kept.length <= body.length);
        }
        assertTrue(samples > 1000, "the fuzz must reach coded frames: " + samples);
    }

    @Test
    void otherCodecsAreReportedOnceUntilTheCodecChanges() {
        byte[] vp9 = {(byte) 0x91, 'v', 'p', '0', '9', 0, 0, 0, 1};
        assertEquals(new MediaEvent.UnsupportedCodec(Track.VIDEO, "vp09"), parser.parseVideo(0, vp9));
        assertNull(parser.parseVideo(40, vp9));
        assertEquals(new MediaEvent.UnsupportedCodec(Track.VIDEO, "vvc1"), parser.parseVideo(80, new byte[] {(byte) 0x90, 'v', 'v', 'c', '1'}));
        assertEquals(new MediaEvent.UnsupportedCodec(Track.VIDEO, "hevc"), parser.parseVideo(0, new byte[] {0x1C, 1, 0, 0, 0}));
        assertEquals(new MediaEvent.UnsupportedCodec(Track.VIDEO, "vp6"), parser.parseVideo(0, new byte[] {0x14, 0}));
        assertEquals(new MediaEvent.UnsupportedCodec(Track.AUDIO, "mp3"), parser.parseAudio(0, new byte[] {0x2F, 1}));
        assertNull(parser.parseAudio(26, new byte[] {0x2F, 1}));
        assertEquals(new MediaEvent.UnsupportedCodec(Track.AUDIO, "Opus"), parser.parseAudio(0, new byte[] {(byte) 0x91, 'O', 'p', 'u', 's', 1}));
    }

    @Test
    void truncatedTagsRaiseTheProtocolException() {
        FlvFormatException e = assertThrows(FlvFormatException.class, () -> parser.parseVideo(0, new byte[] {0x17, 1, 0}));
        assertEquals("truncated FLV video tag: need 3 more bytes, 1 left", e.getMessage());
        assertThrows(FlvFormatException.class, () -> parser.parseVideo(0, new byte[] {(byte) 0x91, 'a', 'v'}));
        assertThrows(FlvFormatException.class, () -> parser.parseAudio(0, new byte[] {(byte) 0xAF}));
        assertThrows(FlvFormatException.class, () -> parser.parseVideo(0, new byte[] {0x17, 0, 0, 0, 0}), "empty sequence header");
        assertThrows(FlvFormatException.class, () -> parser.parseVideo(0, new byte[] {0x17, 9, 0, 0, 0, 1}), "unknown packet type");
    }
}
