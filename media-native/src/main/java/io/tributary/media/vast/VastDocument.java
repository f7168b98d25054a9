package io.tributary.media.vast;

import java.util.List;

/**
 * A parsed VAST response.
 *
 * @param version the {@code VAST version} attribute (2.0, 3.0, 4.0, 4.1, 4.2, ...)
 * @param ads     the ads in document order; empty for a "no ad" answer
 * @param errors  the root {@code Error} URLs an ad server puts in a "no ad" answer
 */
public record VastDocument(String version, List<VastAd> ads, List<String> errors) {

    public VastDocument {
        ads = List.copyOf(ads);
        errors = List.copyOf(errors);
    }
}
