package io.tributary.live;

/**
 * Frame rates measured from millisecond timestamps come out as 29.98 or 30.01; players
 * and manifests want the nominal rate the encoder runs at.
 */
final class FrameRates {

    private FrameRates() {
    }

    /** Snaps to a whole rate or its NTSC (x1000/1001) variant when close, else two decimals. */
    static double nominal(double measured) {
        if (!(measured > 0)) {
            return 0;
        }
        long whole = Math.round(measured);
        if (Math.abs(measured - whole) < 0.02) {
            return whole;
        }
        long ntsc = Math.round(measured * 1.001);
        if (Math.abs(measured - ntsc / 1.001) < 0.02) {
            return Math.round(ntsc / 1.001 * 1000) / 1000.0;
        }
        return Math.round(measured * 100) / 100.0;
    }
}
