package io.tributary.media.amf;



import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads AMF0 values from a byte range into plain Java values: Double, Boolean, String,
 * {@link LinkedHashMap} (objects; {@link AmfEcmaArray} for ECMA arrays), {@link List}
 * (strict arrays), {@code null}, {@link AmfUndefined}, {@link AmfDate}.
 *
 * <p>Any malformed input raises {@link AmfFormatException}; declared counts and lengths
 * are checked against the bytes actually present before anything is allocated, and
 * nesting is bounded so hostile input cannot exhaust the stack.
 *
 * <p>An AMF3 value embedded with the avmplus marker (0x11) is decoded only for the
 * scalar types clients actually send (undefined, null, booleans, integer, double, string).
 */
public final class Amf0Reader {

    /** Deeper nesting than any real client produces; the bound keeps recursion safe. */
    static final int MAX_DEPTH = 64;

    private final byte[] data;
    private final int end;
    private int pos;
    /** Complex values in order of appearance, for reference markers. */
    private final List<Object> references = new ArrayList<>();
    private final List<Boolean> referenceComplete = new ArrayList<>();
    private final List<String> amf3Strings = new ArrayList<>();

    public Amf0Reader(byte[] data) {
        this(data, 0, data.length);
    }

    public Amf0Reader(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside array of " + data.length);
        }
        this.data = data;
        this.pos = offset;
        this.end = offset + length;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    public int position() {
        return pos;
    }

    /** Reads one value. */
    public Object readValue() {
        return readValue(0);
    }

    /** Reads values until the input is exhausted. */
    public List<Object> readAll() {
        List<Object> values = new ArrayList<>();
        while (hasRemaining()) {
            values.add(readValue());
        }
        return values;
    }

    private Object readValue(int depth) {
        if (depth > MAX_DEPTH) {
            throw fail("AMF0 values nested deeper than " + MAX_DEPTH);
        }
        int marker = u8();
        switch (marker) {
            case Amf0.NUMBER:
                return readDouble();
            case Amf0.BOOLEAN:
                return u8() != 0;
            case Amf0.STRING:
                return utf8(u16());
            case Amf0.LONG_STRING:
            case Amf0.XML_DOCUMENT:
                return utf8(u32Length());
            case Amf0.NULL:
                return null;
            case Amf0.UNDEFINED:
                return AmfUndefined.INSTANCE;
            case Amf0.OBJECT:
                return readProperties(new LinkedHashMap<>(), depth);
            case Amf0.TYPED_OBJECT:
                utf8(u16()); // class name: no use for it here, the properties carry the data
                return readProperties(new LinkedHashMap<>(), depth);
            case Amf0.ECMA_ARRAY:
                u32(); // associative count is advisory; the object-end marker terminates
                return readProperties(new AmfEcmaArray(), depth);
            case Amf0.STRICT_ARRAY:
                return readStrictArray(depth);
            case Amf0.DATE: {
                double millis = readDouble();
                short tz = (short) u16();
                return new AmfDate(millis, tz);
            }
            case Amf0.REFERENCE:
                return readReference();
            case Amf0.AVMPLUS:
                return readAmf3Value();
            case Amf0.OBJECT_END:
                throw fail("AMF0 object-end marker outside an object at offset " + (pos - 1));
            default:
                throw fail("unsupported AMF0 type marker 0x" + Integer.toHexString(marker) + " at offset " + (pos - 1));
        }
    }

    private Map<String, Object> readProperties(LinkedHashMap<String, Object> map, int depth) {
        int index = register(map);
        while (true) {
            int keyLength = u16();
            if (keyLength == 0) {
                need(1);
                if ((data[pos] & 0xFF) == Amf0.OBJECT_END) {
                    pos++;
                    referenceComplete.set(index, true);
                    return map;
                }
            }
            String key = utf8(keyLength);
            map.put(key, readValue(depth + 1));
        }
    }

    private List<Object> readStrictArray(int depth) {
        long count = u32();
        // every element takes at least one byte, so a larger count is a lie we can refuse cheaply
        if (count > end - pos) {
            throw fail("AMF0 strict array declares " + count + " elements but only " + (end - pos) + " bytes remain");
        }
        List<Object> list = new ArrayList<>((int) count);
        int index = register(list);
        for (long i = 0; i < count; i++) {
            list.add(readValue(depth + 1));
        }
        referenceComplete.set(index, true);
        return list;
    }

    private int register(Object complex) {
        references.add(complex);
        referenceComplete.add(false);
        return references.size() - 1;
    }

    private Object readReference() {
        int index = u16();
        if (index >= references.size()) {
            throw fail("AMF0 reference " + index + " to an unknown object (" + references.size() + " seen)");
        }
        if (!referenceComplete.get(index)) {
            // a reference into an object still being read would build a cyclic value
            throw fail("AMF0 reference " + index + " to an object that is not complete");
        }
        return references.get(index);
    }

    // --- AMF3 (scalars only) ---

    private Object readAmf3Value() {
        int marker = u8();
        switch (marker) {
            case 0x00:
                return AmfUndefined.INSTANCE;
            case 0x01:
                return null;
            case 0x02:
                return Boolean.FALSE;
            case 0x03:
                return Boolean.TRUE;
            case 0x04: {
                int u29 = readU29();
                // 29-bit two's complement
                return (double) ((u29 << 3) >> 3);
            }
            case 0x05:
                return readDouble();
            case 0x06:
                return readAmf3String();
            default:
                throw fail("unsupported AMF3 type marker 0x" + Integer.toHexString(marker) + " at offset " + (pos - 1));
        }
    }

    private String readAmf3String() {
        int header = readU29();
        if ((header & 1) == 0) {
            int ref = header >>> 1;
            if (ref >= amf3Strings.size()) {
                throw fail("AMF3 string reference " + ref + " to an unknown string");
            }
            return amf3Strings.get(ref);
        }
        String s = utf8(header >>> 1);
        if (!s.isEmpty()) {
            amf3Strings.add(s);
        }
        return s;
    }

    private int readU29() {
        int value = 0;
        for (int i = 0; i < 3; i++) {
            int b = u8();
            value = (value << 7) | (b & 0x7F);
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        return (value << 8) | u8();
    }

    // --- primitives ---

    private AmfFormatException fail(String message) {
        return new AmfFormatException(message);
    }

    private void need(long n) {
        if (n > end - pos) {
            throw fail("truncated AMF data: need " + n + " bytes at offset " + pos + ", have " + (end - pos));
        }
    }

    private int u8() {
        need(1);
        return data[pos++] & 0xFF;
    }

    private int u16() {
        need(2);
        int v = ((data[pos] & 0xFF) << 8) | (data[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    private long u32() {
        need(4);
        long v = ((long) (data[pos] & 0xFF) << 24) | ((data[pos + 1] & 0xFF) << 16)
                | ((data[pos + 2] & 0xFF) << 8) | (data[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    private int u32Length() {
        long length = u32();
        need(length);
        return (int) length;
    }

    private double readDouble() {
        need(8);
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (data[pos + i] & 0xFF);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    private String utf8(int length) {
        need(length);
        String s = new String(data, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }
}
