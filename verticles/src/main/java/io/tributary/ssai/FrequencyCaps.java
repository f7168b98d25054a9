package io.tributary.ssai;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the built-in ad server gave each session lately, for its frequency cap: per session, how
 * many times each ad, counted from the session's first ad in the window. At most
 * {@link #MAX_SESSIONS} sessions are remembered (the least recently served go first), so a stranger
 * inventing session ids costs a bounded amount of memory and only loses the cap for others' oldest.
 */
final class FrequencyCaps {

    static final int MAX_SESSIONS = 20_000;
    static final int MAX_ADS_PER_SESSION = 256;

    private record Seen(long since, Map<String, Integer> counts) {
    }

    private final int cap;
    private final long windowMs;
    private final LinkedHashMap<String, Seen> sessions = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > MAX_SESSIONS;
        }
    };

    FrequencyCaps(int cap, long windowMs) {
        this.cap = cap;
        this.windowMs = windowMs;
    }

    /** How many times {@code session} got {@code ad} in the current window. */
    synchronized int count(String session, String ad, long nowMs) {
        Seen s = current(session, nowMs);
        return s == null ? 0 : s.counts().getOrDefault(ad, 0);
    }

    synchronized boolean allowed(String session, String ad, long nowMs) {
        return session.isEmpty() || count(session, ad, nowMs) < cap;
    }

    synchronized void served(String session, String ad, long nowMs) {
        if (session.isEmpty()) {
            return;
        }
        Seen s = current(session, nowMs);
        if (s == null) {
            s = new Seen(nowMs, new HashMap<>());
            sessions.put(session, s);
        }
        if (s.counts().size() < MAX_ADS_PER_SESSION || s.counts().containsKey(ad)) {
            s.counts().merge(ad, 1, Integer::sum);
        }
    }

    synchronized int sessions() {
        return sessions.size();
    }

    private Seen current(String session, long nowMs) {
        Seen s = sessions.get(session);
        if (s != null && nowMs - s.since() >= windowMs) {
            sessions.remove(session);
            return null;
        }
        return s;
    }
}
