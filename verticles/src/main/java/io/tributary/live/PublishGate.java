package io.tributary.live;

/**
 * Whether a publisher may take a stream key with the secret it presented, beyond the keys
 * configured for anonymous publishing ({@code rtmp.stream-keys}). Synchronous: SRT decides in its
 * handshake, so the answer comes from memory.
 */
public interface PublishGate {

    /** No publish secrets on this node (no accounts): only the anonymous keys publish. */
    PublishGate NONE = (key, secret) -> "stream key '" + key + "' is not allowed on this server";

    /** Null when {@code key} may publish with {@code secret} (null: none given); else the reason the publisher is told. */
    String refusal(String key, String secret);

    /** Whether {@code key} is a stream with a publish secret (a publisher without one should authenticate). */
    default boolean hasSecret(String key) {
        return false;
    }

    /**
     * A stream name and the secret that came with it: {@code NAME?secret=S} (a query, as RTMP URLs and
     * OBS's key field carry it) or {@code NAME.S} ('.' is no character of a stream key).
     */
    record Credentials(String key, String secret) {

        public static final char SEPARATOR = '.';

        /** From a publish name without its query, and the query ("" for none). */
        public static Credentials parse(String name, String query) {
            String secret = null;
            if (query != null && !query.isEmpty()) {
                for (String pair : query.split("&")) {
                    if (pair.startsWith("secret=")) {
                        secret = java.net.URLDecoder.decode(pair.substring(7), java.nio.charset.StandardCharsets.UTF_8);
                    }
                }
            }
            int dot = name.indexOf(SEPARATOR);
            if (dot >= 0) {
                return new Credentials(name.substring(0, dot), secret != null ? secret : name.substring(dot + 1));
            }
            return new Credentials(name, secret);
        }
    }
}
