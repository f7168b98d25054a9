package io.tributary.media.amf;


import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Amf0RoundTripTest {

    private static Object roundTrip(Object value) {
        byte[] bytes = Amf0Writer.encode(value);
        Amf0Reader reader = new Amf0Reader(bytes);
        Object read = reader.readValue();
        assertFalse(reader.hasRemaining(), "value consumed exactly");
        // writing what was read gives the same bytes: markers (object vs ECMA array, etc.) survive
        assertArrayEquals(bytes, Amf0Writer.encode(read));
        return read;
    }

    @Test
    void scalarsRoundTrip() {
        assertEquals(0.0, roundTrip(0.0));
        assertEquals(-1.5e300, roundTrip(-1.5e300));
        assertTrue(Double.isNaN((Double) roundTrip(Double.NaN)));
        assertEquals(42.0, roundTrip(42), "integers are written as AMF numbers");
        assertEquals(true, roundTrip(true));
        assertEquals(false, roundTrip(false));
        assertEquals("", roundTrip(""));
        assertEquals("live/stream ü 🎥", roundTrip("live/stream ü 🎥"));
        assertNull(roundTrip(null));
        assertSame(AmfUndefined.INSTANCE, roundTrip(AmfUndefined.INSTANCE));
        assertEquals(new AmfDate(1_700_000_000_123.0, (short) 0), roundTrip(new AmfDate(1_700_000_000_123.0)));
        assertEquals(new AmfDate(-5.0, (short) -60), roundTrip(new AmfDate(-5.0, (short) -60)));
    }

    @Test
    void exactWireFormatOfCommonValues() {
        assertArrayEquals(new byte[] {2, 0, 4, 'l', 'i', 'v', 'e'}, Amf0Writer.encode("live"));
        assertArrayEquals(new byte[] {0, 0x3F, (byte) 0xF0, 0, 0, 0, 0, 0, 0}, Amf0Writer.encode(1.0));
        assertArrayEquals(new byte[] {3, 0, 1, 'a', 5, 0, 0, 9}, Amf0Writer.encode(singletonNull()));
        assertArrayEquals(new byte[] {8, 0, 0, 0, 1, 0, 1, 'a', 1, 1, 0, 0, 9},
                Amf0Writer.encode(new AmfEcmaArray(Map.of("a", true))));
        assertArrayEquals(new byte[] {10, 0, 0, 0, 2, 5, 6}, Amf0Writer.encode(Arrays.asList(null, AmfUndefined.INSTANCE)));
    }

    private static Map<String, Object> singletonNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", null);
        return m;
    }

    @Test
    void longStringsUseTheLongStringMarker() {
        String exactly64k = "x".repeat(0xFFFF);
        assertEquals(2, Amf0Writer.encode(exactly64k)[0], "65535 bytes still fit a short string");
        String longer = "é".repeat(40_000); // 80,000 UTF-8 bytes
        byte[] bytes = Amf0Writer.encode(longer);
        assertEquals(12, bytes[0]);
        assertEquals(longer, roundTrip(longer));
        assertEquals(exactly64k, roundTrip(exactly64k));
    }

    @Test
    void nestedObjectsAndArraysKeepOrderAndTypes() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", 1.0);
        inner.put("a", List.of("x", 2.0, new AmfEcmaArray(Map.of("k", "v"))));
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("app", "live");
        outer.put("inner", inner);
        outer.put("empty", new LinkedHashMap<>());
        outer.put("list", new ArrayList<>(List.of(List.of(), List.of(List.of(true)))));
        outer.put("when", new AmfDate(0));
        Object read = roundTrip(outer);
        assertEquals(outer, read);
        assertEquals(List.of("app", "inner", "empty", "list", "when"), new ArrayList<>(((Map<?, ?>) read).keySet()));
        Object ecma = ((List<?>) ((Map<?, ?>) ((Map<?, ?>) read).get("inner")).get("a")).get(2);
        assertInstanceOf(AmfEcmaArray.class, ecma);
    }

    @Test
    void readsReferencesTypedObjectsAndEmbeddedAmf3Scalars() {
        byte[] bytes = {
            10, 0, 0, 0, 2,              // strict array of 2
            3, 0, 1, 'k', 0, 0x40, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 9, // {k: 3.0}  (complex #1)
            7, 0, 1,                     // reference to complex #1
            0x10, 0, 1, 'T', 0, 1, 'n', 5, 0, 0, 9, // typed object T {n: null}
            0x11, 4, (byte) 0x81, 0x00,  // AMF3 integer 128
            0x11, 6, 7, 'a', 'b', 'c',    // AMF3 string "abc"
            0x11, 6, 0,                  // AMF3 string reference #0 -> "abc"
            0x11, 4, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, // AMF3 integer -1
            0x11, 3,                     // AMF3 true
        };
        List<Object> values = new Amf0Reader(bytes).readAll();
        List<?> array = (List<?>) values.get(0); // complex #0; the object inside is complex #1
        assertEquals(List.of(Map.of("k", 3.0), Map.of("k", 3.0)), array);
        assertSame(array.get(0), array.get(1), "a reference yields the referenced object");
        Map<String, Object> typed = new LinkedHashMap<>();
        typed.put("n", null);
        assertEquals(typed, values.get(1));
        assertEquals(List.of(128.0, "abc", "abc", -1.0, true), values.subList(2, 7));
    }

    @Test
    void malformedInputRaisesTheProtocolException() {
        assertMalformed(new byte[] {2, 0, 10, 'a'}, "truncated AMF data");
        assertMalformed(new byte[] {0, 1, 2}, "truncated AMF data");
        assertMalformed(new byte[] {0x0D}, "unsupported AMF0 type marker 0xd");
        assertMalformed(new byte[] {9}, "object-end marker outside an object");
        assertMalformed(new byte[] {3, 0, 1, 'a'}, "truncated AMF data");
        assertMalformed(new byte[] {10, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 5}, "strict array declares 2147483647 elements");
        assertMalformed(new byte[] {12, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, "truncated AMF data");
        assertMalformed(new byte[] {7, 0, 0}, "reference 0 to an unknown object");
        assertMalformed(new byte[] {3, 0, 1, 'a', 7, 0, 0, 0, 0, 9}, "reference 0 to an object that is not complete");
        assertMalformed(new byte[] {0x11, 0x0A}, "unsupported AMF3 type marker 0xa");
        byte[] deep = new byte[10_000];
        Arrays.fill(deep, (byte) 10);
        for (int i = 0; i < deep.length; i += 5) {
            deep[i] = 10;
            if (i + 4 < deep.length) {
                deep[i + 1] = 0;
                deep[i + 2] = 0;
                deep[i + 3] = 0;
                deep[i + 4] = 1;
            }
        }
        assertMalformed(deep, "nested deeper than 64");
    }

    private static void assertMalformed(byte[] input, String messagePart) {
        AmfFormatException e = assertThrows(AmfFormatException.class, () -> new Amf0Reader(input).readAll());
        assertTrue(e.getMessage().contains(messagePart), () -> "'" + e.getMessage() + "' should mention '" + messagePart + "'");
    }

    @Test
    void writerRefusesValuesWithoutAnAmfForm() {
        assertThrows(IllegalArgumentException.class, () -> Amf0Writer.encode(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Amf0Writer.encode(Map.of("", 1.0)));
    }
}
