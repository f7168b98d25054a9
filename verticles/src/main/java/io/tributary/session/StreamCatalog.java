package io.tributary.session;

import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The streams a node serves viewers for, as sessions and QoE see them: an origin's own live
 * streams, plus, on an edge, every stream some origin of the cluster holds. Only these (and VOD
 * assets found playable, see {@link PlayableAssets}) become {@code stream_id} label values, which
 * keeps the metrics' cardinality bounded.
 */
public interface StreamCatalog {

    /** Whether viewers of {@code key} are attributed here. */
    boolean exists(String key);

    /** The stream's video renditions, highest first; empty when not known here. */
    List<String> videoRenditions(String key);

    /** Every stream key this node serves now. */
    Collection<String> keys();

    /** An origin's own streams. */
    static StreamCatalog of(LiveStreams streams) {
        return new StreamCatalog() {
            @Override
            public boolean exists(String key) {
                return streams.get(key) != null;
            }

            @Override
            public List<String> videoRenditions(String key) {
                LiveStream s = streams.get(key);
                return s == null ? List.of() : s.videoRenditions();
            }

            @Override
            public Collection<String> keys() {
                return streams.all().stream().map(LiveStream::key).toList();
            }
        };
    }

    /**
     * This catalogue plus streams served from elsewhere ({@code remote}: an edge's view of the
     * registry), whose rung order comes from {@code remoteRungs} (empty when unknown).
     */
    default StreamCatalog with(Predicate<String> remote, Supplier<Collection<String>> remoteKeys,
                               Function<String, List<String>> remoteRungs) {
        StreamCatalog local = this;
        return new StreamCatalog() {
            @Override
            public boolean exists(String key) {
                return local.exists(key) || remote.test(key);
            }

            @Override
            public List<String> videoRenditions(String key) {
                List<String> own = local.videoRenditions(key);
                return own.isEmpty() ? remoteRungs.apply(key) : own;
            }

            @Override
            public Collection<String> keys() {
                TreeSet<String> all = new TreeSet<>(local.keys());
                all.addAll(remoteKeys.get());
                return all;
            }
        };
    }
}
