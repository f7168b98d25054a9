package io.tributary.media.vast;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code Ad} of a VAST document: an {@code InLine} ad (the creative is here) or a
 * {@code Wrapper} (it points at another VAST document, {@link #adTagUri}, and adds its own
 * impressions, errors and tracking to whatever that one returns).
 *
 * @param id          the {@code Ad id}, "" when absent
 * @param sequence    its place in a pod (1, 2, ...), 0 for a stand-alone ad
 * @param wrapper     true for a {@code Wrapper}
 * @param adSystem    the {@code AdSystem}, "" when absent
 * @param adTagUri    a Wrapper's {@code VASTAdTagURI}; "" in an InLine ad
 * @param impressions {@code Impression} URLs
 * @param errors      {@code Error} URLs (macros still in them)
 * @param linears     its linear creatives, in document order
 */
public record VastAd(String id, int sequence, boolean wrapper, String adSystem, String adTagUri, List<String> impressions,
                     List<String> errors, List<VastLinear> linears) {

    public VastAd {
        impressions = List.copyOf(impressions);
        errors = List.copyOf(errors);
        linears = List.copyOf(linears);
    }

    /** The first linear creative that has a duration (an InLine ad's playable part), or null. */
    public VastLinear playable() {
        for (VastLinear l : linears) {
            if (l.durationMs() > 0) {
                return l;
            }
        }
        return null;
    }

    static Map<String, List<String>> copy(Map<String, List<String>> m) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }
}
