package io.tributary.media.rtmp;

import io.tributary.media.amf.AmfFormatException;
import io.tributary.media.flv.FlvFormatException;

import io.tributary.media.amf.Amf0Reader;
import io.tributary.media.amf.Amf0Writer;
import io.tributary.media.amf.AmfDate;
import io.tributary.media.amf.AmfEcmaArray;
import io.tributary.media.amf.AmfUndefined;
import io.tributary.media.flv.FlvTagParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzzing: whatever the bytes, only RtmpProtocolException may escape, and
 * each input is small so an infinite loop or runaway allocation shows up as a timeout/OOM.
 */
class RtmpFuzzTest {

    private static final int ITERATIONS = 20_000;
    private static final int MAX_INPUT = 24 * 1024;
    /** Small limits so a mutated length field cannot make the decoder buffer much. */
    private static final RtmpLimits LIMITS = new RtmpLimits(256 * 1024, 64 * 1024);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void serverSessionSurvivesMutatedAndRandomInput() {
        byte[] seed = SyntheticPublish.run("fuzz", SyntheticPublish.tags(16_777_000, 40, 11)).clientBytes();
        Random random = new Random(20240601L);
        int rejected = 0;
        long eventsSeen = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = i % 10 == 9 ? randomAfterHandshake(random) : mutate(random, seed);
            RtmpServerSession server = new RtmpServerSession(LIMITS);
            try {
                for (int pos = 0; pos < input.length; ) {
                    int n = Math.min(input.length - pos, 1 + random.nextInt(4096));
                    List<RtmpEvent> events = server.receive(input, pos, n);
                    eventsSeen += events.size();
                    if (events.stream().anyMatch(e -> e instanceof RtmpEvent.PublishRequested)) {
                        if (random.nextBoolean()) {
                            server.acceptPublish();
                        } else {
                            server.rejectPublish("NetStream.Publish.BadName", "fuzz");
                        }
                    }
                    server.drainOutbound();
                    pos += n;
                }
            } catch (RtmpProtocolException expected) {
                rejected++;
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("iteration " + i + ": " + e + " for input of " + input.length + " bytes", e);
            }
        }
        // sanity: the fuzzer exercised both the happy path and the error paths
        assertTrue(rejected > ITERATIONS / 10 && rejected < ITERATIONS, "rejected " + rejected);
        assertTrue(eventsSeen > ITERATIONS, "events seen " + eventsSeen);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void amf0ReaderSurvivesMutatedAndRandomInput() {
        byte[] seed = Amf0Writer.encode("connect", 1.0, Map.of("app", "live", "nested", Map.of("list", List.of(1.0, "two",
                new AmfDate(1.7e12), AmfUndefined.INSTANCE)), "bool", true), null, new AmfEcmaArray(Map.of("w", 320.0)));
        Random random = new Random(99);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = i % 4 == 0 ? SyntheticPublish.randomBytes(random, random.nextInt(200)) : mutate(random, seed);
            try {
                new Amf0Reader(input).readAll();
            } catch (AmfFormatException expected) {
                // fine
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("iteration " + i + ": " + e + " for " + Arrays.toString(input), e);
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void flvTagParserSurvivesRandomPayloads() {
        Random random = new Random(5);
        FlvTagParser parser = new FlvTagParser();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] payload = SyntheticPublish.randomBytes(random, random.nextInt(40));
            if (payload.length > 0 && random.nextBoolean()) {
                payload[0] = (byte) (random.nextBoolean() ? 0x17 : 0x87 + random.nextInt(8)); // AVC / enhanced
            }
            try {
                if (random.nextBoolean()) {
                    parser.parseVideo(i, payload);
                } else {
                    parser.parseAudio(i, payload);
                }
            } catch (FlvFormatException expected) {
                // fine
            } catch (RuntimeException e) {
                throw new AssertionError("iteration " + i + ": " + e + " for " + Arrays.toString(payload), e);
            }
        }
    }

    /** A valid handshake then random bytes, so the chunk layer (not C0) sees the noise. */
    private static byte[] randomAfterHandshake(Random random) {
        return RtmpTestKit.concat(RtmpTestKit.clientHandshake(), SyntheticPublish.randomBytes(random, 1 + random.nextInt(2000)));
    }

    /** Bit flips, overwrites with boundary values, insertions, deletions, truncation. */
    static byte[] mutate(Random random, byte[] seed) {
        byte[] b = Arrays.copyOf(seed, Math.min(seed.length, MAX_INPUT));
        if (b.length > 4000 && random.nextInt(3) > 0) {
            b = Arrays.copyOf(b, 3073 + random.nextInt(b.length - 3073)); // keep the handshake most of the time
        }
        int mutations = 1 + random.nextInt(6);
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int at = random.nextInt(b.length);
            if (b.length > 3200 && random.nextInt(4) > 0) {
                at = 3073 + random.nextInt(Math.min(b.length, 6000) - 3073); // bias towards the control/command region
            }
            switch (random.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, 0x03, 0xC3, 0x01}[random.nextInt(7)];
                case 2 -> {
                    byte[] insert = SyntheticPublish.randomBytes(random, 1 + random.nextInt(16));
                    byte[] r = new byte[b.length + insert.length];
                    System.arraycopy(b, 0, r, 0, at);
                    System.arraycopy(insert, 0, r, at, insert.length);
                    System.arraycopy(b, at, r, at + insert.length, b.length - at);
                    b = r;
                }
                case 3 -> {
                    int n = Math.min(b.length - at, 1 + random.nextInt(16));
                    byte[] r = new byte[b.length - n];
                    System.arraycopy(b, 0, r, 0, at);
                    System.arraycopy(b, at + n, r, at, b.length - at - n);
                    b = r;
                }
                default -> b = Arrays.copyOf(b, at);
            }
        }
        return b;
    }
}
