package io.tributary.media.hls;

import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.RenditionSnapshot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * One viewing session's media playlist: the shared live playlist's text with the session's pods
 * spliced in (server-side ad insertion). Nothing is rendered again: the shared text is cut into its
 * segments, the content segments a pod covers are left out, the pod's segments go in their place
 * between discontinuities (each ad with its own EXT-X-MAP and program date-times from the break's
 * start), the content after the pod keeps its own date-times, and the media and discontinuity
 * sequence numbers count what the session saw. An ad segment is listed once the live content has
 * reached its end, so the session's live edge stays where the stream's is. While the live edge is
 * inside a pod the content's parts and preload hint are left out; outside, they stay.
 */
public final class SplicedPlaylist {

    private static final DateTimeFormatter PDT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
    private static final String MEDIA_SEQUENCE = "#EXT-X-MEDIA-SEQUENCE:";
    private static final String DISCONTINUITY_SEQUENCE = "#EXT-X-DISCONTINUITY-SEQUENCE:";
    private static final String DISCONTINUITY = "#EXT-X-DISCONTINUITY";
    private static final String MAP = "#EXT-X-MAP:";
    private static final String DATE_TIME = "#EXT-X-PROGRAM-DATE-TIME:";

    private SplicedPlaylist() {
    }

    /** A segment of the shared text: its lines (tags and URI), and what the splice needs of them. */
    private static final class Block {
        final long msn;
        final List<String> lines = new ArrayList<>();
        long pdt = Long.MIN_VALUE;
        double duration;
        double partsDuration;
        boolean discontinuity;
        boolean hasMap;
        /** The EXT-X-MAP line in effect for this segment (its own or an earlier one's). */
        String map;

        Block(long msn) {
            this.msn = msn;
        }

        long end() {
            return pdt + Math.round((duration > 0 ? duration : partsDuration) * 1000);
        }
    }

    /**
     * @param shared  the shared media playlist (no delta update, no seek-back): as every viewer gets it
     * @param pods    the session's pods of this rendition, any order
     * @param baseMsn session msns minus content msns left by pods no longer tracked
     * @param baseDisc discontinuity tags of pods no longer tracked, net of the content ones they hid
     */
    public static String render(String shared, List<PodPlacement> pods, long baseMsn, long baseDisc) {
        String[] lines = shared.split("\n");
        List<String> header = new ArrayList<>(8);
        List<String> tail = new ArrayList<>(4);
        List<Block> blocks = new ArrayList<>();
        long mediaSequence = 0;
        long discontinuitySequence = 0;
        int i = 0;
        for (; i < lines.length; i++) {
            String l = lines[i];
            if (l.startsWith(MEDIA_SEQUENCE)) {
                mediaSequence = Long.parseLong(l.substring(MEDIA_SEQUENCE.length()).trim());
            } else if (l.startsWith(DISCONTINUITY_SEQUENCE)) {
                discontinuitySequence = Long.parseLong(l.substring(DISCONTINUITY_SEQUENCE.length()).trim());
                i++;
                break;
            } else {
                header.add(l);
            }
        }
        String map = null;
        Block current = null;
        for (; i < lines.length; i++) {
            String l = lines[i];
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("#EXT-X-PRELOAD-HINT") || l.startsWith("#EXT-X-RENDITION-REPORT") || l.startsWith("#EXT-X-ENDLIST")) {
                tail.add(l);
                continue;
            }
            if (current == null) {
                current = new Block(mediaSequence + blocks.size());
            }
            if (l.equals(DISCONTINUITY)) {
                current.discontinuity = true;
            } else if (l.startsWith(MAP)) {
                map = l;
                current.hasMap = true;
            } else if (l.startsWith(DATE_TIME)) {
                current.pdt = Instant.parse(l.substring(DATE_TIME.length()).trim()).toEpochMilli();
            } else if (l.startsWith("#EXT-X-PART:DURATION=")) {
                int end = l.indexOf(',');
                current.partsDuration += Double.parseDouble(l.substring(21, end < 0 ? l.length() : end));
            } else if (l.startsWith("#EXTINF:")) {
                int end = l.indexOf(',');
                current.duration = Double.parseDouble(l.substring(8, end < 0 ? l.length() : end));
            }
            current.lines.add(l);
            current.map = map;
            if (!l.startsWith("#")) {
                blocks.add(current);
                current = null;
            }
        }
        Block open = current != null && current.pdt != Long.MIN_VALUE ? current : null;
        List<Block> all = new ArrayList<>(blocks);
        if (open != null) {
            all.add(open);
        }
        if (all.isEmpty()) {
            return shared;
        }
        List<PodPlacement> ordered = new ArrayList<>(pods);
        ordered.sort(Comparator.comparingLong(PodPlacement::startDate));
        for (PodPlacement p : ordered) {
            for (int b = 0; b < all.size(); b++) {
                Block blk = all.get(b);
                p.offer(blk.msn, blk.pdt, blk.discontinuity, b == 0);
            }
        }
        long edgeDate = all.get(all.size() - 1).end();
        long windowStart = all.get(0).pdt;

