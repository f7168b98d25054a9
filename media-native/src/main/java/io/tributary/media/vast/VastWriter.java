package io.tributary.media.vast;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

/**
 * Writes a VAST 4.1 response of InLine linear ads (an ad server's side of {@link VastParser}):
 * a pod when the ads carry sequences, a "no ad" answer (with its root errors) when there are none.
 * Text and attributes are escaped by the XML writer, so no value can open an element.
 */
public final class VastWriter {

    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newDefaultFactory();

    private VastWriter() {
    }

    public static String write(VastDocument doc) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w;
            synchronized (FACTORY) {
                w = FACTORY.createXMLStreamWriter(out);
            }
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("VAST");
            w.writeAttribute("version", doc.version());
            w.writeDefaultNamespace("http://www.iab.com/VAST");
            for (VastAd ad : doc.ads()) {
                ad(w, ad);
            }
            for (String e : doc.errors()) {
                text(w, "Error", e);
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("writing VAST to a string failed", e);
        }
        return out.toString();
    }

    private static void ad(XMLStreamWriter w, VastAd ad) throws XMLStreamException {
        w.writeStartElement("Ad");
        w.writeAttribute("id", ad.id());
        if (ad.sequence() > 0) {
            w.writeAttribute("sequence", Integer.toString(ad.sequence()));
        }
        w.writeStartElement("InLine");
        text(w, "AdSystem", ad.adSystem());
        text(w, "AdTitle", ad.id());
        for (String u : ad.impressions()) {
            text(w, "Impression", u);
        }
        for (String u : ad.errors()) {
            text(w, "Error", u);
        }
        w.writeStartElement("Creatives");
        for (VastLinear l : ad.linears()) {
            w.writeStartElement("Creative");
            w.writeAttribute("id", l.creativeId());
            w.writeStartElement("Linear");
            text(w, "Duration", duration(l.durationMs()));
            w.writeStartElement("TrackingEvents");
            for (Map.Entry<String, List<String>> e : l.tracking().entrySet()) {
                for (String u : e.getValue()) {
                    w.writeStartElement("Tracking");
                    w.writeAttribute("event", e.getKey());
                    cdata(w, u);
                    w.writeEndElement();
                }
            }
            w.writeEndElement();
            w.writeStartElement("MediaFiles");
            for (VastMediaFile f : l.mediaFiles()) {
                w.writeStartElement("MediaFile");
                w.writeAttribute("delivery", f.delivery());
                w.writeAttribute("type", f.type());
                w.writeAttribute("width", Integer.toString(f.width()));
                w.writeAttribute("height", Integer.toString(f.height()));
                if (f.bitrateKbps() > 0) {
                    w.writeAttribute("bitrate", Integer.toString(f.bitrateKbps()));
                }
                cdata(w, f.url());
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndElement();
            w.writeEndElement();
        }
        w.writeEndElement();
        w.writeEndElement();
        w.writeEndElement();
    }

    private static void text(XMLStreamWriter w, String name, String value) throws XMLStreamException {
        w.writeStartElement(name);
        cdata(w, value);
        w.writeEndElement();
    }

    /** URLs go in CDATA as ad servers write them; a value that would end the section is escaped text instead. */
    private static void cdata(XMLStreamWriter w, String value) throws XMLStreamException {
        if (value.contains("]]>")) {
            w.writeCharacters(value);
        } else {
            w.writeCData(value);
        }
    }

    /** {@code HH:MM:SS.mmm}. */
    public static String duration(long ms) {
        return String.format(java.util.Locale.ROOT, "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    }
}
