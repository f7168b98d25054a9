package io.tributary.ssai;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which ads a session that joins a break late plays, and the per-stream mode rules. */
class LateJoinTest {

    private static final long[] POD = {8000, 8000, 8000};

    @Test
    void aLateJoinerPlaysTheAdsThatStartAfterItJoined() {
        assertEquals(0, SessionPod.skipped(POD, 0), "there at the start: the whole pod");
        assertEquals(0, SessionPod.skipped(POD, 200), "joined within the rounding slack of the first ad's start: played");
        assertEquals(1, SessionPod.skipped(POD, 1000), "a partial ad is never played");
        assertEquals(1, SessionPod.skipped(POD, 7999));
        assertEquals(1, SessionPod.skipped(POD, 8000), "an ad starting as the session joins is played");
        assertEquals(1, SessionPod.skipped(POD, 8000 + SessionPod.JOIN_SLACK_MS), "within the rounding slack: still played");
        assertEquals(2, SessionPod.skipped(POD, 8000 + SessionPod.JOIN_SLACK_MS + 1));
        assertEquals(3, SessionPod.skipped(POD, 20_000), "joined in the last ad: no ad, the break plays as content");
        assertEquals(3, SessionPod.skipped(POD, 60_000));
    }

    @Test
    void aSessionThatWasWatchingIsNotALateJoiner() {
        SessionPods first = new SessionPods("s", "ch", 0, 100_000, 4000);
        assertEquals(0, first.joinedInto(97_000), "seen 3 s after the start: within two target durations, on time");
        assertEquals(0, first.joinedInto(200_000), "a break after the session joined");
        assertEquals(10_000, first.joinedInto(90_000), "first seen 10 s into the break");
        assertEquals(0, new SessionPods("s", "ch", 0).joinedInto(0), "no join point known: on time");
    }

    static Settings settings(String modeRules) {
        Settings s = new Settings(Map.of());
        s.merge("", Map.of("ssai", Map.of("enabled", true, "mode", "stitch", "streams", List.of(), "decision-wait", "2s",
                "max-sessions", 1000, "session-idle", "10m", "mode-rules", modeRules)));
        return s;
    }

    @Test
    void modeRulesChooseStitchOrInterstitialsPerStreamFirstMatchWinning() {
        SsaiSettings s = SsaiSettings.from(settings("news-*=interstitials, news-sport=stitch, *-hls=INTERSTITIALS"));
        assertEquals(SsaiSettings.Mode.INTERSTITIALS, s.modeOf("news-1"));
        assertEquals(SsaiSettings.Mode.INTERSTITIALS, s.modeOf("news-sport"), "the first match wins");
        assertEquals(SsaiSettings.Mode.INTERSTITIALS, s.modeOf("movies-hls"));
        assertEquals(SsaiSettings.Mode.STITCH, s.modeOf("movies"), "no match: ssai.mode");
        assertEquals(SsaiSettings.Mode.STITCH, SsaiSettings.from(settings("")).modeOf("news-1"));
        for (String bad : List.of("news-*", "news-*=both", "=stitch", "news/1=stitch")) {
            ConfigException e = assertThrows(ConfigException.class, () -> SsaiSettings.from(settings(bad)), bad);
            assertTrue(e.getMessage().contains("ssai.mode-rules"), e.getMessage());
        }
    }
}
