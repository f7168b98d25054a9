package io.tributary.transport;

import io.tributary.config.Settings;

/**
 * How the node's sockets are driven ({@code net.*}).
 *
 * @param nativeTransport prefer Netty's epoll transport (Linux x86-64 and arm64) to Java NIO (default off:
 *                        see bench/results/fanout*); where it cannot load the node runs on NIO and says why
 */
public record NetSettings(boolean nativeTransport) {

    public static NetSettings from(Settings s) {
        return new NetSettings(s.bool("net.native-transport"));
    }
}
