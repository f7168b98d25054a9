package io.tributary.media.dash;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One viewing session's live MPD: the shared MPD ({@link DashManifest}) with the session's pods
 * spliced in as Periods (server-side ad insertion), the DASH counterpart of the HLS
 * {@code SplicedPlaylist}. Nothing is rendered again from the timeline: the shared MPD's content
 * Periods are cut at each break, by the wall-clock time of their segments
 * ({@code availabilityStartTime + Period@start + (t - presentationTimeOffset) / timescale}, the
 * same instants as the HLS program date-times), into
 * <ol>
 * <li>the content before the break (the Period's own id, start and offset),</li>
 * <li>one Period per ad, {@code start} = the break's start plus the ads before it, holding the
 * creative's own VOD AdaptationSets (its SegmentTemplate, SegmentTimeline, init and
 * presentationTimeOffset) with every URL under the session's {@code /ads/...} path,</li>
 * <li>the content from the first segment at the break's start plus the pod's length, a Period with
 * id {@code {content id}-{break id}}, its start at that segment and the offsets moved with it.</li>
 * </ol>
 * Period ids depend only on the break and the ad, so a player matches them across reloads. As in
 * HLS an ad segment is listed once the live content (or the wall clock, the MPD's publishTime) has
 * reached its end, and the content after the pod once it has resumed in every Representation. A static MPD (the stream ended) is left as it is.
 * An ad's segments are whole files from the start, so its Period states the content's
 * {@code availabilityTimeOffset} (complete segments, that much early) and is listed that much early:
 * without it a low-latency player, which follows the content's parts ATO ahead, asks for the first ad
 * segment only when it has ended on the wall clock, after its buffer ran dry at the Period's end.
 *
 * <p>Pure function of its input; no I/O.
 */
public final class SplicedManifest {

    /**
     * One session's pod for one break.
     *
     * @param startDate wall-clock ms of the break's start
     * @param ads       the pod's ads with media, in play order
     * @param skipped   the first {@code skipped} ads are not played (a session that joined after they
     *                  began): their time stays content, the pod starts after them
     */
    public record Pod(String breakId, long startDate, List<Ad> ads, int skipped) {

        public Pod {
            ads = List.copyOf(ads);
            if (skipped < 0 || skipped > ads.size()) {
                throw new IllegalArgumentException("skipped must be within the pod: " + skipped);
            }
        }
    }

    /**
     * One ad.
     *
     * @param periodId its Period's id
     * @param mpd      the creative's static VOD MPD (one Period; Representations with their own
     *                 SegmentTemplate and SegmentTimeline, URLs relative to the MPD)
     * @param base     the prefix its relative URLs get: {@code /ads/{session}/{break}/{ad}/}
     */
    public record Ad(String periodId, String mpd, String base) {
    }

    private SplicedManifest() {
    }

    /** A segment of a Representation's timeline: its number, start and duration in the timescale. */
    private record Seg(long number, long t, long d) {
    }

    /** A Representation of a Period and its timeline, with wall clock of its presentation time 0. */
    private static final class Rep {
        final String id;
        final boolean video;
        final int height;
        final int timescale;
        final long pto;
        final List<Seg> segs;

        Rep(String id, boolean video, int height, int timescale, long pto, List<Seg> segs) {
            this.id = id;
            this.video = video;
            this.height = height;
            this.timescale = timescale;
            this.pto = pto;
            this.segs = segs;
        }

        /** Wall-clock ms of media time {@code t} in a Period starting at {@code periodWall}. */
        double wall(long periodWall, long t) {
            return periodWall + (t - pto) * 1000.0 / timescale;
        }
    }

    /** A content Period, or a piece of one cut at a break: its segments per Representation id. */
    private record Piece(Element source, String id, long startMs, Map<String, List<Seg>> segs, Map<String, Long> ptos) {
    }

    /** The shared MPD with {@code pods} spliced in; unchanged when there is nothing to splice. */
    public static String render(String mpd, List<Pod> pods, long toleranceMs) {
        if (pods.isEmpty()) {
            return mpd;
        }
        Document doc = parse(mpd);
        Element root = doc.getDocumentElement();
        if (!"dynamic".equals(root.getAttribute("type")) || root.getAttribute("availabilityStartTime").isEmpty()) {
            return mpd;
        }
        long ast = Instant.parse(root.getAttribute("availabilityStartTime")).toEpochMilli();
        List<Element> periods = children(root, "Period");
        if (periods.isEmpty()) {
            return mpd;
        }
        Map<Element, Map<String, Rep>> repsOf = new LinkedHashMap<>();
        List<Piece> content = new ArrayList<>();
        Set<Integer> heights = new HashSet<>();
        Map<String, String> setIds = new LinkedHashMap<>(); // contentType -> AdaptationSet id
        for (Element p : periods) {
            Map<String, Rep> reps = representations(p);
            repsOf.put(p, reps);
            Map<String, List<Seg>> segs = new LinkedHashMap<>();
            Map<String, Long> ptos = new LinkedHashMap<>();
            reps.forEach((id, r) -> {
                segs.put(id, r.segs);
                ptos.put(id, r.pto);
                if (r.video) {
                    heights.add(r.height);
                }
            });
            for (Element set : children(p, "AdaptationSet")) {
                setIds.putIfAbsent(set.getAttribute("contentType"), set.getAttribute("id"));
            }
            content.add(new Piece(p, p.getAttribute("id"), millis(p.getAttribute("start")), segs, ptos));
        }
        Piece first = content.get(0);
        Piece last = content.get(content.size() - 1);
        Rep firstMain = main(repsOf.get(first.source()));
        Rep lastMain = main(repsOf.get(last.source()));
        if (firstMain == null || lastMain == null || firstMain.segs.isEmpty() || lastMain.segs.isEmpty()) {
            return mpd;
        }
        Seg newest = lastMain.segs.get(lastMain.segs.size() - 1);
        String ato = availabilityTimeOffset(last.source(), lastMain.id);
        double edge = lastMain.wall(ast + last.startMs(), newest.t() + newest.d());
        double windowStart = firstMain.wall(ast + first.startMs(), firstMain.segs.get(0).t());
        // ad segments are files: listed by the wall clock (publishTime) as DASH makes them available,
        // also while the break's own content (a slate's Period, out with its first part) is not listed
        double adEdge = edge;
        if (!root.getAttribute("publishTime").isEmpty()) {
            adEdge = Math.max(edge, Instant.parse(root.getAttribute("publishTime")).toEpochMilli());
        }

        List<Pod> ordered = new ArrayList<>(pods);
        ordered.sort(Comparator.comparingLong(Pod::startDate));
        List<AdPeriods> adPeriods = new ArrayList<>();
        for (Pod pod : ordered) {
            adPeriods.add(AdPeriods.of(pod));
        }

        List<Element> out = new ArrayList<>();
        Set<String> emitted = new HashSet<>();
        for (Piece piece : content) {
            Map<String, Rep> reps = repsOf.get(piece.source());
            if (main(reps) == null) {
                out.add((Element) piece.source().cloneNode(true)); // nothing addressed in it: as it was
                continue;
            }
            String mainId = main(reps).id;
            Piece cur = piece;
            for (AdPeriods pod : adPeriods) {
                if (cur == null) {
                    break;
                }
                long begin = pod.played();
                long end = pod.end();
                List<Seg> mainSegs = cur.segs().get(mainId);
                if (mainSegs.isEmpty()) {
                    break;
                }
                long wallZero = ast + cur.startMs();
                Rep main = reps.get(mainId);
                double firstWall = wallOf(main, cur, wallZero, mainSegs.get(0));
                int at = firstAtOrAfter(main, cur, wallZero, mainSegs, begin - toleranceMs, -1);
                if (firstWall >= end - toleranceMs) {
                    continue; // the pod is over before this piece's segments
                }
                if (at < 0) {
                    // the newest content ends at the break and nothing after it is listed yet (a
                    // slate's Period comes with its first part): the ads follow it as soon as they are
                    // available, or a player that has buffered up to the break finds no next Period
                    if (piece == content.get(content.size() - 1) && adEdge + toleranceMs >= begin && emitted.add(pod.pod.breakId())) {
                        out.add(period(doc, cur, reps));
                        out.addAll(pod.periods(doc, ast, adEdge + toleranceMs, windowStart, heights, setIds, ato));
                        cur = null;
                        break;
                    }
                    continue; // the pod is after this piece's segments
                }
                // the content before the break
                Map<String, List<Seg>> before = new LinkedHashMap<>();
                Map<String, List<Seg>> after = new LinkedHashMap<>();
                boolean resumed = true;
                for (var e : cur.segs().entrySet()) {
                    Rep r = reps.get(e.getKey());
                    List<Seg> segs = e.getValue();
                    int a = firstAtOrAfter(r, cur, wallZero, segs, begin - toleranceMs, -1);
                    a = a < 0 ? segs.size() : a;
                    int c = firstAtOrAfter(r, cur, wallZero, segs, end - toleranceMs, a);
                    before.put(e.getKey(), segs.subList(0, a));
                    if (c < 0) {
                        resumed = false;
                    } else {
                        after.put(e.getKey(), segs.subList(c, segs.size()));
                    }
                }
                if (!before.get(mainId).isEmpty()) {
                    out.add(period(doc, new Piece(cur.source(), cur.id(), cur.startMs(), before, cur.ptos()), reps));
                }
                if (emitted.add(pod.pod.breakId())) {
                    out.addAll(pod.periods(doc, ast, adEdge + toleranceMs, windowStart, heights, setIds, ato));
                }
                if (!resumed) {
                    cur = null;
                    break;
                }
                Seg resume = after.get(mainId).get(0);
                long startMs = Math.round(main.wall(wallZero, resume.t()) - ast);
                long shift = startMs - cur.startMs();
                Map<String, Long> ptos = new LinkedHashMap<>();
                cur.ptos().forEach((id, pto) -> ptos.put(id, pto + Math.round(shift * reps.get(id).timescale / 1000.0)));
                cur = new Piece(cur.source(), piece.id() + "-" + pod.pod.breakId(), startMs, after, ptos);
            }
            if (cur != null) {
                out.add(period(doc, cur, reps));
            }
        }
        Node anchor = periods.get(0);
        for (Element p : out) {
            root.insertBefore(p, anchor);
        }
        for (Element p : periods) {
            root.removeChild(p);
        }
        return write(doc);
    }

    /** The wall-clock ms of a piece's segment (the piece's start and offset may differ from the Period's). */
    private static double wallOf(Rep r, Piece piece, long wallZero, Seg s) {
        long pto = piece.ptos().get(r.id);
        return wallZero + (s.t() - pto) * 1000.0 / r.timescale;
    }

    /** The index of the first segment after {@code after} starting at or past {@code wall}, or -1. */
    private static int firstAtOrAfter(Rep r, Piece piece, long wallZero, List<Seg> segs, double wall, int after) {
        for (int i = Math.max(0, after + 1); i < segs.size(); i++) {
            if (wallOf(r, piece, wallZero, segs.get(i)) >= wall) {
                return i;
            }
        }
        return -1;
    }

    /** A pod's Periods, from its ads' own MPDs. */
    private static final class AdPeriods {
        final Pod pod;
        final List<Document> docs = new ArrayList<>();
        /** ms from the break's start to each ad's start, and to the end of the last ad (size + 1). */
        final List<Long> offsets = new ArrayList<>();

        private AdPeriods(Pod pod) {
            this.pod = pod;
        }

        static AdPeriods of(Pod pod) {
            AdPeriods a = new AdPeriods(pod);
            double seconds = 0;
            a.offsets.add(0L);
            for (Ad ad : pod.ads()) {
                Document d = parse(ad.mpd());
                a.docs.add(d);
                seconds += length(d);
                a.offsets.add(Math.round(seconds * 1000));
            }
            return a;
        }

        /** Wall-clock ms the session's part of the pod starts. */
        long played() {
            return pod.startDate() + offsets.get(pod.skipped());
        }

        long end() {
            return pod.startDate() + offsets.get(offsets.size() - 1);
        }

        /** The ads' Periods with the segments revealed by {@code edge} and not yet out of the window. */
        List<Element> periods(Document into, long ast, double edge, double windowStart, Set<Integer> heights,
                              Map<String, String> setIds, String ato) {
            double early = ato == null ? 0 : atoMillis(ato);
            List<Element> out = new ArrayList<>();
            for (int i = pod.skipped(); i < pod.ads().size(); i++) {
                Ad ad = pod.ads().get(i);
                long start = pod.startDate() + offsets.get(i);
                Element creative = children(docs.get(i).getDocumentElement(), "Period").stream().findFirst().orElse(null);
                if (creative == null) {
                    continue;
                }
                Element period = into.createElement("Period");
                period.setAttribute("id", ad.periodId());
                period.setAttribute("start", DashManifest.duration(start - ast));
                boolean complete = true;
                int listed = 0;
                for (Element set : children(creative, "AdaptationSet")) {
                    Element copy = (Element) into.importNode(set, true);
                    String type = copy.getAttribute("contentType");
                    if (setIds.containsKey(type) && !setIds.get(type).isEmpty()) {
                        copy.setAttribute("id", setIds.get(type));
                    }
                    List<Element> reps = children(copy, "Representation");
                    Set<Element> kept = "video".equals(type) ? nearest(reps, heights) : new HashSet<>(reps);
                    for (Element rep : reps) {
                        Element template = child(rep, "SegmentTemplate");
                        if (!kept.contains(rep) || template == null) {
                            copy.removeChild(rep);
                            continue;
                        }
                        Rep r = representation(rep, template);
                        List<Seg> shown = new ArrayList<>();
                        for (Seg s : r.segs) {
                            double endWall = r.wall(start, s.t() + s.d());
                            if (endWall - early <= edge && endWall > windowStart) {
                                shown.add(s);
                            }
                        }
                        if (shown.isEmpty()) {
                            complete = false;
                        }
                        for (String attr : new String[] {"initialization", "media"}) {
                            String v = template.getAttribute(attr);
                            if (!v.isEmpty() && !v.startsWith("/") && !v.contains("://")) {
                                template.setAttribute(attr, ad.base() + v);
                            }
                        }
                        timeline(template, shown, r.pto);
                        if (ato != null) {
                            template.setAttribute("availabilityTimeOffset", ato);
                            template.removeAttribute("availabilityTimeComplete"); // whole files: complete when available
                        }
                        listed++;
                    }
                    if (!children(copy, "Representation").isEmpty()) {
                        period.appendChild(copy);
                    }
                }
                if (!complete || listed == 0) {
                    break; // an ad is listed once each of its Representations has a segment; the ones after it wait
                }
                out.add(period);
            }
            return out;
        }

        /** Seconds of a creative: its first video Representation's timeline, else the first one's. */
        private static double length(Document d) {
            Element period = children(d.getDocumentElement(), "Period").stream().findFirst().orElse(null);
            if (period == null) {
                return 0;
            }
            Rep main = main(representations(period));
            if (main == null) {
                return 0;
            }
            long ticks = 0;
            for (Seg s : main.segs) {
                ticks += s.d();
            }
            return ticks / (double) main.timescale;
        }
    }

    /**
     * The content's availabilityTimeOffset (on the main Representation's SegmentTemplate, where
     * {@link DashManifest} puts it, else on its AdaptationSet's), or null when it states none.
     */
    private static String availabilityTimeOffset(Element period, String mainId) {
        for (Element set : children(period, "AdaptationSet")) {
            for (Element rep : children(set, "Representation")) {
                if (!rep.getAttribute("id").equals(mainId)) {
                    continue;
                }
                for (Element e : new Element[] {child(rep, "SegmentTemplate"), child(set, "SegmentTemplate")}) {
                    if (e != null && e.hasAttribute("availabilityTimeOffset")) {
                        String v = e.getAttribute("availabilityTimeOffset").trim();
                        return atoMillis(v) > 0 ? v : null;
                    }
                }
            }
        }
        return null;
    }

    /** An availabilityTimeOffset in ms ({@code INF}: every segment at once); 0 for one that is not a number. */
    private static double atoMillis(String v) {
        if (v.equals("INF")) {
            return Double.POSITIVE_INFINITY;
        }
        try {
            double d = Double.parseDouble(v) * 1000;
            return Double.isFinite(d) && d > 0 ? d : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** For each content height, the creative's Representation nearest to it. */
    private static Set<Element> nearest(List<Element> reps, Set<Integer> heights) {
        Set<Element> out = new HashSet<>();
        if (heights.isEmpty() && !reps.isEmpty()) {
            out.add(reps.get(0));
        }
        for (int h : heights) {
            Element best = null;
            for (Element r : reps) {
                if (best == null || Math.abs(intAttr(r, "height") - h) < Math.abs(intAttr(best, "height") - h)) {
                    best = r;
                }
            }
            if (best != null) {
                out.add(best);
            }
        }
        return out;
    }

    /** A content piece as a Period: its source Period with only the piece's segments, start and offsets. */
    private static Element period(Document doc, Piece piece, Map<String, Rep> reps) {
        Element p = (Element) piece.source().cloneNode(true);
        p.setAttribute("id", piece.id());
        p.setAttribute("start", DashManifest.duration(piece.startMs()));
        for (Element set : children(p, "AdaptationSet")) {
            for (Element rep : children(set, "Representation")) {
                List<Seg> segs = piece.segs().get(rep.getAttribute("id"));
                Element template = child(rep, "SegmentTemplate");
                if (segs == null || segs.isEmpty() || template == null) {
                    set.removeChild(rep);
                    continue;
                }
                timeline(template, segs, piece.ptos().get(rep.getAttribute("id")));
            }
            if (children(set, "Representation").isEmpty()) {
                p.removeChild(set);
            }
        }
        return p;
    }

    /** Rewrites a SegmentTemplate's offset, first number and timeline (runs of equal durations folded). */
    private static void timeline(Element template, List<Seg> segs, long pto) {
        if (pto != 0) {
            template.setAttribute("presentationTimeOffset", Long.toString(pto));
        } else {
            template.removeAttribute("presentationTimeOffset");
        }
        if (!segs.isEmpty()) {
            template.setAttribute("startNumber", Long.toString(segs.get(0).number()));
        }
        Element old = child(template, "SegmentTimeline");
        if (old != null) {
            template.removeChild(old);
        }
        Document doc = template.getOwnerDocument();
        Element tl = doc.createElement("SegmentTimeline");
        Element run = null;
        long runEnd = -1;
        int repeat = 0;
        long runD = -1;
        for (Seg s : segs) {
            if (run != null && s.t() == runEnd && s.d() == runD) {
                repeat++;
                run.setAttribute("r", Integer.toString(repeat));
            } else {
                run = doc.createElement("S");
                run.setAttribute("t", Long.toString(s.t()));
                run.setAttribute("d", Long.toString(s.d()));
                tl.appendChild(run);
                repeat = 0;
                runD = s.d();
            }
            runEnd = s.t() + s.d();
        }
        template.appendChild(tl);
    }

    /** The Representations of a Period (with a SegmentTemplate and timeline of their own), by id. */
    private static Map<String, Rep> representations(Element period) {
        Map<String, Rep> out = new LinkedHashMap<>();
        for (Element set : children(period, "AdaptationSet")) {
            for (Element rep : children(set, "Representation")) {
                Element template = child(rep, "SegmentTemplate");
                if (template != null) {
                    Rep r = representation(rep, template);
                    out.put(r.id, r);
                }
            }
        }
        return out;
    }

    private static Rep representation(Element rep, Element template) {
        Element set = (Element) rep.getParentNode();
        boolean video = "video".equals(set.getAttribute("contentType")) || set.getAttribute("mimeType").startsWith("video")
                || rep.hasAttribute("height");
        int timescale = template.hasAttribute("timescale") ? Integer.parseInt(template.getAttribute("timescale")) : 1;
        long pto = template.hasAttribute("presentationTimeOffset") ? Long.parseLong(template.getAttribute("presentationTimeOffset")) : 0;
        long number = template.hasAttribute("startNumber") ? Long.parseLong(template.getAttribute("startNumber")) : 1;
        List<Seg> segs = new ArrayList<>();
        Element tl = child(template, "SegmentTimeline");
        long t = 0;
        if (tl != null) {
            for (Element s : children(tl, "S")) {
                if (s.hasAttribute("t")) {
                    t = Long.parseLong(s.getAttribute("t"));
                }
                long d = Long.parseLong(s.getAttribute("d"));
                int r = s.hasAttribute("r") ? Integer.parseInt(s.getAttribute("r")) : 0;
                if (r < 0 || r > 100_000) {
                    throw new IllegalArgumentException("S@r " + r + " is out of range");
                }
                for (int k = 0; k <= r; k++) {
                    segs.add(new Seg(number++, t, d));
                    t += d;
                }
            }
        }
        return new Rep(rep.getAttribute("id"), video, intAttr(rep, "height"), Math.max(1, timescale), pto, segs);
    }

    /** The first video Representation, else the first one. */
    private static Rep main(Map<String, Rep> reps) {
        for (Rep r : reps.values()) {
            if (r.video) {
                return r;
            }
        }
        return reps.isEmpty() ? null : reps.values().iterator().next();
    }

    private static int intAttr(Element e, String name) {
        String v = e.getAttribute(name);
        try {
            return v.isEmpty() ? 0 : Integer.parseInt(v);
        } catch (NumberFormatException x) {
            return 0;
        }
    }

    private static long millis(String xsDuration) {
        return xsDuration.isEmpty() ? 0 : Duration.parse(xsDuration).toMillis();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        List<Element> c = children(parent, name);
        return c.isEmpty() ? null : c.get(0);
    }

    /** One parser per thread (a builder is not thread-safe; making one per MPD costs more than the parse). */
    private static final ThreadLocal<DocumentBuilder> PARSER = ThreadLocal.withInitial(() -> {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new DefaultHandler() {
                @Override
                public void fatalError(SAXParseException e) throws SAXParseException {
                    throw e; // reported by the caller, not printed
                }
            });
            return b;
        } catch (Exception e) {
            throw new IllegalStateException("no XML parser", e);
        }
    });

    private static final ThreadLocal<Transformer> WRITER = ThreadLocal.withInitial(() -> {
        try {
            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            return t;
        } catch (Exception e) {
            throw new IllegalStateException("no XML writer", e);
        }
    });

    /** Parses an MPD with no DTD (so no entity of any kind) allowed. */
    static Document parse(String xml) {
        try {
            DocumentBuilder b = PARSER.get();
            Document d = b.parse(new InputSource(new StringReader(xml)));
            strip(d.getDocumentElement());
            return d;
        } catch (Exception e) {
            throw new IllegalArgumentException("not a readable MPD: " + e.getMessage(), e);
        }
    }

    /** Drops the layout whitespace, so the writer indents the spliced document evenly. */
    private static void strip(Element e) {
        NodeList nodes = e.getChildNodes();
        for (int i = nodes.getLength() - 1; i >= 0; i--) {
            Node n = nodes.item(i);
            if (n.getNodeType() == Node.TEXT_NODE && n.getTextContent().isBlank()) {
                e.removeChild(n);
            } else if (n instanceof Element c) {
                strip(c);
            }
        }
    }

    private static String write(Document doc) {
        try {
            doc.setXmlStandalone(true);
            Transformer t = WRITER.get();
            StringWriter w = new StringWriter(4096);
            t.transform(new DOMSource(doc), new StreamResult(w));
            String s = w.toString();
            int decl = s.indexOf("?>");
            // the JDK writer puts the root on the declaration's line
            return decl > 0 && s.charAt(decl + 2) != '\n' ? s.substring(0, decl + 2) + "\n" + s.substring(decl + 2) : s;
        } catch (Exception e) {
            throw new IllegalStateException("the spliced MPD could not be written", e);
        }
    }
}
