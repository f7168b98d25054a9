#!/usr/bin/env bash
# Vendors the player bundles the /play page ships (hls.js, dash.js; versions pinned in
# package.json / package-lock.json here) into the jar's classpath at build time:
#   vendor.sh OUTPUT_DIR WORK_DIR
# OUTPUT_DIR gets hls.min.js, dash.all.min.js and players.json ({"hls.js": "1.7.4", ...}).
# Installs with `npm ci` (the npm cache makes later builds offline-capable); skipped when
# OUTPUT_DIR already holds the bundles of this exact lock file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
work="$2"
lock_sum="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ -f "$out/players.json" ] && [ -f "$out/.lock-sha256" ] && [ "$(cat "$out/.lock-sha256")" = "$lock_sum" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor.sh: npm is needed to build the player page (hls.js and dash.js from npm): apt-get install npm" >&2
  exit 1
fi
mkdir -p "$work" "$out"
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
cp "$work/node_modules/hls.js/dist/hls.min.js" "$out/hls.min.js"
cp "$work/node_modules/dashjs/dist/modern/umd/dash.all.min.js" "$out/dash.all.min.js"
version() { node -e "process.stdout.write(require(process.argv[1]).version)" "$work/node_modules/$1/package.json" 2>/dev/null \
  || sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$work/node_modules/$1/package.json" | head -1; }
printf '{"hls.js":"%s","dash.js":"%s"}\n' "$(version hls.js)" "$(version dashjs)" > "$out/players.json"
echo "$lock_sum" > "$out/.lock-sha256"