        // the session's segments, in order, each with its session msn
        List<String> body = new ArrayList<>(all.size() * 4 + 16);
        long sessionFirst = Long.MIN_VALUE;
        PodPlacement edgePod = null;
        List<PodPlacement> emitted = new ArrayList<>(2);
        for (Block blk : all) {
            PodPlacement pod = covering(ordered, blk.msn);
            if (pod != null) {
                if (blk == open) {
                    edgePod = pod;
                }
                if (emitted.contains(pod)) {
                    continue;
                }
                emitted.add(pod);
                // the break's date range and cue-out of the content segments the pod replaces
                for (Block covered : all) {
                    if (pod.covers(covered.msn)) {
                        for (String l : covered.lines) {
                            if (l.startsWith("#EXT-X-DATERANGE") || l.startsWith("#EXT-X-CUE-OUT")) {
                                body.add(l);
                            }
                        }
                    }
                }
                long s = sessionMsn(ordered, pod.firstMsn(), baseMsn);
                int index = 0;
                long begin = 0;
                for (AdRun ad : pod.ads()) {
                    boolean mapped = false;
                    for (int k = 0; k < ad.uris().size(); k++, index++) {
                        long end = pod.endOf(index);
                        long at = begin;
                        begin = end;
                        boolean revealed = pod.startDate() + end <= edgeDate + toleranceOf(pod);
                        boolean inWindow = pod.startDate() + end > windowStart;
                        if (!revealed || !inWindow) {
                            continue;
                        }
                        if (sessionFirst == Long.MIN_VALUE) {
                            sessionFirst = s + index;
                        }
                        if (k == 0) {
                            body.add(DISCONTINUITY);
                        }
                        if (!mapped) {
                            body.add("#EXT-X-MAP:URI=\"" + ad.map() + "\"");
                            mapped = true;
                        }
                        body.add(DATE_TIME + PDT.format(Instant.ofEpochMilli(pod.startDate() + at)));
                        body.add("#EXTINF:" + String.format(Locale.ROOT, "%.5f", ad.durations().get(k)) + ",");
                        body.add(ad.uris().get(k));
                    }
                }
                continue;
            }
            if (sessionFirst == Long.MIN_VALUE) {
                sessionFirst = sessionMsn(ordered, blk.msn, baseMsn);
            }
            PodPlacement resumed = resumedAt(ordered, blk.msn);
            if (resumed != null) {
                body.add(DISCONTINUITY);
                if (blk.map != null) {
                    body.add(blk.map);
                }
                for (String l : blk.lines) {
                    if (!l.equals(DISCONTINUITY) && !l.startsWith(MAP)) {
                        body.add(l);
                    }
                }
            } else {
                body.addAll(blk.lines);
            }
        }
        if (sessionFirst == Long.MIN_VALUE) {
            sessionFirst = sessionMsn(ordered, all.get(0).msn, baseMsn);
        }

        long disc = discontinuitySequence + baseDisc;
        for (PodPlacement p : ordered) {
            if (!p.active() || p.firstMsn() < 0) {
                continue;
            }
            long s = sessionMsn(ordered, p.firstMsn(), baseMsn);
            int index = 0;
            for (AdRun ad : p.ads()) {
                if (s + index < sessionFirst) {
                    disc++; // the tag before this ad left the session's window
                }
                index += ad.uris().size();
            }
            if (p.settled() && !p.resumeHadDiscontinuity() && sessionMsn(ordered, p.resumeMsn(), baseMsn) < sessionFirst) {
                disc++;
            }
            disc -= p.removedDiscontinuitiesBefore(all.get(0).msn);
        }

