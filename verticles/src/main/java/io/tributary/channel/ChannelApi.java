package io.tributary.channel;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.tributary.media.dash.XmlText;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The channel API (editor routes, problem details on errors): create, list, read, edit and delete
 * channels; a channel's EPG as JSON and as XMLTV. An edit never interrupts what airs: a grid's
 * entries that have started are kept as they were, a loop's new order starts when the programme
 * airing now ends.
 */
final class ChannelApi {

    static final int MAX_BODY = 1024 * 1024;
    static final int MAX_TITLE = 200;
    static final int MAX_EPG = 2000;
    static final long MAX_EPG_HOURS = 7 * 24;
    private static final Set<String> FIELDS = Set.of("id", "title", "grid", "loop", "slate", "start");
    private static final DateTimeFormatter XMLTV = DateTimeFormatter.ofPattern("yyyyMMddHHmmss Z").withZone(ZoneOffset.UTC);

    private final Vertx vertx;
    private final ChannelSettings settings;
    private final ChannelStore store;
    /** Whether a channel id may publish as a stream key on this node (rtmp.stream-keys). */
    private final Predicate<String> keyAllowed;

    ChannelApi(Vertx vertx, ChannelSettings settings, ChannelStore store, Predicate<String> keyAllowed) {
        this.vertx = vertx;
        this.settings = settings;
        this.store = store;
        this.keyAllowed = keyAllowed;
    }

    void mount(Router router) {
        // writes need an editor, reads are public: auth.ApiPolicy.RULES
        router.route("/api/v1/channels*").handler(BodyHandler.create().setBodyLimit(MAX_BODY));
        router.post("/api/v1/channels").handler(this::create);
        router.get("/api/v1/channels").handler(ctx -> list().onSuccess(ctx::json).onFailure(ctx::fail));
        router.get("/api/v1/channels/:id").handler(ctx -> channel(ctx).onSuccess(c -> ctx.json(c.json())).onFailure(ctx::fail));
        router.patch("/api/v1/channels/:id").handler(this::patch);
        router.delete("/api/v1/channels/:id").handler(ctx -> {
            String id = id(ctx);
            store.delete(id).onSuccess(deleted -> {
                if (!deleted) {
                    ctx.fail(StatusException.notFound("no channel " + id));
                    return;
                }
                changed(id);
                ctx.response().setStatusCode(204).end();
            }).onFailure(ctx::fail);
        });
        router.get("/api/v1/channels/:id/schedule").handler(ctx -> epg(ctx, false));
        router.get("/api/v1/channels/:id/xmltv").handler(ctx -> epg(ctx, true));
    }

    /** {@code GET /api/v1/channels}'s answer: every channel's summary. */
    Future<JsonObject> list() {
        return store.all().map(list -> new JsonObject().put("channels", new JsonArray(list.stream().map(c -> (Object) c.summary()).toList())));
    }

    private static String id(RoutingContext ctx) {
        return id(ctx.pathParam("id"));
    }

    private static String id(String id) {
        if (!StreamKeys.valid(id) || id.length() > 64) {
            throw StatusException.notFound("no channel " + id);
        }
        return id;
    }

    private Future<ChannelStore.Channel> channel(RoutingContext ctx) {
        return channel(id(ctx));
    }

    private Future<ChannelStore.Channel> channel(String id) {
        return store.get(id).compose(c -> c.isPresent() ? Future.succeededFuture(c.get())
                : Future.failedFuture(StatusException.notFound("no channel " + id)));
    }

    private void changed(String id) {
        vertx.eventBus().publish(ChannelModule.CHANGED, id);
    }

    private void create(RoutingContext ctx) {
        JsonObject body = object(ctx.body().buffer());
        unknownFields(body);
        if (!(body.getValue("id") instanceof String id) || !StreamKeys.valid(id) || id.length() > 64) {
            throw StatusException.badRequest("id: required, 1 to 64 letters, digits, '-' or '_' (it is the live stream key: /live/{id}/)");
        }
        if (!keyAllowed.test(id)) {
            throw StatusException.badRequest("id: '" + id + "' is not an allowed stream key on this server");
        }
        String title = title(body.getValue("title"), id);
        long now = System.currentTimeMillis();
        Schedule schedule = Schedule.parse(body, now, settings.maxEntries());
        store.count().compose(n -> n >= settings.maxChannels()
                        ? Future.failedFuture(new StatusException(409, "this server has channels.max-channels (" + settings.maxChannels()
                        + ") channels: delete one first"))
                        : store.clearOnly(schedule.assets()).compose(x -> store.assets(schedule.assets())))
                .compose(assets -> {
                    List<String> renditions = schedule.validate(assets);
                    return store.create(id, title, schedule, renditions).compose(created -> created ? store.get(id)
                            : Future.failedFuture(StatusException.conflict("channel " + id + " exists: PATCH it, or DELETE it first")));
                })
                .onSuccess(c -> {
                    changed(id);
                    ctx.response().setStatusCode(201).putHeader("Location", "/api/v1/channels/" + id);
                    ctx.json(c.orElseThrow().json());
                }).onFailure(ctx::fail);
    }

