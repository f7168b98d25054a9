package io.tributary.media.vast;

import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads VAST 2.0, 3.0 and 4.x responses: InLine and Wrapper ads with their linear creatives
 * (duration, media files, tracking), impressions, errors and pods ({@code sequence}).
 *
 * <p>The document comes from an ad server, that is from outside: a DTD (and with it any entity,
 * internal or external) is refused outright, so neither an entity bomb nor an external entity can
 * be expressed; the input is bounded in bytes, nesting, ads, media files and URLs. Elements this
 * reader does not use (companions, non-linear ads, extensions, verifications) are skipped.
 */
public final class VastParser {

    /** Bytes a VAST document may have. */
    public static final int MAX_BYTES = 1 << 20;
    static final int MAX_DEPTH = 64;
    static final int MAX_ADS = 64;
    static final int MAX_LINEARS = 8;
    static final int MAX_MEDIA_FILES = 32;
    static final int MAX_URLS = 64;
    static final int MAX_TEXT = 8192;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,3}))?");
    private static final XMLInputFactory FACTORY = factory();

    private VastParser() {
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        return f;
    }

    /** Parses one VAST document. */
    public static VastDocument parse(byte[] xml) throws VastException {
        if (xml.length > MAX_BYTES) {
            throw new VastException(VastException.XML_PARSING, "the VAST document has " + xml.length + " bytes, over " + MAX_BYTES);
        }
        XMLStreamReader r;
        try {
            synchronized (FACTORY) { // a factory's configuration is not documented as thread-safe
                r = FACTORY.createXMLStreamReader(new ByteArrayInputStream(xml));
            }
        } catch (XMLStreamException e) {
            throw new VastException(VastException.XML_PARSING, "not XML: " + brief(e));
        }
        try {
            return new Reading(r).document();
        } catch (XMLStreamException | RuntimeException e) {
            throw new VastException(VastException.XML_PARSING, "not well-formed XML: " + brief(e));
        } finally {
            try {
                r.close();
            } catch (XMLStreamException ignored) {
                // nothing held
            }
        }
    }

    /** {@code HH:MM:SS} or {@code HH:MM:SS.mmm} in milliseconds; -1 when it is neither. */
    public static long durationMs(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return -1;
        }
        int minutes = Integer.parseInt(m.group(2));
        int seconds = Integer.parseInt(m.group(3));
        if (minutes > 59 || seconds > 59) {
            return -1;
        }
        String frac = m.group(4) == null ? "0" : (m.group(4) + "00").substring(0, 3);
        return ((Long.parseLong(m.group(1)) * 60 + minutes) * 60 + seconds) * 1000 + Integer.parseInt(frac);
    }

    private static String brief(Exception e) {
        String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
        return m.length() > 200 ? m.substring(0, 200) : m;
    }

    /** One pass over the events, keeping the path of element names. */
    private static final class Reading {

        private final XMLStreamReader r;
        private final Deque<String> path = new ArrayDeque<>();
        private final StringBuilder text = new StringBuilder();
        private String version;
        private final List<VastAd> ads = new ArrayList<>();
        private final List<String> rootErrors = new ArrayList<>();

        // the ad being read
        private String adId;
        private int sequence;
        private Boolean wrapper;
        private String adSystem;
        private String adTagUri;
        private List<String> impressions;
        private List<String> errors;
        private List<VastLinear> linears;
        // the creative and its linear being read
        private String creativeId;
        private boolean inLinear;
        private long duration;
        private List<VastMediaFile> mediaFiles;
        private Map<String, List<String>> tracking;
        private int urls;
        // the media file or tracking element being read
        private Map<String, String> attrs;

        Reading(XMLStreamReader r) {
            this.r = r;
        }

        VastDocument document() throws XMLStreamException, VastException {
            boolean root = false;
            while (r.hasNext()) {
                int event = r.next();
                switch (event) {
                    case XMLStreamConstants.DTD -> throw new VastException(VastException.XML_PARSING,
                            "a DOCTYPE is not accepted in VAST (no DTD, no entities)");
                    case XMLStreamConstants.ENTITY_REFERENCE -> throw new VastException(VastException.XML_PARSING,
                            "entity references are not accepted in VAST");
                    case XMLStreamConstants.START_ELEMENT -> {
                        if (path.size() >= MAX_DEPTH) {
                            throw new VastException(VastException.XML_PARSING, "elements nested over " + MAX_DEPTH + " deep");
                        }
                        if (path.isEmpty()) {
                            if (root || !"VAST".equals(r.getLocalName())) {
                                throw new VastException(VastException.SCHEMA, "the root element is <" + r.getLocalName() + ">, not <VAST>");
                            }
                            root = true;
                            version = attr("version");
                            if (!version.matches("[234](\\.\\d{1,2}){0,2}")) {
                                throw new VastException(VastException.VERSION, "VAST version '" + version + "' is not 2.x, 3.x or 4.x");
                            }
                        }
                        path.push(r.getLocalName());
                        text.setLength(0);
                        start(r.getLocalName());
                    }
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                        if (text.length() + r.getTextLength() > MAX_TEXT) {
                            throw new VastException(VastException.XML_PARSING, "an element's text is over " + MAX_TEXT + " characters");
                        }
                        text.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
                    }
                    case XMLStreamConstants.END_ELEMENT -> {
                        end(path.peek(), text.toString().trim());
                        path.pop();
                        text.setLength(0);
                    }
                    default -> {
                        // comments, processing instructions
                    }
                }
            }
            if (!root) {
                throw new VastException(VastException.XML_PARSING, "empty document");
            }
            return new VastDocument(version, ads, rootErrors);
        }

        private String attr(String name) {
            String v = r.getAttributeValue(null, name);
            return v == null ? "" : v.trim();
        }

        /** The element's parent (the element itself is on top of the path). */
        private String parent() {
            var it = path.iterator();
            it.next();
            return it.hasNext() ? it.next() : "";
        }

        private boolean inAd() {
            return adId != null;
        }

        private void start(String name) throws VastException {
            String parent = parent();
            switch (name) {
                case "Ad" -> {
                    if (!"VAST".equals(parent)) {
                        return;
                    }
                    if (ads.size() >= MAX_ADS) {
                        throw new VastException(VastException.SCHEMA, "more than " + MAX_ADS + " ads");
                    }
                    adId = attr("id");
                    String seq = attr("sequence");
                    sequence = seq.matches("\\d{1,4}") ? Integer.parseInt(seq) : 0;
                    wrapper = null;
                    adSystem = "";
                    adTagUri = "";
                    impressions = new ArrayList<>();
                    errors = new ArrayList<>();
                    linears = new ArrayList<>();
                    urls = 0;
                }
                case "InLine", "Wrapper" -> {
                    if (inAd() && "Ad".equals(parent)) {
                        if (wrapper != null) {
                            throw new VastException(VastException.SCHEMA, "an Ad with both InLine and Wrapper");
                        }
                        wrapper = name.equals("Wrapper");
                    }
                }
                case "Creative" -> {
                    if (inAd() && "Creatives".equals(parent)) {
                        String id = attr("id");
                        creativeId = id.isEmpty() ? attr("adId") : id;
                    }
                }
                case "Linear" -> {
                    if (inAd() && "Creative".equals(parent)) {
                        inLinear = true;
                        duration = -1;
                        mediaFiles = new ArrayList<>();
                        tracking = new LinkedHashMap<>();
                    }
                }
                case "MediaFile" -> {
                    if (inLinear && "MediaFiles".equals(parent)) {
                        attrs = Map.of("type", attr("type"), "delivery", attr("delivery"), "width", attr("width"),
                                "height", attr("height"), "bitrate", attr("bitrate"), "maxBitrate", attr("maxBitrate"));
                    }
                }
                case "Tracking" -> {
                    if (inLinear && "TrackingEvents".equals(parent)) {
                        attrs = Map.of("event", attr("event"));
                    }
                }
                default -> {
                }
            }
        }

        private void end(String name, String value) throws VastException {
            String parent = parent();
            if (!inAd()) {
                if (name.equals("Error") && "VAST".equals(parent) && !value.isEmpty() && rootErrors.size() < MAX_URLS) {
                    rootErrors.add(value);
                }
                return;
            }
            boolean adLevel = ("InLine".equals(parent) || "Wrapper".equals(parent)) && path.size() == 4;
            switch (name) {
                case "AdSystem" -> {
                    if (adLevel) {
                        adSystem = value;
                    }
                }
                case "Impression" -> {
                    if (adLevel) {
                        url(impressions, value);
                    }
                }
                case "Error" -> {
                    if (adLevel) {
                        url(errors, value);
                    }
                }
                case "VASTAdTagURI" -> {
                    if (adLevel) {
                        adTagUri = value;
                    }
                }
                case "Duration" -> {
                    if (inLinear && "Linear".equals(parent)) {
                        duration = durationMs(value);
                    }
                }
                case "MediaFile" -> {
                    if (inLinear && attrs != null && "MediaFiles".equals(parent)) {
                        if (!value.isEmpty() && mediaFiles.size() < MAX_MEDIA_FILES) {
                            int bitrate = number(attrs.get("bitrate"));
                            mediaFiles.add(new VastMediaFile(value, attrs.get("type"), attrs.get("delivery"),
                                    number(attrs.get("width")), number(attrs.get("height")),
                                    bitrate > 0 ? bitrate : number(attrs.get("maxBitrate"))));
                        }
                        attrs = null;
                    }
                }
                case "Tracking" -> {
                    if (inLinear && attrs != null && "TrackingEvents".equals(parent)) {
                        String event = attrs.get("event");
                        if (!event.isEmpty() && event.length() <= 40) {
                            List<String> list = tracking.get(event);
                            if (list == null && tracking.size() < MAX_URLS) {
                                list = new ArrayList<>();
                                tracking.put(event, list);
                            }
                            if (list != null) {
                                url(list, value);
                            }
                        }
                        attrs = null;
                    }
                }
                case "Linear" -> {
                    if (inLinear && "Creative".equals(parent)) {
                        inLinear = false;
                        if (linears.size() < MAX_LINEARS) {
                            linears.add(new VastLinear(creativeId == null ? "" : creativeId, wrapper != null && wrapper ? -1 : duration,
                                    mediaFiles, tracking));
                        }
                    }
                }
                case "Creative" -> {
                    if ("Creatives".equals(parent)) {
                        creativeId = null;
                    }
                }
                case "Ad" -> {
                    if ("VAST".equals(parent)) {
                        if (wrapper == null) {
                            throw new VastException(VastException.SCHEMA, "Ad '" + adId + "' has neither InLine nor Wrapper");
                        }
                        if (wrapper && adTagUri.isEmpty()) {
                            throw new VastException(VastException.SCHEMA, "Wrapper ad '" + adId + "' has no VASTAdTagURI");
                        }
                        ads.add(new VastAd(adId, sequence, wrapper, adSystem, adTagUri, impressions, errors, linears));
                        adId = null;
                    }
                }
                default -> {
                }
            }
        }

        private void url(List<String> into, String value) {
            if (!value.isEmpty() && urls < MAX_URLS) {
                urls++;
                into.add(value);
            }
        }

        private static int number(String s) {
            return s != null && s.matches("\\d{1,7}") ? Integer.parseInt(s) : 0;
        }
    }
}
