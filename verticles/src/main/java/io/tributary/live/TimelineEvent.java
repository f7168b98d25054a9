package io.tributary.live;

import io.tributary.media.CueKind;
import io.tributary.media.timeline.MediaPart;
import io.tributary.media.timeline.MediaSegment;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What happens on a live stream's timeline, as its subscribers on the node see it
 * ({@link TimelineEvents}). Events of one stream arrive in the order the stream's
 * writer made them. Media comes as read-only views: nothing is copied per subscriber.
 */
public sealed interface TimelineEvent {

    /** The stream key the event is about. */
    String stream();

    /** A stream was created on this node by its first publisher. */
    record StreamStarted(String stream, String protocol) implements TimelineEvent {
    }

    /**
     * The stream's renditions are (re)built: a new video config, a ladder decided. Names are
     * video renditions highest first, then {@code audio} when there is audio.
     */
    record RenditionsChanged(String stream, List<String> renditions) implements TimelineEvent {
    }

    /** A part of segment {@code msn} was published and is fetchable now. */
    record PartPublished(String stream, String rendition, MediaPart part, long atNanos) implements TimelineEvent {
    }

    /**
     * Segment {@code segment.msn()} of a rendition is complete.
     *
     * @param timescale   the track timescale of {@code segment.startTime()} (media time)
     * @param duration    seconds
     * @param init        the init segment its samples need (version {@code segment.initVersion()})
     */
    record SegmentCompleted(String stream, String rendition, MediaSegment segment, int timescale, double duration,
                            ByteBuffer init, long atNanos) implements TimelineEvent {

        public long msn() {
            return segment.msn();
        }

        /** Wall-clock milliseconds of the first sample (EXT-X-PROGRAM-DATE-TIME). */
        public long programDateTime() {
            return segment.programDateTime();
        }

        /** Read-only views of the fragments; served back to back they are the segment. */
        public ByteBuffer[] chunks() {
            return segment.chunks();
        }
    }

    /** A publisher came back after a drop: the next segment of every rendition starts after a discontinuity. */
    record Discontinuity(String stream) implements TimelineEvent {
    }

    /**
     * An ad break cue: an {@code OUT} starts a break of {@code durationSeconds} (0 = open-ended) at
     * {@code mediaTimeMs} on the stream's media clock; an {@code IN} cue ends it; a {@code CMD} is an
     * SCTE-35 signal that is neither. From SCTE-35 in a source, or an operator's API call.
     * {@code scte35} is the splice_info_section it came in (read-only), or null.
     */
    record Cue(String stream, CueKind kind, long mediaTimeMs, double durationSeconds, String id, byte[] scte35)
            implements TimelineEvent {

        /** A cue that did not come in an SCTE-35 section (an operator's call, an RTMP onCuePoint). */
        public Cue(String stream, boolean out, long mediaTimeMs, double durationSeconds, String id) {
            this(stream, CueKind.of(out), mediaTimeMs, durationSeconds, id, null);
        }

        public boolean out() {
            return kind == CueKind.OUT;
        }
    }

    /**
     * An ad break known before its start: a FAST schedule's next break, an SCTE-35 splice with its
     * pre-roll, an operator's break. {@code date} is its start on the program date-time clock (ms);
     * the {@link Cue} that puts it in the playlists comes later (its EXT-X-DATERANGE ID is
     * {@code RenditionTimeline.rangeId(id, d)} for the date d of the part it lands on, at or just after {@code date}).
     * May come more than once for one break.
     */
    record BreakAhead(String stream, String id, long date, double durationSeconds) implements TimelineEvent {
    }

    /** The publisher left (the stream waits out the reconnect grace; its open segments were closed). */
    record PublisherLeft(String stream) implements TimelineEvent {
    }

    /** No publisher came back: the playlists end (EXT-X-ENDLIST); the stream stays fetchable for a while. */
    record StreamEnded(String stream) implements TimelineEvent {
    }

    /** The ended stream is dropped from the node. */
    record StreamRemoved(String stream) implements TimelineEvent {
    }

    /** Sent to one subscriber that fell behind: {@code dropped} events it did not get (its queue was full). */
    record Lagged(String stream, long dropped) implements TimelineEvent {
    }
}
