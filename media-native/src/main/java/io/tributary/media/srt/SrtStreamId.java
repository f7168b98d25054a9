package io.tributary.media.srt;

/**
 * What a caller asks for in its Stream ID: the access-control syntax
 * {@code #!::r=live/KEY,m=publish,s=SECRET} or a plain {@code live/KEY} (or just {@code KEY}); a key
 * may carry its publish secret after a '.' ({@code live/KEY.SECRET}), as OBS's single field holds it.
 *
 * @param key     the stream key (the resource without its {@code live/} application, nor a secret)
 * @param publish whether the caller publishes ({@code m=publish}, or no mode given in the plain form)
 * @param secret  the publish secret ({@code s=}, or after the key's '.'), null when none
 */
public record SrtStreamId(String key, boolean publish, String mode, String secret) {

    /** Parses a Stream ID; a malformed one throws with the reason. */
    public static SrtStreamId parse(String id) {
        if (id == null || id.isEmpty()) {
            throw new SrtProtocolException("no Stream ID: publish with streamid=live/KEY or #!::r=live/KEY,m=publish");
        }
        String resource;
        String mode = "publish";
        String secret = null;
        if (id.startsWith("#!::")) {
            resource = null;
            mode = null;
            for (String pair : id.substring(4).split(",", -1)) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new SrtProtocolException("Stream ID item '" + pair + "' is not key=value");
                }
                String k = pair.substring(0, eq).trim();
                String v = pair.substring(eq + 1).trim();
                if (k.equals("r")) {
                    resource = v;
                } else if (k.equals("m")) {
                    mode = v;
                } else if (k.equals("s")) {
                    secret = v;
                }
            }
            if (resource == null) {
                throw new SrtProtocolException("Stream ID has no r= resource");
            }
            if (mode == null) {
                mode = "request"; // the access-control syntax defaults to request
            }
        } else {
            resource = id;
        }
        String key = resource.startsWith("live/") ? resource.substring(5) : resource;
        int dot = key.indexOf('.');
        if (dot >= 0) {
            if (secret == null) {
                secret = key.substring(dot + 1);
            }
            key = key.substring(0, dot);
        }
        if (key.isEmpty()) {
            throw new SrtProtocolException("Stream ID names no stream key");
        }
        return new SrtStreamId(key, mode.equals("publish"), mode, secret);
    }
}
