package io.tributary.media.transcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.cmaf.CmafFragment;
import io.tributary.media.cmaf.CmafInitSegment;
import io.tributary.media.cmaf.CmafSample;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.testing.SyntheticAvSource;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** A real H.264 segment decoded to a JPEG that ImageIO reads back at the asked size. */
class KeyframeThumbnailTest {

    @Test
    void jpegOfTheFirstPictureAtTheAskedWidth() throws Exception {
        List<MediaSample> v;
        AvcConfig avc;
        try (SyntheticAvSource src = new SyntheticAvSource(640, 360, 30, 30, 2, false)) {
            avc = AvcConfig.parse(src.avcDecoderConfigurationRecord());
            v = src.next(1.0).stream().filter(s -> s.track() == Track.VIDEO).toList();
        }
        List<CmafSample> samples = new ArrayList<>();
        for (MediaSample s : v) {
            samples.add(new CmafSample(3000, s.compositionOffset() * 90, s.keyframe(), s.data()));
        }
        byte[] init = CmafInitSegment.video(avc, 1, 90_000);
        byte[] segment = CmafFragment.write(1, 1, 900_000, samples);
        byte[] jpeg = KeyframeThumbnail.jpeg(init, segment, 160, 0.8f);
        assertEquals((byte) 0xFF, jpeg[0]);
        assertEquals((byte) 0xD8, jpeg[1]);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertNotNull(img, "ImageIO decodes it");
        assertEquals(160, img.getWidth());
        assertEquals(90, img.getHeight());
    }

    @Test
    void garbageIsAnIoError() {
        assertThrows(IOException.class, () -> KeyframeThumbnail.jpeg(new byte[64], new byte[64], 160, 0.8f));
    }
}
