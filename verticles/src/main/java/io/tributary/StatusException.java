package io.tributary;

/**
 * The one failure vocabulary: a failure with an HTTP-style status. HTTP routes answer
 * with the status and the message; event-bus and gRPC callers map the same code.
 */
public class StatusException extends RuntimeException {

    private final int status;

    public StatusException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static StatusException badRequest(String message) {
        return new StatusException(400, message);
    }

    public static StatusException notFound(String message) {
        return new StatusException(404, message);
    }

    public static StatusException conflict(String message) {
        return new StatusException(409, message);
    }
}
