package io.tributary.ssai;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AdSegmentCatalogTest {

    static AdSegmentCatalog.Rendition video(String name, int height) {
        return new AdSegmentCatalog.Rendition(name, height, false, List.of("seg_0.m4s"), List.of(1.0));
    }

    @Test
    void aLiveRenditionPlaysTheAdRenditionOfItsNameElseTheNearestInHeight() {
        AdSegmentCatalog.Asset asset = new AdSegmentCatalog.Asset("a0000000000000001", List.of(video("hd", 720), video("alt", 720),
                video("sd", 360), new AdSegmentCatalog.Rendition("audio", 0, true, List.of("seg_0.m4s"), List.of(1.0))));
        // conditioned to the stream's ladder: its namesake, even where another rendition is as near in height
        assertEquals("alt", asset.pick("alt", false, 720).name());
        assertEquals("sd", asset.pick("sd", false, 360).name());
        // a creative with other names (the VOD template, another ladder): the nearest in height
        assertEquals("hd", asset.pick("720p", false, 700).name());
        assertEquals("sd", asset.pick("video", false, 400).name());
        // audio takes audio, whatever a video rendition is called
        assertEquals("audio", asset.pick("audio", true, 0).name());
        assertEquals("hd", asset.pick("audio", false, 720).name());
    }
}
