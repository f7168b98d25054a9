package io.tributary.media.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Minimal ISO BMFF box walker for tests: parses the box tree of a byte array, descending into
 * known container boxes, and fails loudly on any size inconsistency (a child overrunning its
 * parent, trailing bytes that do not form a box, sizes below the header size).
 */
public final class Mp4Boxes {

    /** Boxes whose payload is nothing but child boxes. */
    private static final Set<String> CONTAINERS = Set.of(
            "moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf", "edts", "udta", "mfra", "sinf", "schi");

    /** Boxes with a full-box / sample-entry prefix before their children: type -> bytes to skip. */
    private static int prefixBeforeChildren(String type) {
        return switch (type) {
            case "stsd", "dref" -> 8; // version/flags + entry_count
            case "avc1", "avc3", "hvc1", "hev1", "av01", "encv" -> 78; // VisualSampleEntry fields
            case "mp4a", "enca" -> 28; // AudioSampleEntry fields (version 0)
            default -> -1;
        };
    }

    /** One box: where it starts in the parsed array, its total size, and its parsed children. */
    public record Box(String type, int offset, int size, int headerSize, List<Box> children, byte[] source) {

        public int payloadOffset() {
            return offset + headerSize;
        }

        public int payloadSize() {
            return size - headerSize;
        }

        public int end() {
            return offset + size;
        }

        /** First direct child of this type. */
        public Box child(String childType) {
            for (Box b : children) {
                if (b.type.equals(childType)) {
                    return b;
                }
            }
            throw new AssertionError("no '" + childType + "' in '" + type + "', children: " + types(children));
        }

        /** Descends a slash-separated path, e.g. {@code "mdia/minf/stbl/stsd/avc1/avcC"}. */
        public Box path(String path) {
            Box b = this;
            for (String part : path.split("/")) {
                b = b.child(part);
            }
            return b;
        }

        public List<String> childTypes() {
            return types(children);
        }

        /** Full-box version. */
        public int version() {
            return source[payloadOffset()] & 0xFF;
        }

        /** Full-box flags. */
        public int flags() {
            return u24(source, payloadOffset() + 1);
        }

        /** Unsigned 8..32-bit big-endian value at a payload offset. */
        public long u32(int payloadPos) {
            return Mp4Boxes.u32(source, payloadOffset() + payloadPos);
        }

        public long u64(int payloadPos) {
            return u32(payloadPos) << 32 | u32(payloadPos + 4);
        }

        public int u16(int payloadPos) {
            return Mp4Boxes.u16(source, payloadOffset() + payloadPos);
        }

        public int u8(int payloadPos) {
            return source[payloadOffset() + payloadPos] & 0xFF;
        }

        public String fourcc(int payloadPos) {
            return new String(source, payloadOffset() + payloadPos, 4, StandardCharsets.ISO_8859_1);
        }

        public byte[] payload() {
            byte[] p = new byte[payloadSize()];
            System.arraycopy(source, payloadOffset(), p, 0, p.length);
            return p;
        }

        @Override
        public String toString() {
            return type + "@" + offset + "[" + size + "]" + (children.isEmpty() ? "" : children.toString());
        }
    }

    private Mp4Boxes() {
    }

    /** Parses all top-level boxes; they must cover the array exactly. */
    public static List<Box> parse(byte[] data) {
        return parse(data, 0, data.length);
    }

    public static List<Box> parse(byte[] data, int from, int to) {
        List<Box> boxes = new ArrayList<>();
        int pos = from;
        while (pos < to) {
            if (to - pos < 8) {
                throw new AssertionError(to - pos + " trailing bytes at " + pos + " do not form a box");
            }
            long size = u32(data, pos);
            String type = new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1);
            int header = 8;
            if (size == 1) {
                size = (u32(data, pos + 8) << 32) | u32(data, pos + 12);
                header = 16;
            } else if (size == 0) {
                size = to - pos; // extends to the end
            }
            if (size < header || pos + size > to) {
                throw new AssertionError("box '" + type + "' at " + pos + " has size " + size
                        + " but its container ends at " + to);
            }
            int end = (int) (pos + size);
            List<Box> children = List.of();
            if (CONTAINERS.contains(type)) {
                children = parse(data, pos + header, end);
            } else if (prefixBeforeChildren(type) >= 0) {
                int childStart = pos + header + prefixBeforeChildren(type);
                if (childStart > end) {
                    throw new AssertionError("box '" + type + "' too small for its fields");
                }
                children = parse(data, childStart, end);
            }
            boxes.add(new Box(type, pos, (int) size, header, children, data));
            pos = end;
        }
        return boxes;
    }

    public static List<String> types(List<Box> boxes) {
        List<String> t = new ArrayList<>();
        for (Box b : boxes) {
            t.add(b.type());
        }
        return t;
    }

    /** First top-level box of a type. */
    public static Box find(List<Box> boxes, String type) {
        for (Box b : boxes) {
            if (b.type().equals(type)) {
                return b;
            }
        }
        throw new AssertionError("no top-level '" + type + "' in " + types(boxes));
    }

    static long u32(byte[] b, int pos) {
        return (b[pos] & 0xFFL) << 24 | (b[pos + 1] & 0xFF) << 16 | (b[pos + 2] & 0xFF) << 8 | (b[pos + 3] & 0xFF);
    }

    static int u16(byte[] b, int pos) {
        return (b[pos] & 0xFF) << 8 | (b[pos + 1] & 0xFF);
    }

    static int u24(byte[] b, int pos) {
        return (b[pos] & 0xFF) << 16 | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF);
    }
}
