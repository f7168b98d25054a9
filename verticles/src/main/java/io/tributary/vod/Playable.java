package io.tributary.vod;

/** What playback needs of an asset's row: when it may be played and, when it is encrypted, its key epoch (0: clear). */
record Playable(AvailabilityWindow window, long keyEpoch) {

    boolean encrypted() {
        return keyEpoch != 0;
    }
}