    private void patch(RoutingContext ctx) {
        JsonObject body = object(ctx.body().buffer());
        unknownFields(body);
        if (body.containsKey("id")) {
            throw StatusException.badRequest("id: a channel's id cannot change (create a new channel)");
        }
        long now = System.currentTimeMillis();
        channel(ctx).compose(old -> {
            String title = body.containsKey("title") ? title(body.getValue("title"), old.id()) : old.title();
            boolean newEntries = body.containsKey("grid") || body.containsKey("loop");
            if (!newEntries && !body.containsKey("slate")) {
                return store.update(old.id(), title, old.schedule(), old.renditions()).map(x -> old.id());
            }
            JsonObject merged = old.schedule().json();
            if (newEntries) {
                merged.remove("grid");
                merged.remove("loop");
                merged.remove("start");
                for (String k : List.of("grid", "loop", "start")) {
                    if (body.containsKey(k)) {
                        merged.put(k, body.getValue(k));
                    }
                }
            }
            if (body.containsKey("slate")) {
                merged.put("slate", body.getValue("slate"));
            }
            Schedule parsed = Schedule.parse(merged, now, settings.maxEntries());
            List<String> ids = new ArrayList<>(parsed.assets());
            ids.addAll(old.schedule().assets());
            return store.clearOnly(parsed.assets()).compose(x -> store.assets(ids.stream().distinct().toList())).compose(assets -> {
                Map<String, Long> durations = new HashMap<>();
                assets.forEach((k, a) -> durations.put(k, a.durationMs()));
                Schedule next = keepWhatAired(old.schedule(), parsed, newEntries, now, durations);
                List<String> renditions = next.validate(assets);
                if (!renditions.containsAll(old.renditions())) {
                    throw StatusException.badRequest("the schedule's assets do not all have the renditions channel " + old.id()
                            + " airs (" + String.join(", ", old.renditions()) + "): players on them would stall");
                }
                return store.update(old.id(), title, next, old.renditions()).map(x -> old.id());
            });
        }).compose(store::get).onSuccess(c -> {
            changed(c.orElseThrow().id());
            ctx.json(c.get().json());
        }).onFailure(ctx::fail);
    }

    /**
     * What aired stays: a grid keeps its entries that have started (the body may repeat them as they
     * were, not change them); a loop's new order starts when the programme airing now ends.
     */
    static Schedule keepWhatAired(Schedule old, Schedule next, boolean newEntries, long now, Map<String, Long> durations) {
        if (!newEntries) {
            return new Schedule(old.kind(), old.entries(), old.anchorMs(), next.slate());
        }
        if (next.kind() == Schedule.Kind.GRID) {
            List<Schedule.Entry> entries = new ArrayList<>();
            if (old.kind() == Schedule.Kind.GRID) {
                for (Schedule.Entry e : old.entries()) {
                    if (e.startMs() <= now) {
                        entries.add(e);
                    }
                }
            }
            for (int i = 0; i < next.entries().size(); i++) {
                Schedule.Entry e = next.entries().get(i);
                if (e.startMs() > now) {
                    entries.add(e);
                } else if (!entries.contains(e)) {
                    throw StatusException.badRequest("grid[" + i + "]: starts at " + Instant.ofEpochMilli(e.startMs())
                            + ", which has passed; only entries that have not started can be added or changed");
                }
            }
            return new Schedule(Schedule.Kind.GRID, List.copyOf(entries), 0, next.slate());
        }
        Schedule.Programme airing = old.at(now, durations);
        long anchor = Math.max(next.anchorMs(), airing == null ? now : airing.endMs());
        return new Schedule(Schedule.Kind.LOOP, next.entries(), anchor, next.slate());
    }

    private void epg(RoutingContext ctx, boolean xmltv) {
        String from = ctx.queryParam("from").isEmpty() ? null : ctx.queryParam("from").get(0);
        String hours = ctx.queryParam("hours").isEmpty() ? null : ctx.queryParam("hours").get(0);
        epg(id(ctx), from, hours).onSuccess(e -> {
            if (xmltv) {
                ctx.response().putHeader("Content-Type", "application/xml; charset=utf-8").end(xmltv(e.channel(), e.slots()));
            } else {
                ctx.json(e.json());
            }
        }).onFailure(ctx::fail);
    }

    /** {@code GET /api/v1/channels/{id}/schedule}'s answer; {@code from} (ISO 8601) and {@code hours} null: now, 24. */
    Future<JsonObject> schedule(String id, String from, String hours) {
        try {
            return epg(id(id), from, hours).map(Epg::json);
        } catch (StatusException e) {
            return Future.failedFuture(e);
        }
    }

