package io.tributary.media.vast;

/**
 * A VAST document that cannot be used, with the VAST error code a player reports for it
 * ({@code [ERRORCODE]}): 100 the XML does not parse (or uses a DTD, entities or more bytes than
 * allowed), 101 the document is not VAST as the schema has it, 102 a VAST version not supported.
 */
public final class VastException extends Exception {

    public static final int XML_PARSING = 100;
    public static final int SCHEMA = 101;
    public static final int VERSION = 102;

    private final int code;

    public VastException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** The VAST error code ({@code 100}, {@code 101} or {@code 102}). */
    public int code() {
        return code;
    }
}
