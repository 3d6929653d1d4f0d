// The browser end-to-end page for dash.js (scripts/browser_e2e.sh): plays an
// MPD with dash.js 5, with the streamopt rule (?abr=SPEC) or dash.js's own ABR
// (?abr=dashjs-default), and records the session (record.mjs).
// Query: mpd, abr, segments, manifest, buffer (record.mjs readQuery).
import createStreamoptWasm from './streamopt_wasm.mjs';
import { loadStreamopt } from './streamopt.mjs';
import { attachStreamoptRule } from './dashjs_rule.mjs';
import { readQuery, startRecord } from './record.mjs';

const record = startRecord(new URLSearchParams(location.search).get('abr') || 'dashjs-default');

async function main() {
  const q = await readQuery('mpd');
  const abr = q.abr || 'dashjs-default';
  const player = dashjs.MediaPlayer().create();
  player.updateSettings({
    debug: { logLevel: dashjs.Debug.LOG_LEVEL_WARNING },
    streaming: {
      buffer: {
        bufferTimeDefault: q.buffer_s, bufferTimeAtTopQuality: q.buffer_s, bufferTimeAtTopQualityLongForm: q.buffer_s,
        fastSwitchEnabled: false,
      },
    },
  });
  if (abr !== 'dashjs-default') {
    const engine = await loadStreamopt(createStreamoptWasm);
    const rule = attachStreamoptRule(dashjs, player, engine, { spec: abr, manifest: q.manifest });
    record.result.rule_errors = rule.errors;
    record.result.decisions = rule.decisions;
  }
  record.result.segment_duration_s = q.segment_s;
  record.result.target_segments = q.segments;

  let bandwidths = null;
  player.on(dashjs.MediaPlayer.events.FRAGMENT_LOADING_COMPLETED, (e) => {
    const r = e && e.request;
    if (!r || e.error || r.mediaType !== 'video' || r.type !== 'MediaSegment') return;
    if (!bandwidths) bandwidths = player.getRepresentationsByType('video').map((x) => x.bandwidth).sort((a, b) => a - b);
    record.segment({
      rung: bandwidths.indexOf(r.representation.bandwidth),
      bytes: r.bytesLoaded,
      download_s: (new Date(r.endDate).getTime() - new Date(r.startDate).getTime()) / 1000,
      buffer_s: player.getDashMetrics().getCurrentBufferLevel('video'),
    });
  });
  const video = document.getElementById('video');
  record.watch(video, q.segments, q.segment_s, () => player.pause());
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => record.fail(`dash.js error: ${JSON.stringify(e.error || e).slice(0, 300)}`));
  player.initialize(video, q.source, true);
}

main().catch((e) => record.fail(String(e && e.stack ? e.stack : e)));
