package io.tributary.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JSON object per line in the shape of Elastic Common Schema logging: {@code @timestamp},
 * {@code log.level}, {@code message}, {@code ecs.version}, {@code log.logger},
 * {@code process.thread.name}, {@code service.name}, the MDC entries as top-level fields
 * ({@code stream.id}, {@code session.id}) and {@code error.type}, {@code error.message},
 * {@code error.stack_trace} for an exception, and an event's key-value pairs (the access log's
 * {@code http.*}, {@code url.path}, {@code event.duration}) as fields too. Written by hand: the fields are few and fixed.
 */
public final class EcsJson extends EncoderBase<ILoggingEvent> {

    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        return line(e).getBytes(StandardCharsets.UTF_8);
    }

    static String line(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256);
        b.append('{');
        field(b, "@timestamp", Instant.ofEpochMilli(e.getTimeStamp()).toString(), true);
        field(b, "log.level", e.getLevel().toString(), false);
        field(b, "message", e.getFormattedMessage(), false);
        field(b, "ecs.version", "1.6.0", false);
        field(b, "service.name", "tributary", false);
        field(b, "log.logger", e.getLoggerName(), false);
        field(b, "process.thread.name", e.getThreadName(), false);
        Map<String, String> mdc = e.getMDCPropertyMap();
        if (mdc != null) {
            for (Map.Entry<String, String> m : new TreeMap<>(mdc).entrySet()) {
                field(b, m.getKey(), m.getValue(), false);
            }
        }
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) {
                if (kv.value instanceof Number n && !(n instanceof Double d && !Double.isFinite(d))
                        && !(n instanceof Float f && !Float.isFinite(f))) { // NaN is no JSON number
                    b.append(',');
                    string(b, kv.key);
                    b.append(':').append(n);
                } else {
                    field(b, kv.key, String.valueOf(kv.value), false);
                }
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            field(b, "error.type", t.getClassName(), false);
            if (t.getMessage() != null) {
                field(b, "error.message", t.getMessage(), false);
            }
            field(b, "error.stack_trace", ThrowableProxyUtil.asString(t), false);
        }
        return b.append("}\n").toString();
    }

    private static void field(StringBuilder b, String name, String value, boolean first) {
        if (!first) {
            b.append(',');
        }
        string(b, name);
        b.append(':');
        string(b, value == null ? "" : value);
    }

    /** A JSON string (RFC 8259 escapes; U+2028/9 too, for consumers that read JSON as JavaScript). */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
