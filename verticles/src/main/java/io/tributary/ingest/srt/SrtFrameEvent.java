package io.tributary.ingest.srt;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A video frame of an SRT publisher handed to its publication, as a Flight Recorder event
 * (off unless a recording enables it; then one small event per frame). With
 * {@code System.nanoTime()} in the event, a generator on the same machine joins it to the
 * frame's send time: the SRT benchmark's end-to-end latency under loss.
 */
@Name("io.tributary.SrtFrame")
@Label("SRT frame published")
@Category({"Tributary", "Ingest"})
@Description("A video frame from an SRT caller reached its publication")
@StackTrace(false)
@Enabled(false)
final class SrtFrameEvent extends Event {

    @Label("Stream key")
    String stream;

    @Label("DTS (ms, publisher clock)")
    long dtsMs;

    @Label("System.nanoTime() when the frame reached the publication")
    long nanoTime;
}
