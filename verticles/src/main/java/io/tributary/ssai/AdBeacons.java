package io.tributary.ssai;

import io.vertx.core.Future;

import java.util.List;

/**
 * Sends VAST tracking and error URLs from the server (server-side beacons). Implementations
 * retry with a timeout on their own outbound client and bound what they queue, so a slow or
 * dead ad server never backs up into delivery: {@link #send} never blocks and its future tells
 * how the sending ended (it fails when every try failed or the queue was full).
 */
public interface AdBeacons {

    /** Sends each URL once (with retries), after replacing VAST macros ({@code [CACHEBUSTING]}, {@code [TIMESTAMP]}, {@code [ERRORCODE]}). */
    Future<Void> send(List<String> urls, String event, AdPod.Ad ad, String session);
}
