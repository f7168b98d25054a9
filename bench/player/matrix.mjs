// Plays one live stream with one player in headless Chromium through the player-matrix page
// (verticles/src/test/resources/player-matrix/harness.html, the one PlayerMatrixTest uses) and
// prints what the page measured (window.matrix) as one JSON object on the last line of stdout.
// usage: node matrix.mjs PLAYER MANIFEST_URL SECONDS   (PLAYER: hlsjs | dashjs | shaka)
// The page and the player bundles (this folder's node_modules) are served from a port of their
// own, so the players fetch the node cross-origin. DEBUG=1 loads the debug builds and prints the
// browser console to stderr.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [player, manifest, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 60);
const debug = process.env.DEBUG === '1';
const bundles = {
  hlsjs: ['hls.js', debug ? 'dist/hls.js' : 'dist/hls.min.js'],
  dashjs: ['dashjs', debug ? 'dist/modern/umd/dash.all.debug.js' : 'dist/modern/umd/dash.all.min.js'],
  shaka: ['shaka-player', debug ? 'dist/shaka-player.compiled.debug.js' : 'dist/shaka-player.compiled.js'],
};
if (!bundles[player] || !manifest) {
  console.error('usage: node matrix.mjs hlsjs|dashjs|shaka MANIFEST_URL SECONDS');
  process.exit(2);
}
const pkgDir = (name) => join(here, 'node_modules', name);
const page = readFileSync(join(here, '../../verticles/src/test/resources/player-matrix/harness.html'));
const lib = readFileSync(join(pkgDir(bundles[player][0]), bundles[player][1]));
const version = JSON.parse(readFileSync(join(pkgDir(bundles[player][0]), 'package.json'))).version;
const server = createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/harness.html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page); return; }
  if (path === '/lib/' + player + '.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(lib); return; }
  res.writeHead(404); res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = 'http://127.0.0.1:' + server.address().port;
const hardStop = setTimeout(() => { console.error('hard time limit reached'); process.exit(3); }, (seconds + 90) * 1000);
const profile = mkdtempSync(join(tmpdir(), 'tributary-matrix-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
});
const result = { player, version, manifest, seconds };
try {
  const tab = await browser.newPage();
  if (debug) tab.on('console', (m) => console.error('[console] ' + m.text()));
  // TRACE=1: every response of the node to stderr (playlists with their last lines), for diagnosis
  if (process.env.TRACE === '1') {
    tab.on('response', async (r) => {
      if (!r.url().includes('/live/')) return;
      let tail = '';
      if (r.url().includes('.m3u8')) { try { tail = (await r.text()).trim().split('\n').slice(-4).join(' | '); } catch (e) { /* gone */ } }
      console.error(`[${Date.now() % 100000}] ${r.status()} ${r.url().replace(/^https?:\/\/[^/]+/, '').replace(/sid=[^&]+&?/, '')} ${tail}`);
    });
  }
  tab.on('pageerror', (e) => (result.pageErrors ??= []).push(String(e)));
  const t0 = Date.now();
  await tab.goto(base + '/harness.html?player=' + player + '&lib=' + encodeURIComponent(base + '/lib/' + player + '.js')
    + '&src=' + encodeURIComponent(manifest) + (process.env.PLAYER_LOG ? '&log=' + process.env.PLAYER_LOG : '') + (process.env.BUFFER_TRACE ? '&trace=1' : '')
    + (process.env.PLAYER_CONFIG ? '&config=' + encodeURIComponent(process.env.PLAYER_CONFIG) : '')
    + (process.env.PLAYER_SETTINGS === 'default' ? '&settings=default' : ''), { waitUntil: 'load' });
  await tab.waitForFunction(() => window.matrix && (window.matrix.firstPlayingMs !== null || window.matrix.fatal),
    null, { timeout: 30000, polling: 100 });
  result.gotoToPlayingMs = Date.now() - t0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end && !(await tab.evaluate(() => window.matrix.fatal))) await tab.waitForTimeout(1000);
  result.matrix = await tab.evaluate(() => window.matrix);
  result.currentTime = await tab.evaluate(() => document.getElementById('video').currentTime);
} catch (e) {
  result.failure = String(e);
  try { result.matrix = await browser.pages()[0]?.evaluate(() => window.matrix); } catch (ignored) { /* page gone */ }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  server.close();
  clearTimeout(hardStop);
}
console.log(JSON.stringify(result));
