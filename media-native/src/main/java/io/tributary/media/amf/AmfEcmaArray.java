package io.tributary.media.amf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An AMF0 ECMA array (associative array). It is an ordinary insertion-ordered map; the
 * separate type only lets the writer emit the same marker the reader saw (onMetaData
 * is conventionally an ECMA array, commands use anonymous objects).
 */
public final class AmfEcmaArray extends LinkedHashMap<String, Object> {

    public AmfEcmaArray() {
    }

    public AmfEcmaArray(Map<String, ?> values) {
        super(values);
    }
}
