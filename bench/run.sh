#!/usr/bin/env bash
# Runs one benchmark by name: bench/run.sh NAME [ARGS...]
# Builds the project first (mvn -q -B install -DskipTests) unless BENCH_NO_BUILD=1.
# Each benchmark takes /tmp/tributary-bench.lock itself around its measurement phases.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
NAME="${1:-}"
shift || true

case "$NAME" in
  latency)  MAIN=io.tributary.bench.latency.LatencyBench ;;
  delivery) MAIN=io.tributary.bench.delivery.DeliveryBench ;;
  fanout)   MAIN=io.tributary.bench.fanout.FanoutBench ;;
  delivery-profile) MAIN=io.tributary.bench.delivery.DeliveryProfile ;;
  ingest)   MAIN=io.tributary.bench.ingest.IngestBench ;;
  player)   MAIN=io.tributary.bench.player.PlayerBench ;;
  transcode-cpu)      MAIN=io.tributary.bench.transcode.TranscodeCpuBench ;;
  transcode-realtime) MAIN=io.tributary.bench.transcode.TranscodeRealtimeBench ;;
  transcode-latency)  MAIN=io.tributary.bench.transcode.TranscodeLatencyBench ;;
  qoe)                MAIN=io.tributary.bench.qoe.QoeBench ;;
  transcode-cycles)   MAIN=io.tributary.bench.transcode.TranscodeCyclesBench ;;
  ring)               MAIN=io.tributary.bench.ring.RingBench ;;
  edge)               MAIN=io.tributary.bench.edge.EdgeBench ;;
  ts-demux)           MAIN=io.tributary.bench.ts.TsDemuxBench ;;
  srt)                MAIN=io.tributary.bench.srt.SrtIngestBench ;;
  srt-receive)        MAIN=io.tributary.bench.srt.SrtReceiveBench ;;
  dvr)                MAIN=io.tributary.bench.dvr.DvrBench ;;
  dvr-playback)       MAIN=io.tributary.bench.dvr.DvrPlaybackBench ;;
  ratelimit)          MAIN=io.tributary.bench.ratelimit.RateLimitBench ;;
  fast)               MAIN=io.tributary.bench.fast.FastPlayoutBench ;;
  ssai-playlist)      MAIN=io.tributary.bench.ssai.SessionPlaylistBench ;;
  ssai-sessions)      MAIN=io.tributary.bench.ssai.SsaiSessionsBench ;;
  vod-transcode)      MAIN=io.tributary.bench.transcode.VodTranscodeBench ;;
  signed-delivery)    MAIN=io.tributary.bench.playback.SignedDeliveryBench ;;
  jwt)                MAIN=io.tributary.bench.auth.JwtBench ;;
  ssai-decisions)     MAIN=io.tributary.bench.ssai.AdDecisionBench ;;
  idle-connections)   MAIN=io.tributary.bench.idle.IdleConnectionsBench ;;
  soak)               MAIN=io.tributary.bench.soak.SoakBench ;;
  *) echo "usage: bench/run.sh latency|delivery|delivery-profile|fanout|ingest|player|transcode-cpu|transcode-realtime|transcode-latency|transcode-cycles|qoe|ring|edge|ts-demux|srt|srt-receive|dvr|dvr-playback|ratelimit|fast|vod-transcode|signed-delivery|jwt|ssai-decisions|ssai-playlist|ssai-sessions|idle-connections|soak [args...]" >&2; exit 2 ;;
esac

if [ "${BENCH_NO_BUILD:-0}" != 1 ] || [ ! -f bench/target/classpath.txt ]; then
  mvn -q -B install -DskipTests
  mvn -q -B -pl bench dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
fi
if [ "$NAME" = player ] && [ ! -d bench/player/node_modules/playwright-core ]; then
  (cd bench/player && npm install --no-audit --no-fund)
fi
# Tributary's own classes come from this checkout's target dirs, not from ~/.m2: another
# checkout's "mvn install" replaces the shared SNAPSHOT jars there, even under a running JVM.
DEPS="$(tr ':' '\n' < bench/target/classpath.txt | grep -v '/io/tributary/' | paste -sd: -)"
CP="bench/target/classes:media-native/target/classes:media-native/target/test-classes:cluster/target/classes:verticles/target/classes:$DEPS"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec java -Xms1g -Xmx4g -Dtributary.root="$ROOT" ${BENCH_JAVA_OPTS:-} -cp "$CP" "$MAIN" "$@"
