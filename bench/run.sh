#!/usr/bin/env bash
# Runs a benchmark by hand: bench/run.sh NAME [ARGS...]
# Builds first (mvn -q -B install -DskipTests) when sources changed since the last build.
# Each benchmark serialises its measurement phases with flock on /tmp/tributary-bench.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

STAMP=bench/target/classpath.txt

build() {
  if [ ! -f verticles/target/tributary.jar ] || [ ! -f "$STAMP" ] \
     || [ -n "$(find pom.xml ./*/pom.xml ./*/src -newer "$STAMP" -type f -print -quit 2>/dev/null)" ]; then
    echo "building (mvn -q -B install -DskipTests) ..."
    mvn -q -B install -DskipTests
    mvn -q -B -pl bench dependency:build-classpath -Dmdep.outputFile="$PWD/$STAMP" >/dev/null
  fi
}

classpath() {
  echo "bench/target/classes:$(cat "$STAMP")"
}

usage() {
  echo "usage: bench/run.sh NAME [ARGS...]   NAME: ingest | player" >&2
  exit 2
}

NAME="${1:-}"
[ $# -gt 0 ] && shift
case "$NAME" in
  ingest)
    build
    exec java -cp "$(classpath)" io.tributary.bench.ingest.IngestBench "$@"
    ;;
  player)
    build
    if [ ! -d bench/player/node_modules/playwright-core ]; then
      (cd bench/player && npm install --no-audit --no-fund)
    fi
    exec java -cp "$(classpath)" io.tributary.bench.player.PlayerBench "$@"
    ;;
  *)
    usage
    ;;
esac