    /** A channel's programmes in a window. */
    record Epg(ChannelStore.Channel channel, long from, long to, List<Slot> slots) {
        JsonObject json() {
            JsonArray list = new JsonArray();
            for (Slot s : slots) {
                JsonObject o = new JsonObject().put("start", Instant.ofEpochMilli(s.start()).toString())
                        .put("end", Instant.ofEpochMilli(s.end()).toString()).put("kind", s.kind()).put("title", s.title());
                if (s.asset() != null) {
                    o.put("asset", s.asset());
                }
                if (s.entry() >= 0) {
                    o.put("entry", s.entry());
                }
                list.add(o);
            }
            return new JsonObject().put("channel", channel.id()).put("title", channel.title())
                    .put("from", Instant.ofEpochMilli(from).toString()).put("to", Instant.ofEpochMilli(to).toString())
                    .put("programmes", list);
        }
    }

    private Future<Epg> epg(String id, String rawFrom, String rawHours) {
        long from = rawFrom == null ? System.currentTimeMillis() : time("from", rawFrom);
        long hours = 24;
        if (rawHours != null) {
            if (!rawHours.matches("[0-9]{1,4}") || Long.parseLong(rawHours) < 1 || Long.parseLong(rawHours) > MAX_EPG_HOURS) {
                throw StatusException.badRequest("hours: a whole number from 1 to " + MAX_EPG_HOURS);
            }
            hours = Long.parseLong(rawHours);
        }
        long to = from + hours * 3_600_000;
        return channel(id).compose(c -> store.assets(c.schedule().assets()).map(assets -> {
            Map<String, Long> durations = new HashMap<>();
            assets.forEach((k, a) -> durations.put(k, a.durationMs()));
            return new Epg(c, from, to, slots(c.schedule(), from, to, durations, assets));
        }));
    }

    /** One EPG line: an asset's airing, an ad break, or the slate filling a gap (its repeats as one). */
    record Slot(long start, long end, String kind, String asset, String title, int entry) {
    }

    static List<Slot> slots(Schedule schedule, long from, long to, Map<String, Long> durations, Map<String, Schedule.Asset> assets) {
        List<Slot> out = new ArrayList<>();
        for (Schedule.Programme p : schedule.programmes(from, to, durations, MAX_EPG * 4)) {
            String kind = p.breakId() != null ? "break" : p.asset().equals(schedule.slate()) && !isEntryAsset(schedule, p) ? "slate" : "asset";
            Slot last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && !kind.equals("asset") && last.kind().equals(kind) && last.end() == p.startMs() && last.entry() == p.entry()) {
                out.set(out.size() - 1, new Slot(last.start(), p.endMs(), kind, last.asset(), last.title(), last.entry()));
                continue;
            }
            if (out.size() == MAX_EPG) {
                break;
            }
            Schedule.Asset a = assets.get(p.asset());
            String title = kind.equals("break") ? "Ad break" : a == null ? p.asset() : a.title();
            out.add(new Slot(p.startMs(), p.endMs(), kind, kind.equals("break") ? null : p.asset(), title, p.entry()));
        }
        return out;
    }

    private static boolean isEntryAsset(Schedule s, Schedule.Programme p) {
        return p.entry() >= 0 && p.entry() < s.entries().size() && p.asset().equals(s.entries().get(p.entry()).asset());
    }

    static String xmltv(ChannelStore.Channel c, List<Slot> slots) {
        StringBuilder b = new StringBuilder(256 + 160 * slots.size());
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv generator-info-name=\"tributary\">\n  <channel id=\"");
        XmlText.appendAttributeValue(b, c.id());
        b.append("\">\n    <display-name>");
        XmlText.appendAttributeValue(b, c.title());
        b.append("</display-name>\n  </channel>\n");
        for (Slot s : slots) {
            b.append("  <programme start=\"").append(XMLTV.format(Instant.ofEpochMilli(s.start()))).append("\" stop=\"")
                    .append(XMLTV.format(Instant.ofEpochMilli(s.end()))).append("\" channel=\"");
            XmlText.appendAttributeValue(b, c.id());
            b.append("\">\n    <title>");
            XmlText.appendAttributeValue(b, s.title());
            b.append("</title>\n  </programme>\n");
        }
        return b.append("</tv>\n").toString();
    }

    private static long time(String name, String v) {
        try {
            return Instant.parse(v).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw StatusException.badRequest(name + ": '" + v + "' is not an ISO-8601 time like 2026-12-07T14:00:00Z");
        }
    }

    private static void unknownFields(JsonObject body) {
        for (String k : body.fieldNames()) {
            if (!FIELDS.contains(k)) {
                throw StatusException.badRequest("body: unknown field \"" + k + "\" (id, title, grid or loop, slate, start)");
            }
        }
    }

    private static String title(Object v, String fallback) {
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String s) || s.strip().isEmpty() || s.strip().length() > MAX_TITLE
                || s.chars().anyMatch(c -> c < 0x20)) {
            throw StatusException.badRequest("title: 1 to " + MAX_TITLE + " characters, no control characters");
        }
        return s.strip();
    }

    private static JsonObject object(Buffer body) {
        return io.tributary.http.JsonBodies.object(body);
    }
}
