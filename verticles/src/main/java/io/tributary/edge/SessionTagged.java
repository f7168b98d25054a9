package io.tributary.edge;

import io.tributary.cluster.ring.ContentKey;
import io.tributary.session.SessionUris;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Playlists and MPDs as an edge serves them to a player without CMCD: every URI carries the
 * player's {@code sid}, so its later requests are attributed to its session. The rewrite is done
 * once per cached manifest form into a template, and each player gets a copy with its own sid. One per
 * edge verticle (one event loop): no locking.
 */
final class SessionTagged {

    /** Templates kept; past this many (blocking reloads make a key per part) they are all dropped. */
    private static final int MAX = 512;

    private record Memo(Buffer source, SessionUris.Template template) {
    }

    private final Map<String, Memo> memos = new HashMap<>();

    /** {@code source}: the manifest as this viewer would get it without a sid (its edge clock URL in an MPD). */
    Buffer body(ContentKey key, Buffer source, String sid) {
        String ck = key.cacheKey();
        Memo m = memos.get(ck);
        if (m == null || m.source() != source) {
            if (memos.size() >= MAX) {
                memos.clear();
            }
            String text = source.toString(StandardCharsets.UTF_8);
            boolean mpd = key.object().endsWith(".mpd");
            m = new Memo(source, SessionUris.template(0, q -> mpd ? SessionUris.tagMpd(text, q.substring(SessionUris.PARAM.length() + 1))
                    : SessionUris.tagPlaylist(text, q)));
            memos.put(ck, m);
        }
        return m.template().with(sid);
    }
}
