package io.tributary.channel;

import io.tributary.live.LiveStreams;
import io.tributary.live.Publication;
import io.tributary.live.PublishException;
import io.tributary.live.PublishSource;
import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One channel on air: it asks its {@link Schedule} what airs now and hands that asset's samples,
 * every rung as it was encoded, to its publication at the wall-clock times the schedule gives them
 * (the live timeline's program date-times are those times). Each programme starts after a
 * boundary: a discontinuity in every rendition at once. A programme ends where the schedule says,
 * on the sample where its time is up. Runs on the playout verticle's context only; media is read
 * a chunk (one segment of every rung, and its audio) at a time on a worker.
 */
final class ChannelFeed implements PublishSource {

    private static final Logger LOG = Logger.getLogger(ChannelFeed.class.getName());
    /** Samples go to the live timeline this far ahead of their air time (timer jitter). */
    static final long LEAD_MS = 200;
    /** After a refused or failed publication, the next try. */
    static final long RETRY_MS = 5000;
    /** At most this many samples per tick: a channel catching up never holds the loop long. */
    static final int MAX_SAMPLES_PER_TICK = 4000;
    /** A skipped programme shorter than this airs nothing in its place rather than a sliver of slate. */
    static final long MIN_SLATE_MS = 1000;

    private final ChannelPlayout playout;
    final String id;
    /** The playout tick's slice this channel is fed in. */
    final int slice;
    private volatile Schedule schedule;
    private volatile List<String> renditions;
    private volatile Map<String, Long> durations = Map.of();
    /** What the catalog says of the schedule's assets: absent is deleted; a listing has its window. */
    private volatile Map<String, ChannelStore.Listing> catalog = Map.of();
    /** The programme being skipped (asset@zero), counted once however many slate repeats fill it. */
    private String skipping;
    /** Nothing airs until the current programme's end (its asset may not air and there is no slate to show). */
    private boolean dark;
    /**
     * The publisher clock's zero: an hour back, so a join that airs its first chunk from the keyframe
     * before now never gives a negative timestamp.
     */
    private final long epoch = System.currentTimeMillis() - 3_600_000;

    private Publication publication;
    private boolean opening;
    private long retryAt;
    private boolean stopped;

    private Schedule.Programme current;
    /** The current programme's media, chunk reading position and samples read but not aired yet. */
    private AssetMedia media;
    private AssetMedia.AudioCursor audioCursor;
    private int nextChunk;
    private final ArrayDeque<AssetMedia.Timed> buffer = new ArrayDeque<>();
    private boolean loading;
    /** The programme started and its boundary is not sent yet (sent with its first sample). */
    private boolean boundaryPending;
    /** When the programme began airing on this feed: a join mid-programme airs its first chunk from its keyframe. */
    private long airedUntil = Long.MIN_VALUE;
    /** Bumped whenever the programme state is reset: a late load for an old one is dropped. */
    private int generation;
    /**
     * The grid's programme that the slate (or nothing) airs in place of because its asset may not air
     * yet; null when what airs is what the grid says. Its window opening cuts back to it ({@link #rejoin}).
     */
    private Schedule.Programme standIn;
    /** A rejoin is reading the asset's segment starts. */
    private boolean rejoining;
    /** The programme whose asset's segment starts (media ms) {@link #starts} holds. */
    private Schedule.Programme startsOf;
    private long[] starts;
    /** Where a rejoin cut the slate: the programme airs from this segment boundary. */
    private long rejoinAt = Long.MIN_VALUE;

    ChannelFeed(ChannelPlayout playout, String id, int slice) {
        this.playout = playout;
        this.id = id;
        this.slice = slice;
    }

    /** A new or edited schedule: it applies from the next boundary; what airs now continues (its end may move). */
    void update(Schedule schedule, List<String> renditions, Map<String, Long> durations, Map<String, ChannelStore.Listing> catalog) {
        this.schedule = schedule;
        this.renditions = renditions;
        this.durations = durations;
        this.catalog = catalog;
        if (current != null) {
            Schedule.Programme again = schedule.at(current.startMs(), durations);
            if (current.sameAiring(again)) {
                current = new Schedule.Programme(again.asset(), again.zeroMs(), again.startMs(),
                        Math.max(again.endMs(), airedUntil + 1), again.entry(), again.breakId(), again.breakEndMs());
            }
        }
    }

    Schedule.Programme current() {
        return current;
    }

    /** On the playout's context, every tick. */
    void tick(long now) {
        if (stopped || schedule == null) {
            return;
        }
        if (publication == null) {
            if (!opening && now >= retryAt && schedule.at(now, durations) != null) {
                open();
            }
            return;
        }
        try {
            feed(now + LEAD_MS);
        } catch (PublishException e) {
            failed(e);
        } catch (RuntimeException e) {
            // the stream's writer refused what this feed made of an asset: off the air, tried again later
            LOG.log(Level.WARNING, "channel " + id + " playout failed", e);
            failed(new PublishException(PublishException.Kind.BAD_MEDIA, "internal_error", e.toString()));
        }
    }

    private void open() {
        opening = true;
        playout.publications().openInProcess(id, LiveStreams.PLAYOUT, this).onComplete(ar -> {
            opening = false;
            if (ar.failed()) {
                retryAt = System.currentTimeMillis() + RETRY_MS;
                LOG.fine(() -> "channel " + id + " not published here now: " + ar.cause().getMessage());
                return;
            }
            if (stopped) {
                ar.result().close();
                return;
            }
            publication = ar.result();
            reset();
        });
    }

    private void reset() {
        generation++;
        current = null;
        media = null;
        buffer.clear();
        loading = false;
        dark = false;
        airedUntil = Long.MIN_VALUE;
        standIn = null;
        startsOf = null;
        starts = null;
        rejoinAt = Long.MIN_VALUE;
    }

    private void feed(long until) {
        rejoin(until);
        for (int n = 0; n < MAX_SAMPLES_PER_TICK; n++) {
            if (current == null) {
                long now = until - LEAD_MS;
                Schedule.Programme p = schedule.at(now, durations);
                if (p == null) {
                    offAir();
                    return;
                }
                begin(p, null);
            }
            if (dark) {
                if (current.endMs() > until) {
                    return;
                }
                next(current.endMs());
                continue;
            }
            if (media == null || loading) {
                load();
                return;
            }
            AssetMedia.Timed t = buffer.peekFirst();
            if (t == null) {
                if (nextChunk < media.chunks()) {
                    load();
                    return;
                }
                next(current.endMs()); // the asset ran out before its scheduled end
                continue;
            }
            long wall = current.zeroMs() + t.mediaMs();
            if (wall >= current.endMs()) {
                next(current.endMs());
                continue;
            }
            if (wall > until) {
                return;
            }
            buffer.pollFirst();
            if (wall < current.startMs() && !boundaryPending) {
                continue; // before where this programme starts (a programme cut in at its middle)
            }
            if (boundaryPending) {
                boundaryPending = false;
                start(wall);
            }
            publication.sample(t.rendition(), new MediaSample(t.video() ? Track.VIDEO : Track.AUDIO, wall - epoch, t.ctsMs(),
                    t.sync(), t.data()));
            airedUntil = Math.max(airedUntil, wall);
        }
    }

    /** The programme's first sample airs at {@code wall}: the boundary, its configs and its cues. */
    private void start(long wall) {
        publication.boundary(wall);
        LinkedHashMap<String, byte[]> records = new LinkedHashMap<>();
        for (String r : renditions) {
            AssetMedia.Rendition rendition = media.video.get(r);
            if (rendition != null) {
                records.put(r, rendition.track().config());
            }
        }
        publication.preparedVideo(records);
        if (media.audio != null) {
            publication.accept(new MediaEvent.AudioConfig(media.audio.track().config()));
        }
        playout.programmeStarted();
        Schedule.Programme p = current;
        if (p.breakId() != null && !p.breakId().equals(breakBefore)) {
            // an ad break from the schedule: the slate airs until SSAI fills it
            publication.cue(true, wall - epoch, Math.max(0, p.breakEndMs() - wall) / 1000.0, p.breakId());
        } else if (breakBefore != null && !breakBefore.equals(p.breakId())) {
            publication.cue(false, wall - epoch, 0, breakBefore);
        }
        breakBefore = p.breakId();
        Schedule.Programme next = schedule.at(p.endMs(), durations);
        if (next != null && next.breakId() != null && !next.breakId().equals(p.breakId()) && next.breakEndMs() > next.startMs()) {
            // the next programme starts a break: SSAI decides its sessions' pods while this one airs
            publication.breakAhead(next.breakId(), next.startMs(), (next.breakEndMs() - next.startMs()) / 1000.0);
        }
    }

    /** The break the previous programme belonged to (an in cue ends it when the next is not part of it). */
    private String breakBefore;

    /** The next programme, from {@code at} (where the last one ended). */
    private void next(long at) {
        Schedule.Programme p = schedule.at(at, durations);
        if (p == null) {
            offAir();
            return;
        }
        begin(p, at);
    }

    private void begin(Schedule.Programme p, Long at) {
        Schedule.Programme before = standIn;
        long cutTo = rejoinAt;
        rejoinAt = Long.MIN_VALUE;
        generation++;
        buffer.clear();
        media = null;
        loading = false;
        boundaryPending = true;
        // a join (at == null) starts at the chunk holding "now"; a continuation at the programme's start
        long t = at == null ? Math.max(p.startMs(), System.currentTimeMillis()) : Math.max(p.startMs(), at);
        Schedule.Programme airs = airable(p, t);
        if (airs != null && airs.asset().equals(p.asset()) && at != null && t > p.startMs() && t != cutTo && p.sameAiring(before)) {
            // its window opened while the slate stood in, and this is not one of its segment boundaries: the
            // slate goes on to one (rejoin) rather than air the asset from inside a segment
            Schedule.Programme slate = schedule.slateInstead(p, t, durations);
            ChannelStore.Listing s = slate == null ? null : catalog.get(slate.asset());
            if (s != null && s.openAt(t)) {
                airs = slate;
            }
        }
        standIn = airs == p || airs != null && airs.asset().equals(p.asset()) ? null : p;
        dark = airs == null;
        if (airs == null) {
            current = new Schedule.Programme(p.asset(), p.zeroMs(), t, p.endMs(), p.entry(), p.breakId(), p.breakEndMs());
            return;
        }
        current = airs;
        pendingFrom = Math.max(airs.startMs(), t) - airs.zeroMs();
        if (at != null) {
            current = new Schedule.Programme(airs.asset(), airs.zeroMs(), Math.max(airs.startMs(), at), airs.endMs(), airs.entry(),
                    airs.breakId(), airs.breakEndMs());
        }
    }

    /**
     * The asset of the programme the slate stands in for became airable (its window opened mid-programme):
     * the slate airing ends at the asset's first segment boundary from now on and the programme joins
     * there at its offset, so a viewer sees what the grid says for that time, with no gap in the
     * program date-times. When this slate airing ends first, the next one stands in and ends there.
     * The asset's segment starts are read once per programme, on a worker; the slate goes on meanwhile.
     */
    private void rejoin(long until) {
        Schedule.Programme p = standIn;
        if (p == null || rejoining || current == null) {
            return;
        }
        ChannelStore.Listing listing = catalog.get(p.asset());
        if (listing == null || !listing.openAt(until)) {
            return;
        }
        if (p.sameAiring(startsOf)) {
            cutOver(p, starts, until);
            return;
        }
        rejoining = true;
        int gen = generation;
        List<String> rungs = renditions;
        playout.read(() -> playout.asset(p.asset(), rungs).lead().startsMs()).onComplete(ar -> {
            rejoining = false;
            if (gen != generation || stopped || standIn != p) {
                return; // another programme began meanwhile: it decided for itself
            }
            if (ar.failed()) {
                standIn = null; // this airing stays on the slate
                LOG.warning(() -> "channel " + id + ": cannot read asset " + p.asset() + " (" + ar.cause() + "), the slate stays");
                return;
            }
            startsOf = p;
            starts = ar.result();
            cutOver(p, starts, System.currentTimeMillis() + LEAD_MS);
        });
    }

    private void cutOver(Schedule.Programme p, long[] segmentStarts, long until) {
        // not before what already aired (samples go out LEAD_MS ahead of their time)
        long from = Math.max(Math.max(until, airedUntil + 1), p.startMs());
        for (long start : segmentStarts) {
            long wall = p.zeroMs() + start;
            if (wall < from) {
                continue;
            }
            if (wall >= p.endMs()) {
                break;
            }
            if (wall <= current.endMs()) {
                current = new Schedule.Programme(current.asset(), current.zeroMs(), current.startMs(), wall, current.entry(),
                        current.breakId(), current.breakEndMs());
                rejoinAt = wall;
                standIn = null;
            }
            return; // else this slate airing ends first: the next one stands in and cuts over
        }
        standIn = null; // no boundary left in the programme: the slate fills it
    }

    /**
     * What airs at {@code t} for {@code p}: {@code p} itself (cut at its asset's window's end), or,
     * when its asset was deleted or is outside its availability window, the slate (counted once per
     * programme); null when there is nothing to show (no slate, or the slate may not air either).
     */
    private Schedule.Programme airable(Schedule.Programme p, long t) {
        Map<String, ChannelStore.Listing> known = catalog;
        String named = schedule.named(p);
        if (named != null && !named.equals(p.asset()) && !known.containsKey(named)) {
            skipped(named + "@entry" + p.entry(), true, true); // a grid entry of a deleted asset: the schedule fills it with the slate
        }
        ChannelStore.Listing listing = known.get(p.asset());
        if (listing != null && listing.openAt(t)) {
            Instant until = listing.until();
            if (until != null && until.toEpochMilli() < p.endMs()) {
                return new Schedule.Programme(p.asset(), p.zeroMs(), p.startMs(), until.toEpochMilli(), p.entry(), p.breakId(),
                        p.breakEndMs());
            }
            return p;
        }
        Schedule.Programme slate = p.asset().equals(schedule.slate()) || p.endMs() - t < MIN_SLATE_MS ? null
                // (a deleted asset in a loop has no length left: a slate of a few pictures would be noise)
                : schedule.slateInstead(p, t, durations);
        ChannelStore.Listing s = slate == null ? null : known.get(slate.asset());
        Schedule.Programme airs = s != null && s.openAt(t) ? slate : null;
        skipped(p.asset() + "@" + p.zeroMs(), listing == null, airs != null);
        return airs;
    }

    private void skipped(String programme, boolean deleted, boolean slate) {
        if (programme.equals(skipping)) {
            return;
        }
        skipping = programme;
        playout.skipped(deleted);
        String asset = programme.substring(0, programme.indexOf('@'));
        // one line per asset and channel (the metric counts every skip)
        if (logged.size() < MAX_LOGGED && logged.add(asset)) {
            LOG.info(() -> "channel " + id + ": " + asset + (deleted ? " was deleted" : " is outside its availability window")
                    + ", " + (slate ? "the slate airs" : "nothing airs") + " in its place");
        }
    }

    /** Assets whose skip this channel logged. */
    private final java.util.Set<String> logged = new java.util.HashSet<>();
    private static final int MAX_LOGGED = 1000;

    /** Media time the programme airs from (set by begin, used when its media is loaded). */
    private long pendingFrom;

    private void load() {
        if (loading) {
            return;
        }
        loading = true;
        int gen = generation;
        Schedule.Programme p = current;
        AssetMedia m = media;
        int k = nextChunk;
        AssetMedia.AudioCursor cursor = audioCursor;
        List<String> rungs = renditions;
        long from = pendingFrom;
        playout.read(() -> {
            AssetMedia asset = m != null ? m : playout.asset(p.asset(), rungs);
            int chunk = m != null ? k : asset.chunkAt(from);
            AssetMedia.AudioCursor c = m != null ? cursor : asset.audioFrom(chunk);
            return new Loaded(asset, chunk + 1, c, asset.chunk(chunk, c));
        }).onComplete(ar -> {
            if (gen != generation || stopped) {
                return;
            }
            loading = false;
            if (ar.failed()) {
                // one line, not a trace: an asset deleted from under a schedule fails this way at every turn
                LOG.warning(() -> "channel " + id + ": cannot read asset " + p.asset() + " (" + ar.cause()
                        + "), skipping to the next programme");
                next(p.endMs());
                return;
            }
            Loaded l = ar.result();
            media = l.media();
            audioCursor = l.cursor();
            nextChunk = l.next();
            buffer.addAll(l.samples());
        });
    }

    private record Loaded(AssetMedia media, int next, AssetMedia.AudioCursor cursor, List<AssetMedia.Timed> samples) {
    }

    private void offAir() {
        if (publication != null) {
            publication.close();
            publication = null;
        }
        reset();
        breakBefore = null;
    }

    /** The channel was deleted, or the playout stops. */
    void stop() {
        stopped = true;
        offAir();
    }

    // ---- PublishSource

    @Override
    public void pause() {
        // the claim is pending: the tick feeds nothing until the publication is there
    }

    @Override
    public void resume() {
    }

    @Override
    public void takenOver() {
        publication = null;
        reset();
        retryAt = System.currentTimeMillis() + RETRY_MS;
    }

    @Override
    public void failed(PublishException error) {
        LOG.warning(() -> "channel " + id + " playout failed: " + error.getMessage());
        if (publication != null) {
            publication.close();
        }
        takenOver();
    }

    @Override
    public boolean active() {
        return !stopped;
    }

    @Override
    public String describe() {
        return "playout of channel " + id;
    }

    boolean onAir() {
        return publication != null;
    }
}
