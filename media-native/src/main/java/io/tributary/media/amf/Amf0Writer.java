package io.tributary.media.amf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

/**
 * Writes AMF0 values. {@link #writeValue(Object)} maps Java types the way
 * {@link Amf0Reader} produces them: Number -> number, Boolean, String (long string when
 * its UTF-8 form exceeds 65535 bytes), Map -> object ({@link AmfEcmaArray} -> ECMA array),
 * List/Collection -> strict array, null, {@link AmfUndefined}, {@link AmfDate}.
 */
public final class Amf0Writer {

    private byte[] buf = new byte[256];
    private int size;

    public Amf0Writer writeValue(Object value) {
        if (value == null) {
            return writeNull();
        } else if (value instanceof Number n) {
            return writeNumber(n.doubleValue());
        } else if (value instanceof Boolean b) {
            return writeBoolean(b);
        } else if (value instanceof CharSequence s) {
            return writeString(s.toString());
        } else if (value instanceof AmfEcmaArray a) {
            return writeEcmaArray(a);
        } else if (value instanceof Map<?, ?> m) {
            return writeObject(m);
        } else if (value instanceof Collection<?> c) {
            return writeStrictArray(c);
        } else if (value instanceof AmfUndefined) {
            return writeUndefined();
        } else if (value instanceof AmfDate d) {
            return writeDate(d);
        }
        throw new IllegalArgumentException("no AMF0 mapping for " + value.getClass().getName());
    }

    public Amf0Writer writeValues(Object... values) {
        for (Object v : values) {
            writeValue(v);
        }
        return this;
    }

    public Amf0Writer writeNumber(double value) {
        u8(Amf0.NUMBER);
        long bits = Double.doubleToRawLongBits(value);
        ensure(8);
        for (int i = 7; i >= 0; i--) {
            buf[size++] = (byte) (bits >>> (i * 8));
        }
        return this;
    }

    public Amf0Writer writeBoolean(boolean value) {
        u8(Amf0.BOOLEAN);
        u8(value ? 1 : 0);
        return this;
    }

    public Amf0Writer writeString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 0xFFFF) {
            u8(Amf0.LONG_STRING);
            u32(utf8.length);
        } else {
            u8(Amf0.STRING);
            u16(utf8.length);
        }
        bytes(utf8);
        return this;
    }

    public Amf0Writer writeNull() {
        u8(Amf0.NULL);
        return this;
    }

    public Amf0Writer writeUndefined() {
        u8(Amf0.UNDEFINED);
        return this;
    }

    public Amf0Writer writeDate(AmfDate date) {
        writeNumber(date.epochMillis());
        buf[size - 9] = Amf0.DATE; // same layout as a number, different marker
        u16(date.timeZone() & 0xFFFF);
        return this;
    }

    public Amf0Writer writeObject(Map<?, ?> properties) {
        u8(Amf0.OBJECT);
        writeProperties(properties);
        return this;
    }

    public Amf0Writer writeEcmaArray(Map<?, ?> properties) {
        u8(Amf0.ECMA_ARRAY);
        u32(properties.size());
        writeProperties(properties);
        return this;
    }

    public Amf0Writer writeStrictArray(Collection<?> values) {
        u8(Amf0.STRICT_ARRAY);
        u32(values.size());
        for (Object v : values) {
            writeValue(v);
        }
        return this;
    }

    private void writeProperties(Map<?, ?> properties) {
        for (Map.Entry<?, ?> e : properties.entrySet()) {
            byte[] key = String.valueOf(e.getKey()).getBytes(StandardCharsets.UTF_8);
            if (key.length == 0 || key.length > 0xFFFF) {
                // an empty key would read as the object-end marker
                throw new IllegalArgumentException("AMF0 property names must be 1..65535 UTF-8 bytes: '" + e.getKey() + "'");
            }
            u16(key.length);
            bytes(key);
            writeValue(e.getValue());
        }
        u16(0);
        u8(Amf0.OBJECT_END);
    }

    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** Convenience: encodes the given values in order. */
    public static byte[] encode(Object... values) {
        return new Amf0Writer().writeValues(values).toByteArray();
    }

    private void ensure(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }

    private void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    private void u16(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void u32(long v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }
}