        StringBuilder out = new StringBuilder(shared.length() + 512);
        for (String l : header) {
            out.append(l).append('\n');
        }
        out.append(MEDIA_SEQUENCE).append(sessionFirst).append('\n');
        out.append(DISCONTINUITY_SEQUENCE).append(Math.max(0, disc)).append('\n');
        for (String l : body) {
            out.append(l).append('\n');
        }
        long edgeOffset = sessionMsn(ordered, all.get(all.size() - 1).msn, baseMsn) - all.get(all.size() - 1).msn;
        for (String l : tail) {
            if (l.startsWith("#EXT-X-ENDLIST")) {
                out.append(l).append('\n');
            } else if (edgePod == null) {
                out.append(l.startsWith("#EXT-X-RENDITION-REPORT") ? shiftReport(l, edgeOffset) : l).append('\n');
            }
            // inside a pod: no content part is hinted, no report of content numbers
        }
        return out.toString();
    }

    /**
     * Whether a blocking reload for session msn {@code msn} (and {@code part}, or -1) can be answered
     * from {@code snap}: its content segment (or part) exists, or, inside a pod, the live content has
     * reached the end of that ad segment.
     */
    public static boolean satisfies(RenditionSnapshot snap, List<PodPlacement> pods, long baseMsn, long msn, int part) {
        if (snap.ended()) {
            return true;
        }
        List<MediaSegment> segs = new ArrayList<>(snap.listed());
        if (snap.open() != null && !snap.open().parts().isEmpty()) {
            segs.add(snap.open());
        }
        if (segs.isEmpty()) {
            return false;
        }
        List<PodPlacement> ordered = new ArrayList<>(pods);
        ordered.sort(Comparator.comparingLong(PodPlacement::startDate));
        for (PodPlacement p : ordered) {
            for (int b = 0; b < segs.size(); b++) {
                MediaSegment s = segs.get(b);
                p.offer(s.msn(), s.programDateTime(), s.discontinuity(), b == 0);
            }
        }
        MediaSegment last = segs.get(segs.size() - 1);
        long edgeDate = last.programDateTime() + Math.round(last.duration() * 1000);
        long offset = baseMsn;
        for (PodPlacement p : ordered) {
            if (!p.active() || p.firstMsn() < 0) {
                continue;
            }
            long first = p.firstMsn() + offset;
            if (msn < first) {
                break;
            }
            long j = msn - first;
            if (j < p.adSegments()) {
                return p.startDate() + p.endOf((int) j) <= edgeDate + toleranceOf(p);
            }
            if (!p.settled()) {
                return false; // content has not resumed yet
            }
            offset += p.msnDelta();
        }
        return snap.satisfies(msn - offset, part);
    }

    private static long toleranceOf(PodPlacement p) {
        return p.toleranceMs();
    }

    private static PodPlacement covering(List<PodPlacement> pods, long k) {
        for (PodPlacement p : pods) {
            if (p.covers(k)) {
                return p;
            }
        }
        return null;
    }

    private static PodPlacement resumedAt(List<PodPlacement> pods, long k) {
        for (PodPlacement p : pods) {
            if (p.active() && p.settled() && p.resumeMsn() == k) {
                return p;
            }
        }
        return null;
    }

    /** The session msn of content msn {@code k} (or of a pod's first segment when {@code k} is where it starts). */
    private static long sessionMsn(List<PodPlacement> pods, long k, long baseMsn) {
        long s = k + baseMsn;
        for (PodPlacement p : pods) {
            if (p.active() && p.settled() && p.resumeMsn() <= k) {
                s += p.msnDelta();
            }
        }
        return s;
    }

    private static String shiftReport(String line, long offset) {
        if (offset == 0) {
            return line;
        }
        int at = line.indexOf("LAST-MSN=");
        if (at < 0) {
            return line;
        }
        int from = at + 9;
        int to = from;
        while (to < line.length() && Character.isDigit(line.charAt(to))) {
            to++;
        }
        long v = Long.parseLong(line.substring(from, to));
        return line.substring(0, from) + (v + offset) + line.substring(to);
    }
}
