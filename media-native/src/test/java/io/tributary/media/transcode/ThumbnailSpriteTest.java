package io.tributary.media.transcode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebVTT map's arithmetic: times past an hour, rows wrapping at the column count. */
class ThumbnailSpriteTest {

    @Test
    void theMapWalksTheGridRowByRow() {
        List<ThumbnailSprite.Span> spans = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            spans.add(new ThumbnailSprite.Span(i * 300.0, i == 12 ? 3661.5 : (i + 1) * 300.0));
        }
        String vtt = new ThumbnailSprite.Sheet(new byte[0], 10, 2, 160, 90, spans).vtt("sprite.jpg");
        assertTrue(vtt.startsWith("WEBVTT\n\n00:00:00.000 --> 00:05:00.000\nsprite.jpg#xywh=0,0,160,90\n"), vtt);
        assertTrue(vtt.contains("\n00:45:00.000 --> 00:50:00.000\nsprite.jpg#xywh=1440,0,160,90\n"), vtt);
        assertTrue(vtt.contains("\n00:50:00.000 --> 00:55:00.000\nsprite.jpg#xywh=0,90,160,90\n"), vtt);
        assertTrue(vtt.endsWith("\n01:00:00.000 --> 01:01:01.500\nsprite.jpg#xywh=320,90,160,90\n"), vtt);
        assertEquals(13, vtt.split("-->").length - 1);
    }

    @Test
    void timesRoundToTheMillisecond() {
        assertEquals("00:00:03.999", ThumbnailSprite.time(3.9994));
        assertEquals("10:00:00.000", ThumbnailSprite.time(36000));
    }
}
