package io.tributary.log;

import org.slf4j.MDC;

/**
 * Puts a stream key (and a player session id) into the MDC for the log calls inside a
 * try-with-resources block; both formats show them ({@code stream.id}, {@code session.id}). The
 * MDC is per thread and an event loop serves many streams: set it around the call, never leave it.
 */
public final class LogContext implements AutoCloseable {

    public static final String STREAM = "stream.id";
    public static final String SESSION = "session.id";

    private boolean stream;
    private boolean session;

    private LogContext() {
    }

    public static LogContext stream(String key) {
        LogContext c = new LogContext();
        if (key != null) {
            MDC.put(STREAM, key);
            c.stream = true;
        }
        return c;
    }

    public LogContext session(String id) {
        if (id != null) {
            MDC.put(SESSION, id);
            session = true;
        }
        return this;
    }

    @Override
    public void close() {
        if (stream) {
            MDC.remove(STREAM);
        }
        if (session) {
            MDC.remove(SESSION);
        }
    }
}
