package io.tributary.session;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One player beacon, validated: {@code {"sid":"...","stream":"key","events":[...]}} (a VOD viewer's
 * {@code "stream"} is {@code "vod:{asset}"}) with events
 * startup, rebuffer_start, rebuffer_end, switch, error, latency and heartbeat. Anything else is
 * a 400 naming the first problem; nothing of a rejected beacon is counted.
 */
record Beacon(String sid, String stream, List<Event> events) {

    static final int MAX_BYTES = 16 * 1024;
    static final int MAX_EVENTS = 100;

    /**
     * One event; fields a type does not use are NaN / null. {@code playingSeconds} of a heartbeat
     * is the time played since the previous heartbeat (a delta), so totals survive lost beacons.
     */
    record Event(String type, double seconds, String codec, String from, String to, double bitrate, String kind,
                 boolean fatal, double playhead, double buffer, double playingSeconds) {
    }

    static Beacon parse(String text) {
        JsonObject o;
        try {
            o = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            throw StatusException.badRequest("beacon is not a JSON object");
        }
        String stream = string(o, "stream", "stream", 128, true);
        if (!StreamKeys.valid(stream) && !(stream.startsWith(PlaybackSessions.VOD_PREFIX)
                && StreamKeys.valid(stream.substring(PlaybackSessions.VOD_PREFIX.length())))) {
            throw StatusException.badRequest("beacon stream must be a stream key (letters, digits, '-', '_') or vod:{asset}");
        }
        String sid = string(o, "sid", "sid", 64, false);
        Object raw = o.getValue("events");
        if (!(raw instanceof JsonArray events)) {
            throw StatusException.badRequest("beacon events must be an array");
        }
        if (events.size() > MAX_EVENTS) {
            throw StatusException.badRequest("beacon has more than " + MAX_EVENTS + " events");
        }
        List<Event> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            String at = "events[" + i + "]";
            if (!(events.getValue(i) instanceof JsonObject e)) {
                throw StatusException.badRequest(at + " must be an object");
            }
            String type = string(e, "type", at + ".type", 32, true);
            out.add(switch (type) {
                case "startup" -> new Event(type, number(e, "seconds", at, 0, 600, true),
                        string(e, "codec", at + ".codec", 64, false), null, null, Double.NaN, null, false,
                        Double.NaN, Double.NaN, Double.NaN);
                case "rebuffer_start" -> event(type);
                case "rebuffer_end" -> new Event(type, number(e, "seconds", at, 0, 3600, true), null, null, null,
                        Double.NaN, null, false, Double.NaN, Double.NaN, Double.NaN);
                case "switch" -> new Event(type, Double.NaN, null, string(e, "from", at + ".from", 64, false),
                        string(e, "to", at + ".to", 64, false), number(e, "bitrate", at, 0, 1e11, false), null, false,
                        Double.NaN, Double.NaN, Double.NaN);
                case "error" -> new Event(type, Double.NaN, null, null, null, Double.NaN,
                        string(e, "kind", at + ".kind", 64, false), bool(e, "fatal", at), Double.NaN, Double.NaN,
                        Double.NaN);
                case "latency" -> new Event(type, number(e, "seconds", at, 0, 3600, true), null, null, null,
                        Double.NaN, null, false, Double.NaN, Double.NaN, Double.NaN);
                case "heartbeat" -> new Event(type, Double.NaN, null, null, null, Double.NaN, null, false,
                        number(e, "playhead", at, 0, 1e9, false), number(e, "buffer", at, 0, 3600, false),
                        number(e, "playing_seconds", at, 0, 3600, false));
                default -> throw StatusException.badRequest(at + ".type '" + clip(type)
                        + "' is not one of startup, rebuffer_start, rebuffer_end, switch, error, latency, heartbeat");
            });
        }
        return new Beacon(sid, stream, out);
    }

    private static Event event(String type) {
        return new Event(type, Double.NaN, null, null, null, Double.NaN, null, false, Double.NaN, Double.NaN, Double.NaN);
    }

    private static String string(JsonObject o, String field, String name, int max, boolean required) {
        Object v = o.getValue(field);
        if (v == null) {
            if (required) {
                throw StatusException.badRequest("beacon " + name + " is missing");
            }
            return null;
        }
        if (!(v instanceof String s) || s.isEmpty() || s.length() > max) {
            throw StatusException.badRequest("beacon " + name + " must be a string of 1 to " + max + " characters");
        }
        return s;
    }

    private static double number(JsonObject o, String field, String at, double min, double max, boolean required) {
        Object v = o.getValue(field);
        if (v == null) {
            if (required) {
                throw StatusException.badRequest("beacon " + at + "." + field + " is missing");
            }
            return Double.NaN;
        }
        double d = v instanceof Number n ? n.doubleValue() : Double.NaN;
        if (!(d >= min && d <= max)) {
            throw StatusException.badRequest("beacon " + at + "." + field + " must be a number from " + num(min)
                    + " to " + num(max));
        }
        return d;
    }

    private static boolean bool(JsonObject o, String field, String at) {
        Object v = o.getValue(field);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw StatusException.badRequest("beacon " + at + "." + field + " must be true or false");
        }
        return b;
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static String clip(String s) {
        return s.length() > 32 ? s.substring(0, 32) + "..." : s;
    }
}
