package io.tributary.media.ts;

import io.tributary.media.MediaEvent;
import io.tributary.media.Track;
import io.tributary.media.scte35.Crc32Mpeg2;
import io.tributary.media.scte35.Scte35FormatException;
import io.tributary.media.scte35.Scte35Parser;
import io.tributary.media.scte35.SpliceCues;
import io.tributary.media.scte35.SpliceInfoSection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sans-IO MPEG-TS demuxer (ISO/IEC 13818-1) for one single-programme transport stream, as an SRT
 * or UDP publisher sends it: PAT, then the PMT of the first programme; its first H.264 (0x1B) /
 * H.265 (0x24) video and first ADTS AAC (0x0F) audio stream become {@link MediaEvent}s, its
 * SCTE-35 (0x86) streams become {@link MediaEvent.Cue}s. Every other PID is ignored.
 *
 * <p>Fed in any chunking. A packet is taken only when the byte after it is a sync byte too (or the
 * input ends), so a packet cut short is never glued to the next one; on loss of sync the demuxer
 * searches for it again. Continuity counters are checked on every followed PID: a gap drops the
 * access unit it fell in, and everything up to the next unit start. Timestamps are milliseconds on
 * the 90 kHz clock of the stream, unwrapped past the 33-bit wrap.
 *
 * <p>Bounded: one PES buffer of at most {@code maxPesBytes} per followed PID, one section buffer of
 * at most 4 KiB per section PID, at most {@value #MAX_SCTE35_PIDS} SCTE-35 PIDs. Not thread-safe.
 */
public final class TsDemuxer {

    public static final int PACKET = 188;
    public static final int DEFAULT_MAX_PES_BYTES = 8 * 1024 * 1024;
    /** Bytes without finding packet sync after which the input is declared not to be MPEG-TS. */
    public static final int MAX_UNSYNCED_BYTES = 64 * PACKET;
    static final int MAX_SCTE35_PIDS = 8;

    private static final int SYNC = 0x47;
    private static final int PAT_PID = 0;
    private static final int NULL_PID = 0x1FFF;

    /** The mutable counters behind {@link TsStats}, shared with the per-PID parts. */
    static final class Counters {
        long packets;
        long skippedBytes;
        long syncLosses;
        long continuityErrors;
        long duplicatePackets;
        long transportErrors;
        long droppedAccessUnits;
        long waitingSamples;
        long sectionErrors;
        long configErrors;
        long pcrCount;
        long lastPcr = -1;
        long samples;
        long cues;
        /** PTS - DTS of the newest video keyframe (90 kHz): maps a splice PTS onto the decode clock. */
        long keyframeDelay;
    }

    private final int maxPesBytes;
    private final Counters counters = new Counters();
    private final PtsClock clock = new PtsClock();
    private final Map<Integer, Pid> pids = new HashMap<>();
    /** {@link #pids} by PID number, for the per-packet lookup (no boxing); rebuilt when the PAT or PMT changes them. */
    private final Pid[] byPid = new Pid[NULL_PID + 1];
    private final byte[] leftover = new byte[PACKET];
    private int leftoverLen;
    private int unsynced;
    private boolean synced = true;
    private int pmtPid = -1;
    private List<MediaEvent> out;
    private final java.util.Set<Integer> reported = new java.util.HashSet<>();

    public TsDemuxer() {
        this(DEFAULT_MAX_PES_BYTES);
    }

    public TsDemuxer(int maxPesBytes) {
        if (maxPesBytes < 1024) {
            throw new IllegalArgumentException("maxPesBytes " + maxPesBytes + " < 1024");
        }
        this.maxPesBytes = maxPesBytes;
        pids.put(PAT_PID, new SectionPid(this::patSection));
        reindex();
    }

    /**
     * Takes the next bytes of the stream.
     *
     * @return the events they complete, in stream order (possibly none)
     * @throws TsFormatException when no packet sync was found in {@link #MAX_UNSYNCED_BYTES} bytes
     */
    public List<MediaEvent> feed(byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off > buf.length - len) {
            throw new IllegalArgumentException("range " + off + "+" + len + " outside array of " + buf.length);
        }
        out = new ArrayList<>();
        byte[] b = buf;
        int p = off;
        int end = off + len;
        if (leftoverLen > 0) {
            b = new byte[leftoverLen + len];
            System.arraycopy(leftover, 0, b, 0, leftoverLen);
            System.arraycopy(buf, off, b, leftoverLen, len);
            p = 0;
            end = b.length;
            leftoverLen = 0;
        }
        scan(b, p, end, false);
        return out;
    }

    /**
     * End of input: takes a last packet not followed by anything, and the PES still open (an
     * unbounded PES ends with the stream). When the input ended inside a packet, the open PES are
     * dropped instead. A stream cut off exactly at a packet boundary cannot be told from a complete one.
     */
    public List<MediaEvent> flush() {
        out = new ArrayList<>();
        if (leftoverLen > 0) {
            byte[] b = Arrays.copyOf(leftover, leftoverLen);
            leftoverLen = 0;
            scan(b, 0, b.length, true);
        }
        // bytes left over are a packet cut short: the units still open may have lost their end
        boolean clean = leftoverLen == 0;
        leftoverLen = 0;
        for (Pid pid : pids.values()) {
            if (pid instanceof PesPid pes) {
                if (clean) {
                    pes.assembler.flush(out);
                } else {
                    pes.assembler.damage();
                }
            }
        }
        return out;
    }

    public TsStats stats() {
        Counters c = counters;
        return new TsStats(c.packets, c.skippedBytes, c.syncLosses, c.continuityErrors, c.duplicatePackets,
                c.transportErrors, c.droppedAccessUnits, c.waitingSamples, c.sectionErrors, c.configErrors,
                c.pcrCount, c.lastPcr, c.samples, c.cues);
    }

    /**
     * Packets are taken where a sync byte starts them and, to acquire sync, the next one follows; once in sync, a
     * feed's last whole packet is taken at once (SRT and UDP carry 7 whole packets a datagram: nothing is held back
     * and copied again with the next).
     */
    private void scan(byte[] b, int p, int end, boolean last) {
        while (end - p > PACKET || (end - p == PACKET && (last || synced))) {
            boolean whole = end - p == PACKET;
            if ((b[p] & 0xFF) == SYNC && (whole || (b[p + PACKET] & 0xFF) == SYNC)) {
                synced = true;
                unsynced = 0;
                packet(b, p);
                p += PACKET;
                continue;
            }
            if (whole && !last) {
                break; // a feed's last packet out of step: what follows tells where sync is
            }
            if (synced) {
                synced = false;
                counters.syncLosses++;
            }
            counters.skippedBytes++;
            if (++unsynced > MAX_UNSYNCED_BYTES) {
                throw new TsFormatException("no MPEG-TS packet sync in " + MAX_UNSYNCED_BYTES + " bytes");
            }
            p++;
        }
        leftoverLen = end - p;
        System.arraycopy(b, p, leftover, 0, leftoverLen);
    }

    private void packet(byte[] b, int p) {
        counters.packets++;
        int pid = (b[p + 1] & 0x1F) << 8 | (b[p + 2] & 0xFF);
        if (pid == NULL_PID) {
            return;
        }
        Pid s = byPid[pid];
        if (s == null) {
            return; // not a PID of the programme we follow
        }
        boolean unitStart = (b[p + 1] & 0x40) != 0;
        int afc = (b[p + 3] >> 4) & 0x03;
        int cc = b[p + 3] & 0x0F;
        if ((b[p + 1] & 0x80) != 0) {
            counters.transportErrors++; // the modulator flagged it uncorrectable: treat as lost
            s.lastCc = -1;
            s.damage();
            return;
        }
        int pos = p + 4;
        boolean discontinuity = false;
        if ((afc & 2) != 0) {
            int afLength = b[pos] & 0xFF;
            int maxAf = afc == 2 ? 183 : 182;
            if (afLength > maxAf) {
                counters.transportErrors++;
                s.lastCc = -1;
                s.damage();
                return;
            }
            if (afLength > 0) {
                int flags = b[pos + 1] & 0xFF;
                discontinuity = (flags & 0x80) != 0;
                if ((flags & 0x10) != 0 && afLength >= 7) {
                    counters.pcrCount++;
                    counters.lastPcr = (b[pos + 2] & 0xFFL) << 25 | (b[pos + 3] & 0xFF) << 17
                            | (b[pos + 4] & 0xFF) << 9 | (b[pos + 5] & 0xFF) << 1 | (b[pos + 6] & 0xFF) >> 7;
                }
            }
            pos += 1 + afLength;
        }
        if ((afc & 1) == 0) {
            return; // adaptation field only: the counter does not advance
        }
        if (s.lastCc >= 0 && !discontinuity) {
            if (cc == s.lastCc) {
                if (Arrays.equals(b, p, p + PACKET, s.lastPacket, 0, PACKET)) {
                    counters.duplicatePackets++;
                    return;
                }
                counters.continuityErrors++;
                s.damage();
            } else if (cc != ((s.lastCc + 1) & 0x0F)) {
                counters.continuityErrors++;
                s.damage();
            }
        }
        s.lastCc = cc;
        System.arraycopy(b, p, s.lastPacket, 0, PACKET);
        if ((b[p + 3] & 0xC0) != 0) {
            counters.transportErrors++; // scrambled: the payload is of no use without the keys
            s.damage();
            return;
        }
        s.payload(b, pos, p + PACKET - pos, unitStart);
    }

    // ---- PSI ----

    private void patSection(byte[] s, int len) {
        if (!psiOk(s, len, 0x00)) {
            return;
        }
        int firstPmt = -1;
        for (int i = 8; i + 4 <= len - 4; i += 4) {
            int program = (s[i] & 0xFF) << 8 | (s[i + 1] & 0xFF);
            int pid = (s[i + 2] & 0x1F) << 8 | (s[i + 3] & 0xFF);
            if (program != 0) {
                firstPmt = pid;
                break;
            }
        }
        if (firstPmt < 0 || firstPmt == pmtPid || firstPmt == PAT_PID || firstPmt == NULL_PID) {
            return;
        }
        if (pmtPid >= 0) {
            pids.keySet().removeIf(pid -> pid != PAT_PID); // a new programme: everything below the PAT starts over
        }
        pmtPid = firstPmt;
        pids.put(pmtPid, new SectionPid(this::pmtSection));
        reindex();
    }

    private void reindex() {
        Arrays.fill(byPid, null);
        pids.forEach((pid, state) -> byPid[pid] = state);
    }

    private void pmtSection(byte[] s, int len) {
        if (!psiOk(s, len, 0x02)) {
            return;
        }
        if (len < 16) {
            counters.sectionErrors++;
            return;
        }
        int programInfoLength = (s[10] & 0x0F) << 8 | (s[11] & 0xFF);
        int i = 12 + programInfoLength;
        int loopEnd = len - 4;
        Map<Integer, Integer> wanted = new HashMap<>();
        boolean video = false;
        boolean audio = false;
        int scte = 0;
        List<Integer> others = new ArrayList<>();
        while (i + 5 <= loopEnd) {
            int type = s[i] & 0xFF;
            int pid = (s[i + 1] & 0x1F) << 8 | (s[i + 2] & 0xFF);
            int esInfoLength = (s[i + 3] & 0x0F) << 8 | (s[i + 4] & 0xFF);
            i += 5 + esInfoLength;
            if (i > loopEnd || pid == PAT_PID || pid == pmtPid || pid == NULL_PID) {
                break;
            }
            switch (type) {
                case 0x1B, 0x24 -> {
                    if (!video) {
                        video = true;
                        wanted.put(pid, type);
                    }
                }
                case 0x0F -> {
                    if (!audio) {
                        audio = true;
                        wanted.put(pid, type);
                    }
                }
                case 0x86 -> {
                    if (scte++ < MAX_SCTE35_PIDS) {
                        wanted.putIfAbsent(pid, type);
                    }
                }
                default -> others.add(type);
            }
        }
        for (int type : others) {
            unsupported(type, video, audio);
        }
        // keep the state of PIDs whose role did not change; drop the rest
        pids.entrySet().removeIf(e -> e.getKey() != PAT_PID && e.getKey() != pmtPid
                && !Integer.valueOf(e.getValue().streamType).equals(wanted.get(e.getKey())));
        for (Map.Entry<Integer, Integer> w : wanted.entrySet()) {
            if (pids.containsKey(w.getKey())) {
                continue;
            }
            Pid pid = switch (w.getValue()) {
                case 0x1B -> new PesPid(new H264Stream(counters));
                case 0x24 -> new PesPid(new H265Stream(counters));
                case 0x0F -> new PesPid(new AdtsStream(counters));
                default -> new SectionPid(this::scte35Section);
            };
            pid.streamType = w.getValue();
            pids.put(w.getKey(), pid);
        }
        reindex();
    }

    /** A codec the node cannot take, reported once, and only when no stream of that kind can replace it. */
    private void unsupported(int type, boolean haveVideo, boolean haveAudio) {
        String codec = switch (type) {
            case 0x01, 0x02 -> "mpeg2-video";
            case 0x10 -> "mpeg4-visual";
            case 0x03, 0x04 -> "mp3";
            case 0x11 -> "aac-latm";
            case 0x81 -> "ac-3";
            case 0x87 -> "e-ac-3";
            default -> null;
        };
        if (codec == null) {
            return;
        }
        Track track = codec.endsWith("video") || codec.endsWith("visual") ? Track.VIDEO : Track.AUDIO;
        if ((track == Track.VIDEO ? !haveVideo : !haveAudio) && reported.add(type)) {
            out.add(new MediaEvent.UnsupportedCodec(track, codec));
        }
    }

    private boolean psiOk(byte[] s, int len, int tableId) {
        if ((s[0] & 0xFF) != tableId) {
            return false; // another table on this PID (or stuffing): not an error
        }
        if (len < 12 || (s[1] & 0x80) == 0 || Crc32Mpeg2.compute(s, 0, len) != 0) {
            counters.sectionErrors++;
            return false;
        }
        return (s[5] & 1) != 0; // current_next_indicator: a "next" table does not apply yet
    }

    private void scte35Section(byte[] s, int len) {
        if ((s[0] & 0xFF) != 0xFC) {
            return;
        }
        SpliceInfoSection section;
        try {
            section = Scte35Parser.parse(s, 0, len);
        } catch (Scte35FormatException e) {
            counters.sectionErrors++;
            return;
        }
        // samples are placed by decode time: a splice at PTS p is the frame decoded at p - (its PTS - DTS)
        long delay = counters.keyframeDelay;
        List<MediaEvent.Cue> cues = SpliceCues.of(section, pts -> PtsClock.toMs(clock.peek(pts) - delay), nowMs());
        counters.cues += cues.size();
        out.addAll(cues);
    }

    /** Media time "now" for an immediate splice: the newest PES timestamp, else the last PCR. */
    private long nowMs() {
        if (clock.started()) {
            return PtsClock.toMs(clock.last());
        }
        return counters.lastPcr >= 0 ? PtsClock.toMs(counters.lastPcr) : 0;
    }

    // ---- per-PID state ----

    private abstract static class Pid {
        int lastCc = -1;
        int streamType;
        final byte[] lastPacket = new byte[PACKET];

        abstract void payload(byte[] b, int off, int len, boolean unitStart);

        abstract void damage();
    }

    private final class PesPid extends Pid {
        final PesAssembler assembler;

        PesPid(EsHandler handler) {
            assembler = new PesAssembler(handler, clock, counters, maxPesBytes);
        }

        @Override
        void payload(byte[] b, int off, int len, boolean unitStart) {
            assembler.payload(b, off, len, unitStart, out);
        }

        @Override
        void damage() {
            assembler.damage();
        }
    }

    private interface SectionHandler {
        void section(byte[] s, int len);
    }

    /** Reassembles PSI / private sections (pointer_field, sections across packets, several per packet). */
    private final class SectionPid extends Pid {
        private final SectionHandler handler;
        private final byte[] sec = new byte[Scte35Parser.MAX_SECTION];
        private int secLen;
        private boolean collecting;

        SectionPid(SectionHandler handler) {
            this.handler = handler;
        }

        @Override
        void payload(byte[] b, int off, int len, boolean unitStart) {
            int end = off + len;
            if (unitStart) {
                if (len < 1) {
                    damage();
                    return;
                }
                int pointer = b[off] & 0xFF;
                off++;
                if (pointer > end - off) {
                    counters.sectionErrors++;
                    damage();
                    return;
                }
                if (collecting) {
                    append(b, off, off + pointer); // the tail of the section in progress
                }
                off += pointer;
                collecting = true;
                secLen = 0;
            } else if (!collecting) {
                return;
            }
            append(b, off, end);
        }

        private void append(byte[] b, int off, int end) {
            while (off < end && collecting) {
                if (secLen == 0 && (b[off] & 0xFF) == 0xFF) {
                    collecting = false; // stuffing: no more sections until the next unit start
                    return;
                }
                int want = secLen < 3 ? 3 : 3 + ((sec[1] & 0x0F) << 8 | (sec[2] & 0xFF));
                if (want > sec.length) {
                    counters.sectionErrors++;
                    damage();
                    return;
                }
                int take = Math.min(want - secLen, end - off);
                System.arraycopy(b, off, sec, secLen, take);
                secLen += take;
                off += take;
                if (secLen >= 3 && secLen == 3 + ((sec[1] & 0x0F) << 8 | (sec[2] & 0xFF))) {
                    handler.section(sec, secLen);
                    secLen = 0;
                }
            }
        }

        @Override
        void damage() {
            collecting = false;
            secLen = 0;
        }
    }
}
