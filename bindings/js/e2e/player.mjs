// The browser end-to-end page (scripts/browser_e2e.sh): plays an MPD with
// dash.js 5, with the streamopt rule (?abr=SPEC) or dash.js's own ABR
// (?abr=dashjs-default), and records every video segment and stall into
// window.__e2e, which the puppeteer driver (drive.mjs) reads when done.
// Query: mpd, abr, segments (N: stop when the first N segments have played),
// manifest (streamopt manifest JSON URL), buffer (seconds of buffer target).
import createStreamoptWasm from './streamopt_wasm.mjs';
import { loadStreamopt } from './streamopt.mjs';
import { attachStreamoptRule } from './dashjs_rule.mjs';

const params = new URLSearchParams(location.search);
const result = (window.__e2e = {
  done: false, error: null, abr: params.get('abr'), segments: [], stalls: [],
  startup_s: null, rule_errors: [], decisions: [],
});
const t0 = performance.now();
const clock = () => (performance.now() - t0) / 1000;

async function main() {
  const abr = params.get('abr') || 'dashjs-default';
  const wanted = Number(params.get('segments') || 0);
  const buffer = Number(params.get('buffer') || 20);
  const player = dashjs.MediaPlayer().create();
  player.updateSettings({
    debug: { logLevel: dashjs.Debug.LOG_LEVEL_WARNING },
    streaming: {
      buffer: {
        bufferTimeDefault: buffer, bufferTimeAtTopQuality: buffer, bufferTimeAtTopQualityLongForm: buffer,
        fastSwitchEnabled: false,
      },
    },
  });
  let rule = null;
  let manifest = null;
  if (params.get('manifest')) manifest = await (await fetch(params.get('manifest'))).json();
  if (abr !== 'dashjs-default') {
    const engine = await loadStreamopt(createStreamoptWasm);
    rule = attachStreamoptRule(dashjs, player, engine, { spec: abr, manifest });
    result.rule_errors = rule.errors;
    result.decisions = rule.decisions;
  }
  const segmentS = manifest ? manifest.segment_duration_s : 4;
  const total = manifest ? (manifest.segment_count ?? manifest.segments) : Infinity;
  const n = wanted > 0 ? Math.min(wanted, total) : total;
  result.segment_duration_s = segmentS;
  result.target_segments = n;

  const video = document.getElementById('video');
  let bandwidths = null;
  player.on(dashjs.MediaPlayer.events.FRAGMENT_LOADING_COMPLETED, (e) => {
    const r = e && e.request;
    if (!r || e.error || r.mediaType !== 'video' || r.type !== 'MediaSegment') return;
    if (!bandwidths) bandwidths = player.getRepresentationsByType('video').map((x) => x.bandwidth).sort((a, b) => a - b);
    const start = new Date(r.startDate).getTime();
    const end = new Date(r.endDate).getTime();
    result.segments.push({
      segment: result.segments.length,
      rung: bandwidths.indexOf(r.representation.bandwidth),
      bytes: r.bytesLoaded,
      download_s: (end - start) / 1000,
      end_s: clock(),
      buffer_s: player.getDashMetrics().getCurrentBufferLevel('video'),
    });
  });
  let playing = false;
  let stallStart = null;
  video.addEventListener('playing', () => {
    if (!playing) {
      playing = true;
      result.startup_s = clock();
    }
    if (stallStart !== null) {
      result.stalls.push({ start_s: stallStart.t, duration_s: clock() - stallStart.t, segment: stallStart.segment });
      stallStart = null;
    }
  });
  video.addEventListener('waiting', () => {
    if (playing && stallStart === null) stallStart = { t: clock(), segment: result.segments.length };
  });
  const finish = () => {
    if (result.done) return;
    if (stallStart !== null) {
      result.stalls.push({ start_s: stallStart.t, duration_s: clock() - stallStart.t, segment: stallStart.segment });
    }
    result.played_s = video.currentTime;
    result.done = true;
    player.pause();
  };
  video.addEventListener('ended', finish);
  video.addEventListener('timeupdate', () => {
    if (Number.isFinite(n) && video.currentTime >= n * segmentS - 0.25) finish();
  });
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => {
    result.error = `dash.js error: ${JSON.stringify(e.error || e).slice(0, 300)}`;
    result.done = true;
  });
  player.initialize(video, params.get('mpd'), true);
}

main().catch((e) => {
  result.error = String(e && e.stack ? e.stack : e);
  result.done = true;
});
