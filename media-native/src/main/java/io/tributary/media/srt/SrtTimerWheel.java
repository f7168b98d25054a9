package io.tributary.media.srt;

import java.util.function.Consumer;

/**
 * One hashed timer wheel for every connection of a listener: each connection sits in the slot of
 * the next time it has something to do (an ACK, a NAK report, a packet's delivery, a keepalive, a
 * timeout), so a tick visits only the connections that are due instead of every connection every
 * few milliseconds. Slots are 1 ms wide; a wake further than the wheel's span is parked in its last
 * slot and simply looked at early. Connections are linked through their own fields: no allocation.
 */
final class SrtTimerWheel {

    static final long SLOT_MICROS = 1_000;
    static final int SLOTS = 512;

    /** {@link SrtConnection#wheelBucket} of a connection taken off the wheel by a tick and not yet run. */
    private static final int DUE = SLOTS;

    private final SrtConnection[] buckets = new SrtConnection[SLOTS + 1]; // the last: the tick's due list
    /** The next slot (a time in ms) to run; Long.MIN_VALUE before the first use. */
    private long cursor = Long.MIN_VALUE;

    /** Puts {@code c} in the slot of {@code at} (microseconds, at the earliest the next tick), moving it if it was elsewhere. */
    void schedule(SrtConnection c, long at, long now) {
        start(now);
        remove(c);
        // the slot at or after the time: when it runs, the connection's timer is due
        long slot = Math.min(Math.max(Math.floorDiv(at + SLOT_MICROS - 1, SLOT_MICROS), cursor), cursor + SLOTS - 1);
        c.wakeAt = slot * SLOT_MICROS;
        link(c, (int) Math.floorMod(slot, (long) SLOTS));
    }

    /** Takes {@code c} off the wheel (or out of a running tick's due list). */
    void remove(SrtConnection c) {
        if (c.wheelBucket < 0) {
            return;
        }
        if (c.wheelPrev != null) {
            c.wheelPrev.wheelNext = c.wheelNext;
        } else {
            buckets[c.wheelBucket] = c.wheelNext;
        }
        if (c.wheelNext != null) {
            c.wheelNext.wheelPrev = c.wheelPrev;
        }
        c.wheelNext = null;
        c.wheelPrev = null;
        c.wheelBucket = -1;
    }

    /**
     * Runs {@code due} for every connection whose slot is at or before {@code now}, each taken off the wheel first
     * ({@code due} schedules it again, or not). The due slots are emptied before any runs, so whatever {@code due}
     * schedules (or closes) lands after this tick.
     */
    void advance(long now, Consumer<SrtConnection> due) {
        start(now);
        long nowSlot = Math.floorDiv(now, SLOT_MICROS);
        if (nowSlot < cursor) {
            return;
        }
        for (long s = Math.max(cursor, nowSlot - SLOTS + 1); s <= nowSlot; s++) { // after a long pause, every slot once
            int b = (int) Math.floorMod(s, (long) SLOTS);
            SrtConnection c;
            while ((c = buckets[b]) != null) {
                remove(c);
                link(c, DUE);
            }
        }
        cursor = nowSlot + 1;
        SrtConnection c;
        while ((c = buckets[DUE]) != null) {
            remove(c);
            due.accept(c);
        }
    }

    private void link(SrtConnection c, int b) {
        c.wheelBucket = b;
        c.wheelPrev = null;
        c.wheelNext = buckets[b];
        if (c.wheelNext != null) {
            c.wheelNext.wheelPrev = c;
        }
        buckets[b] = c;
    }

    private void start(long now) {
        if (cursor == Long.MIN_VALUE) {
            cursor = Math.floorDiv(now, SLOT_MICROS);
        }
    }
}
