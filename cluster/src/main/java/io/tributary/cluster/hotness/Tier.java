package io.tributary.cluster.hotness;

/** Hotness tiers by rank: S1 the top 1 % of content, S2 the top 10 % below S1, S3 the rest. */
public enum Tier { S1, S2, S3 }
