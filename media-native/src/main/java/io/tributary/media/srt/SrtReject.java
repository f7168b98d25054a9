package io.tributary.media.srt;

/**
 * Reject reasons an SRT listener answers a conclusion with (the handshake type is
 * 1000 + reason). Below 1000 the library's own codes, from 1000 the access-control
 * codes libsrt defines for applications (1000 + an HTTP-like status).
 */
public final class SrtReject {

    public static final int UNKNOWN = 0;
    public static final int SYSTEM = 1;
    public static final int PEER = 2;
    public static final int RESOURCE = 3;
    public static final int ROGUE = 4;
    public static final int VERSION = 8;
    public static final int BADSECRET = 10;
    public static final int UNSECURE = 11;
    public static final int MESSAGEAPI = 12;
    public static final int CONGESTION = 13;
    public static final int FILTER = 14;
    public static final int GROUP = 15;
    public static final int CRYPTO = 17;

    public static final int BAD_REQUEST = 1400;
    public static final int UNAUTHORIZED = 1401;
    public static final int OVERLOAD = 1402;
    public static final int FORBIDDEN = 1403;
    public static final int NOT_FOUND = 1404;
    public static final int BAD_MODE = 1405;
    public static final int CONFLICT = 1409;
    public static final int SERVICE_UNAVAILABLE = 1503;

    private SrtReject() {
    }

    public static String name(int reason) {
        return switch (reason) {
            case RESOURCE -> "resource";
            case ROGUE -> "rogue";
            case VERSION -> "version";
            case BADSECRET -> "bad_secret";
            case UNSECURE -> "unsecure";
            case MESSAGEAPI -> "message_api";
            case CONGESTION -> "congestion";
            case FILTER -> "filter";
            case GROUP -> "group";
            case CRYPTO -> "crypto";
            case BAD_REQUEST -> "bad_request";
            case UNAUTHORIZED -> "unauthorized";
            case OVERLOAD -> "overload";
            case FORBIDDEN -> "forbidden";
            case NOT_FOUND -> "not_found";
            case BAD_MODE -> "bad_mode";
            case CONFLICT -> "conflict";
            case SERVICE_UNAVAILABLE -> "unavailable";
            default -> "reject_" + reason;
        };
    }
}
