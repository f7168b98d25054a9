package io.tributary.media.scte35;

import io.tributary.media.CueKind;
import io.tributary.media.MediaEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Turns a splice_info_section into the protocol-neutral {@link MediaEvent.Cue}s the node puts on
 * its timeline: splice_insert out/in, and time_signal segmentation descriptors of the break,
 * advertisement and placement-opportunity start/end types. A time_signal whose descriptors are of
 * other types (programme, chapter, content identification, ...) is one {@link CueKind#CMD} cue
 * carrying the section, for players and ad systems that read SCTE35-CMD. Cancels, splice_null,
 * a time_signal without descriptors and encrypted sections yield nothing.
 */
public final class SpliceCues {

    private SpliceCues() {
    }

    /**
     * @param ptsToMs maps a 33-bit 90 kHz splice time onto the media clock of the samples, in ms
     * @param nowMs   the media time an immediate splice (or one without a time) happens at
     */
    public static List<MediaEvent.Cue> of(SpliceInfoSection s, LongUnaryOperator ptsToMs, long nowMs) {
        if (s.encrypted()) {
            return List.of();
        }
        long at = s.spliceTime() >= 0 ? ptsToMs.applyAsLong(s.spliceTime()) : nowMs;
        List<MediaEvent.Cue> cues = new ArrayList<>(1);
        if (s.commandType() == SpliceInfoSection.SPLICE_INSERT && s.insert() != null && !s.insert().cancel()) {
            SpliceInfoSection.SpliceInsert i = s.insert();
            double duration = i.durationTicks() > 0 ? i.durationTicks() / 90_000.0 : 0;
            cues.add(new MediaEvent.Cue(i.outOfNetwork(), at, i.outOfNetwork() ? duration : 0,
                    Long.toString(i.eventId()), s.raw()));
        } else if (s.commandType() == SpliceInfoSection.TIME_SIGNAL) {
            SegmentationDescriptor other = null;
            for (SegmentationDescriptor d : s.segmentations()) {
                if (d.cancel()) {
                    continue;
                }
                if (!(d.starts() || d.ends())) {
                    other = other == null ? d : other;
                    continue;
                }
                double duration = d.starts() && d.durationTicks() > 0 ? d.durationTicks() / 90_000.0 : 0;
                cues.add(new MediaEvent.Cue(d.starts(), at, duration, Long.toString(d.eventId()), s.raw()));
            }
            if (cues.isEmpty() && other != null) {
                // the section is carried once, whole: its own descriptors say what it signals
                cues.add(new MediaEvent.Cue(CueKind.CMD, at, 0, Long.toString(other.eventId()), s.raw()));
            }
        }
        return cues;
    }
}
