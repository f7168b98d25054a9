package io.tributary.media;

/** The two elementary tracks a live stream carries. */
public enum Track { VIDEO, AUDIO }
