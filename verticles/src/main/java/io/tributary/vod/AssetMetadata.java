package io.tributary.vod;

import io.tributary.StatusException;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a catalog user says about an asset: title, description, tags, languages (BCP 47 tags such
 * as {@code en}, {@code pt-BR}) and the window it may be played in ({@code availableFrom},
 * {@code availableUntil}, ISO-8601 instants, either end open). Read from an upload's query, an
 * import's JSON or a PATCH, and checked here: a bad field is a 400 naming it.
 *
 * <p>In a PATCH only the fields present change; {@code null} for a window end opens it.
 */
record AssetMetadata(String title, String description, List<String> tags, List<String> languages,
                     Instant availableFrom, Instant availableUntil, Set<String> present) {

    static final int MAX_TITLE = 200;
    static final int MAX_DESCRIPTION = 5000;
    static final int MAX_TAGS = 32;
    static final int MAX_LANGUAGES = 16;
    static final Pattern TAG = Pattern.compile("[\\p{L}\\p{N} _.-]{1,40}");
    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}");
    static final Set<String> EDITABLE = Set.of("title", "description", "tags", "languages", "availableFrom", "availableUntil");

    /** An upload's query ({@code ?title=&description=&tags=a,b&languages=en,fr&availableFrom=&availableUntil=}). */
    static AssetMetadata fromQuery(MultiMap q) {
        JsonObject json = new JsonObject();
        for (String k : EDITABLE) {
            String v = q.get(k);
            if (v == null) {
                continue;
            }
            json.put(k, k.equals("tags") || k.equals("languages")
                    ? new JsonArray(v.isBlank() ? List.of() : Arrays.stream(v.split(",")).map(String::trim).toList()) : v);
        }
        return create(json, "untitled");
    }

    /** A new asset's metadata from JSON; {@code defaultTitle} when none is given. */
    static AssetMetadata create(JsonObject json, String defaultTitle) {
        AssetMetadata m = read(json);
        String title = m.present.contains("title") ? m.title : defaultTitle;
        return new AssetMetadata(title, m.description == null ? "" : m.description, m.tags == null ? List.of() : m.tags,
                m.languages == null ? List.of() : m.languages, m.availableFrom, m.availableUntil, m.present);
    }

    /** A PATCH body: only editable fields, each checked; what is absent stays as it is. */
    static AssetMetadata patch(JsonObject json) {
        for (String k : json.fieldNames()) {
            if (!EDITABLE.contains(k)) {
                throw StatusException.badRequest(k + ": not an editable field (" + String.join(", ", EDITABLE.stream().sorted().toList()) + ")");
            }
        }
        return read(json);
    }

    private static AssetMetadata read(JsonObject json) {
        String title = null;
        if (json.containsKey("title")) {
            title = text(json.getValue("title"), "title", MAX_TITLE);
            if (title.isEmpty()) {
                throw StatusException.badRequest("title: a non-empty string");
            }
        }
        String description = json.containsKey("description") ? text(json.getValue("description"), "description", MAX_DESCRIPTION) : null;
        List<String> tags = json.containsKey("tags") ? list(json.getValue("tags"), "tags", MAX_TAGS, TAG,
                "1 to 40 letters, digits, spaces, _ . -") : null;
        List<String> languages = json.containsKey("languages") ? list(json.getValue("languages"), "languages", MAX_LANGUAGES, LANGUAGE,
                "a BCP 47 language tag such as en, fra or pt-BR") : null;
        Instant from = instant(json, "availableFrom");
        Instant until = instant(json, "availableUntil");
        if (from != null && until != null && !from.isBefore(until)) {
            throw StatusException.badRequest("availableUntil: after availableFrom");
        }
        Set<String> present = Set.copyOf(json.fieldNames().stream().filter(EDITABLE::contains).toList());
        return new AssetMetadata(title, description, tags, languages, from, until, present);
    }

    boolean has(String field) {
        return present.contains(field);
    }

    private static String text(Object v, String field, int max) {
        if (!(v instanceof String s)) {
            throw StatusException.badRequest(field + ": a string");
        }
        String t = s.strip();
        if (t.length() > max || t.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\t')) {
            throw StatusException.badRequest(field + ": at most " + max + " characters, no control characters");
        }
        return t;
    }

    private static List<String> list(Object v, String field, int max, Pattern each, String what) {
        if (!(v instanceof JsonArray a) || a.size() > max) {
            throw StatusException.badRequest(field + ": an array of at most " + max + " strings");
        }
        List<String> out = new ArrayList<>();
        for (Object t : a) {
            if (!(t instanceof String s) || !each.matcher(s).matches()) {
                throw StatusException.badRequest(field + ": each " + what + " (was " + t + ")");
            }
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** An ISO-8601 instant ({@code 2027-01-01T00:00:00Z}), or null for an absent or null field (an open end). */
    private static Instant instant(JsonObject json, String field) {
        Object v = json.getValue(field);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            try {
                return java.time.OffsetDateTime.parse(s.strip()).toInstant();
            } catch (DateTimeParseException e) {
                // answered below
            }
        }
        throw StatusException.badRequest(field + ": an ISO-8601 date-time with its offset, like 2027-01-01T00:00:00Z (was " + v + ")");
    }
}
