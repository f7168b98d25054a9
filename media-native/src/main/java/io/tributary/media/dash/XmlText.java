package io.tributary.media.dash;

/** Text for an XML attribute value between double quotes. */
public final class XmlText {

    private XmlText() {
    }

    /** Appends {@code value} with {@code & < > "} escaped. */
    public static StringBuilder appendAttributeValue(StringBuilder b, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b;
    }
}
