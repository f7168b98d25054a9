package io.tributary.testing;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A real node with real publishers on it, for tests about what the live path serves:
 * <pre>{@code
 * try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"))) {
 *     live.publish("cam1").send(4.2);
 *     Playlist p = live.awaitSegments("cam1", "video", 2, Duration.ofSeconds(10));
 * }
 * }</pre>
 * Waits are bounded, and a wait that runs out says what it expected and what the node last
 * answered (status and playlist). {@link #close()} closes every publication, then stops the node.
 * The static forms work on any node (clustered ones from {@link TestCluster}).
 */
public final class LiveNode implements AutoCloseable {

    private final Node node;
    private final List<TestPublication> publications = new ArrayList<>();

    private LiveNode(Node node) {
        this.node = node;
    }

    /** {@link TestNode#start} with {@code overrides} (env-style keys). */
    public static LiveNode start(Map<String, String> overrides) {
        return new LiveNode(TestNode.start(overrides));
    }

    public Node node() {
        return node;
    }

    /** The synthetic source most tests publish: 320x240, 30 fps, 1 s GOP, no B-frames, with audio. */
    public static SyntheticAvSource smallSource() {
        return new SyntheticAvSource(320, 240, 30, 30, 0, true);
    }

    /** Publishes {@link #smallSource()} on {@code key}; fails at once when the node refuses the publish. */
    public TestPublication publish(String key) {
        return publish(key, smallSource());
    }

    /** Publishes {@code source} (the publication owns it from now on) on {@code key}, configs sent. */
    public TestPublication publish(String key, SyntheticAvSource source) {
        TestPublication p = publish(node, key, source);
        publications.add(p);
        return p;
    }

    /** A publication on {@code node} that the caller closes. */
    public static TestPublication publish(Node node, String key, SyntheticAvSource source) {
        RtmpTestPublisher rtmp;
        try {
            rtmp = RtmpTestPublisher.publish(node.rtmpPort(), key);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
        if (!rtmp.publishing()) {
            rtmp.close();
            source.close();
            throw new AssertionError("publish of '" + key + "' refused: " + rtmp.failure());
        }
        rtmp.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
        return new TestPublication(rtmp, source);
    }

    /** Waits until {@code key}'s {@code rendition} lists at least {@code n} complete segments; returns that playlist. */
    public Playlist awaitSegments(String key, String rendition, int n, Duration within) {
        return awaitSegments(node, key, rendition, n, within);
    }

    /** As {@link #awaitSegments(String, String, int, Duration)}, on any node. */
    public static Playlist awaitSegments(Node node, String key, String rendition, int n, Duration within) {
        return awaitPlaylist(node, "/live/" + key + "/" + rendition + "/index.m3u8", n + " complete segments",
                p -> p.segments().size() >= n, within);
    }

    /** Waits, within one deadline, until every one of {@code renditions} of {@code key} lists at least {@code n} complete segments. */
    public void awaitSegmentsInEach(String key, List<String> renditions, int n, Duration within) {
        awaitSegmentsInEach(node, key, renditions, n, within);
    }

    /** As {@link #awaitSegmentsInEach(String, List, int, Duration)}, on any node. */
    public static void awaitSegmentsInEach(Node node, String key, List<String> renditions, int n, Duration within) {
        Poll last = new Poll();
        try {
            TestNode.await(n + " complete segments in each of " + renditions + " of '" + key + "'", within,
                    () -> renditions.stream().allMatch(rendition -> {
                        String path = "/live/" + key + "/" + rendition + "/index.m3u8";
                        HttpResponse<String> r = TestNode.get(node, path);
                        last.saw(path, r);
                        return r.statusCode() == 200 && new Playlist(r.body()).segments().size() >= n;
                    }));
        } catch (AssertionError e) {
            throw last.failure(e);
        }
    }

    /** Waits until {@code key}'s first variant (the top video rendition) lists at least {@code n} complete segments. */
    public Playlist awaitVideoSegments(String key, int n, Duration within) {
        return awaitVideoSegments(node, key, n, within);
    }

    /** As {@link #awaitVideoSegments(String, int, Duration)}, on any node; the variant is read from the multivariant playlist. */
    public static Playlist awaitVideoSegments(Node node, String key, int n, Duration within) {
        String what = n + " complete segments in the first variant of /live/" + key + "/index.m3u8";
        Poll last = new Poll();
        try {
            TestNode.await(what, within, () -> {
                HttpResponse<String> mv = TestNode.get(node, "/live/" + key + "/index.m3u8");
                last.saw("/live/" + key + "/index.m3u8", mv);
                if (mv.statusCode() != 200) {
                    return false;
                }
                String path = "/live/" + key + "/" + variantOf(mv.body()) + "/index.m3u8";
                HttpResponse<String> media = TestNode.get(node, path);
                last.saw(path, media);
                if (media.statusCode() != 200) {
                    return false;
                }
                last.playlist = new Playlist(media.body());
                return last.playlist.segments().size() >= n;
            });
        } catch (AssertionError e) {
            throw last.failure(e);
        }
        return last.playlist;
    }

    /** Waits until the media playlist at {@code path} answers 200 and satisfies {@code condition}; returns it. */
    public static Playlist awaitPlaylist(Node node, String path, String expected, Predicate<Playlist> condition,
                                         Duration within) {
        Poll last = new Poll();
        try {
            TestNode.await(expected + " in " + path, within, () -> {
                HttpResponse<String> r = TestNode.get(node, path);
                last.saw(path, r);
                if (r.statusCode() != 200) {
                    return false;
                }
                last.playlist = new Playlist(r.body());
                return condition.test(last.playlist);
            });
        } catch (AssertionError e) {
            throw last.failure(e);
        }
        return last.playlist;
    }

    /** Waits until {@code path} on this node answers 200. */
    public void awaitOk(String path, Duration within) {
        awaitOk(node, path, within);
    }

    /** Waits until {@code path} on {@code node} answers 200. */
    public static void awaitOk(Node node, String path, Duration within) {
        Poll last = new Poll();
        try {
            TestNode.await("200 from " + path, within, () -> {
                HttpResponse<String> r = TestNode.get(node, path);
                last.saw(path, r);
                return r.statusCode() == 200;
            });
        } catch (AssertionError e) {
            throw last.failure(e);
        }
    }

    /** The first variant's rendition directory of {@code key} (e.g. {@code video} or {@code 720p}), from its multivariant playlist. */
    public String videoRendition(String key) {
        HttpResponse<String> mv = TestNode.get(node, "/live/" + key + "/index.m3u8");
        if (mv.statusCode() != 200) {
            throw new AssertionError("/live/" + key + "/index.m3u8 answered " + mv.statusCode() + ": " + mv.body());
        }
        return variantOf(mv.body());
    }

    /** The first variant's rendition directory in a multivariant playlist's text. */
    public static String variantOf(String multivariant) {
        for (Playlist.Line l : new Playlist(multivariant).lines) {
            if (l.uri() != null) {
                return l.uri().substring(0, l.uri().indexOf('/'));
            }
        }
        throw new AssertionError("no variant in\n" + multivariant);
    }

    /** The media playlist at {@code path}, which must answer 200. */
    public Playlist playlist(String path) {
        HttpResponse<String> r = TestNode.get(node, path);
        if (r.statusCode() != 200) {
            throw new AssertionError(path + " answered " + r.statusCode() + ": " + r.body());
        }
        return new Playlist(r.body());
    }

    /** Closes every publication started here, then stops the node. */
    @Override
    public void close() {
        try {
            for (TestPublication p : publications) {
                p.close();
            }
            publications.clear();
        } finally {
            TestNode.stop(node);
        }
    }

    /** The last answer a wait saw, for its failure message. */
    private static final class Poll {
        private String path;
        private int status;
        private String body;
        private Playlist playlist;

        void saw(String p, HttpResponse<String> r) {
            path = p;
            status = r.statusCode();
            body = r.body();
        }

        AssertionError failure(AssertionError timeout) {
            String seen = path == null ? "no answer at all" : path + " last answered " + status + ":\n" + body;
            return new AssertionError(timeout.getMessage() + "; " + seen, timeout.getCause());
        }
    }
}
