// Measures hls.js's own live latency for one stream in headless Chromium.
// usage: node latency.mjs URL SECONDS [HLS_CONFIG_JSON]
// Prints one JSON object on the last line of stdout. HLS_CONFIG_JSON, when given, is merged
// into the page's `new Hls({...})` options (null removes an option) by rewriting the page in
// the browser (a what-if experiment; the server is not changed).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, secondsArg, configArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 60);
const override = configArg ? JSON.parse(configArg) : null;
const profile = mkdtempSync(join(tmpdir(), 'tributary-bench-chromium-'));
const hardStop = setTimeout(() => { console.error('hard time limit reached'); process.exit(3); }, (seconds + 120) * 1000);

// a fresh profile per run (playwright passes it to Chromium as --user-data-dir)
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
});
const result = { url, seconds, override, samples: [] };
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => (result.pageErrors ??= []).push(String(e)));
  if (override) {
    await page.route('**/play/*', async (route) => {
      const res = await route.fetch();
      let body = await res.text();
      // the page's own options object, then the override on top; a null value removes an option
      const patched = body.replace(/new Hls\((\{[^}]*\})\)/, (m, opts) => 'new Hls(((c, o) => { for (const k in o) { if (o[k] === null) delete c[k]; else c[k] = o[k]; } return c; })('
        + opts + ', ' + JSON.stringify(override) + '))');
      if (patched === body) throw new Error('could not find new Hls({...}) in the player page');
      result.patchedOptions = patched.match(/new Hls\(.*\)\);/)?.[0];
      await route.fulfill({ response: res, body: patched });
    });
  }
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.playerStats && window.playerStats.firstPlayingMs !== null,
    null, { timeout: 30000, polling: 100 });
  result.gotoToPlayingMs = Date.now() - t0;
  const startIndex = await page.evaluate(() => window.playerStats.latency.length);
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await page.waitForTimeout(1000);
    result.samples.push(await page.evaluate(() => {
      const hls = window.hls, v = document.querySelector('video');
      const d = hls.levels[hls.currentLevel]?.details || hls.levels[0]?.details;
      const b = v.buffered;
      return {
        t: performance.now(),
        latency: hls.latency,
        targetLatency: hls.targetLatency,
        drift: hls.drift,
        buffer: b.length ? b.end(b.length - 1) - v.currentTime : 0,
        playbackRate: v.playbackRate,
        // wall clock minus the PROGRAM-DATE-TIME at the playhead: ingest-to-display latency
        pdtLatency: hls.playingDate ? (Date.now() - hls.playingDate.getTime()) / 1000 : null,
        partHoldBack: d?.partHoldBack, holdBack: d?.holdBack, partTarget: d?.partTarget,
        targetduration: d?.targetduration, age: d?.age,
        stalls: v.webkitDecodedFrameCount !== undefined ? null : null,
        dropped: v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().droppedVideoFrames : null,
      };
    }));
  }
  Object.assign(result, await page.evaluate((i) => ({
    latencyAll: window.playerStats.latency,
    latency: window.playerStats.latency.slice(i),
    firstPlayingMs: window.playerStats.firstPlayingMs,
    errors: window.playerStats.errors,
    hlsVersion: window.Hls && window.Hls.version,
    config: (({ lowLatencyMode, liveSyncDuration, liveSyncDurationCount, liveMaxLatencyDuration,
      liveMaxLatencyDurationCount, maxLiveSyncPlaybackRate, backBufferLength }) =>
      ({ lowLatencyMode, liveSyncDuration, liveSyncDurationCount, liveMaxLatencyDuration,
        liveMaxLatencyDurationCount, maxLiveSyncPlaybackRate, backBufferLength }))(window.hls.config),
  }), startIndex));
} catch (e) {
  result.failure = String(e);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(hardStop);
}
console.log(JSON.stringify(result));
