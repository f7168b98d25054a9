package io.tributary.media.srt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listener's timer wheel: each connection runs at the first tick at or after its time, never before, exactly once. */
class SrtTimerWheelTest {

    private final SrtListener listener = new SrtListener(SrtListenerSettings.defaults(), k -> null, new SrtListenerTest.Net(
            SrtListenerSettings.defaults(), null), new Random(1));

    private SrtConnection connection(int id) {
        return new SrtConnection(listener, id, id, new SrtPeer("10.0.0.1", id), SrtStreamId.parse("live/k" + id), 120, 1, 64, 0, 0,
                null);
    }

    @Test
    void runsEachConnectionAtTheFirstTickAtOrAfterItsTime() {
        SrtTimerWheel wheel = new SrtTimerWheel();
        Random r = new Random(3);
        long now = 5_000_000_123L;
        List<SrtConnection> cs = new ArrayList<>();
        long[] at = new long[300];
        for (int i = 0; i < at.length; i++) {
            SrtConnection c = connection(i + 1);
            cs.add(c);
            at[i] = now + r.nextInt(2_000_000) - 10_000; // some already due, some past the wheel's 512 ms
            wheel.schedule(c, at[i], now);
        }
        long[] ran = new long[at.length];
        for (int tick = 0; tick < 600; tick++) {
            now += 5_000; // the verticle's 5 ms tick
            long t = now;
            wheel.advance(now, c -> {
                int i = cs.indexOf(c);
                if (t >= at[i]) {
                    ran[i]++;
                    assertTrue(t - Math.max(at[i], t - 5_000) <= 6_000, "late by more than a tick and a slot");
                } else {
                    wheel.schedule(c, at[i], t); // parked beyond the span, looked at early: back it goes
                }
            });
        }
        for (int i = 0; i < at.length; i++) {
            assertEquals(1, ran[i], "connection " + i + " at " + at[i]);
        }
    }

    @Test
    void aConnectionRemovedByAnotherDuringATickDoesNotRun() {
        SrtTimerWheel wheel = new SrtTimerWheel();
        SrtConnection a = connection(1);
        SrtConnection b = connection(2);
        wheel.schedule(a, 1_000, 0);
        wheel.schedule(b, 1_000, 0);
        List<SrtConnection> ran = new ArrayList<>();
        wheel.advance(5_000, c -> {
            ran.add(c);
            wheel.remove(c == a ? b : a); // one closes the other (a takeover)
        });
        assertEquals(1, ran.size());
        wheel.advance(600_000, ran::add);
        assertEquals(1, ran.size(), "nothing left on the wheel");
    }

    @Test
    void aWakeAtOrBeforeNowRunsAtTheNextTickNotInTheSameOne() {
        SrtTimerWheel wheel = new SrtTimerWheel();
        SrtConnection a = connection(1);
        wheel.schedule(a, 0, 0);
        int[] runs = {0};
        wheel.advance(10_000, c -> {
            runs[0]++;
            wheel.schedule(c, 0, 10_000); // still due: the next tick, not a loop in this one
        });
        assertEquals(1, runs[0]);
        wheel.advance(10_500, c -> runs[0]++);
        assertEquals(1, runs[0], "the same millisecond: not yet");
        wheel.advance(11_000, c -> runs[0]++);
        assertEquals(2, runs[0]);
    }
}
