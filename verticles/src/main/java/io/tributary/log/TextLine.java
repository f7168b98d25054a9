package io.tributary.log;

import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;

import java.time.Instant;
import java.util.Map;

/**
 * One line per event, whatever the event holds: time (UTC), level, thread, logger, the message,
 * the MDC as {@code key=value} and an exception folded onto the same line. Line breaks and other
 * control characters in a message are escaped: a grep or a log shipper sees exactly one event per
 * line, and a value a client sent cannot forge a second one.
 */
public final class TextLine extends LayoutBase<ILoggingEvent> {

    /** Frames shown per exception in the chain; the JSON format carries the whole trace. */
    static final int FRAMES = 6;

    private final TargetLengthBasedClassNameAbbreviator abbreviator = new TargetLengthBasedClassNameAbbreviator(36);

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(160);
        b.append(Instant.ofEpochMilli(e.getTimeStamp())).append(' ');
        String level = e.getLevel().toString();
        b.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
        b.append('[');
        escape(b, e.getThreadName());
        b.append("] ").append(abbreviator.abbreviate(e.getLoggerName())).append(" - ");
        escape(b, e.getFormattedMessage());
        Map<String, String> mdc = e.getMDCPropertyMap();
        if (mdc != null && !mdc.isEmpty()) {
            b.append(" {");
            boolean first = true;
            for (Map.Entry<String, String> m : new java.util.TreeMap<>(mdc).entrySet()) {
                if (!first) {
                    b.append(' ');
                }
                first = false;
                escape(b, m.getKey());
                b.append('=');
                escape(b, m.getValue());
            }
            b.append('}');
        }
        for (IThrowableProxy t = e.getThrowableProxy(), first = t; t != null; t = t.getCause()) {
            b.append(t == first ? " ! " : " | caused by ");
            escape(b, t.getClassName());
            if (t.getMessage() != null) {
                b.append(": ");
                escape(b, t.getMessage());
            }
            StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
            for (int i = 0; i < Math.min(FRAMES, frames.length); i++) {
                b.append(" at ");
                escape(b, frames[i].getStackTraceElement().toString());
            }
            if (frames.length > FRAMES) {
                b.append(" ...");
            }
        }
        return b.append('\n').toString();
    }

    /** Control characters as escapes: {@code \n}, {@code \r}, {@code \t}, else {@code \\uXXXX}. */
    static void escape(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }
}
