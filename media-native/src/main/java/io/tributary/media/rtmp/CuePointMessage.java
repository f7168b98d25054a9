package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;
import io.tributary.media.scte35.Scte35FormatException;
import io.tributary.media.scte35.Scte35Parser;
import io.tributary.media.scte35.SpliceCues;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Ad cues that encoders send over RTMP as AMF data messages, into the same {@link MediaEvent.Cue}
 * as SCTE-35 in MPEG-TS: {@code onCuePoint} (Flash/Wowza/Elemental style: name, type, time,
 * parameters) and {@code onAdCue}, either carrying a base64 splice_info_section in {@code cue}
 * (SCTE-35 mode) or naming the splice in {@code type}/{@code name} (SpliceOut / SpliceIn, cue-out /
 * cue-in, ...). The cue takes the message's timestamp: the encoder sends it at the splice point.
 * Anything else (navigation and event cue points of other meanings), and a cue whose SCTE-35
 * section does not parse, yields null.
 */
final class CuePointMessage {

    private static final int MAX_ID = 64;

    private CuePointMessage() {
    }

    static boolean isCue(String handler) {
        return "onCuePoint".equals(handler) || "onAdCue".equals(handler);
    }

    static MediaEvent.Cue parse(Map<?, ?> fields, long timestampMs) {
        Map<?, ?> params = get(fields, "parameters") instanceof Map<?, ?> m ? m : Map.of();
        Object cue = first(fields, params, "cue");
        if (cue instanceof String b64 && !b64.isEmpty()) {
            try {
                byte[] section = Base64.getDecoder().decode(b64.trim());
                List<MediaEvent.Cue> cues = SpliceCues.of(Scte35Parser.parse(section), pts -> timestampMs, timestampMs);
                return cues.isEmpty() ? null : cues.get(0);
            } catch (IllegalArgumentException | Scte35FormatException e) {
                return null; // a damaged cue is dropped, as in MPEG-TS: the media it rides with is fine
            }
        }
        Boolean out = direction(first(fields, params, "type"));
        if (out == null) {
            out = direction(first(fields, params, "name"));
        }
        if (out == null) {
            return null;
        }
        double duration = first(fields, params, "duration") instanceof Number n && n.doubleValue() > 0
                && n.doubleValue() < 86_400 ? n.doubleValue() : 0;
        Object id = first(fields, params, "id");
        String text = id instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue())
                : id != null ? String.valueOf(id) : null;
        if (text != null && text.length() > MAX_ID) {
            text = text.substring(0, MAX_ID);
        }
        return new MediaEvent.Cue(out, timestampMs, out ? duration : 0, text, null);
    }

    private static Boolean direction(Object v) {
        if (!(v instanceof String s)) {
            return null;
        }
        return switch (s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "spliceout", "cueout", "out", "adstart", "breakstart", "start" -> Boolean.TRUE;
            case "splicein", "cuein", "in", "adend", "breakend", "end", "return" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static Object first(Map<?, ?> fields, Map<?, ?> params, String key) {
        Object v = get(fields, key);
        return v != null ? v : get(params, key);
    }

    private static Object get(Map<?, ?> map, String key) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (key.equalsIgnoreCase(String.valueOf(e.getKey()))) {
                return e.getValue();
            }
        }
        return null;
    }
}
