package io.tributary.media.srt;

/** A caller's UDP address, as the socket reported it (an IP literal, no name lookup). */
public record SrtPeer(String host, int port) {

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
