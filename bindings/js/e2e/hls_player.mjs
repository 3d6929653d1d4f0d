// The browser end-to-end page for hls.js (scripts/browser_e2e.sh --player
// hlsjs): plays a multivariant playlist with hls.js 1, with the streamopt ABR
// controller (?abr=SPEC) or hls.js's own ABR (?abr=hlsjs-default), and
// records the session (record.mjs).
// Query: src, abr, segments, manifest, buffer (record.mjs readQuery).
import createStreamoptWasm from './streamopt_wasm.mjs';
import { loadStreamopt } from './streamopt.mjs';
import { forwardBufferS, rungOrder, streamoptAbrController } from './hlsjs_abr.mjs';
import { readQuery, startRecord } from './record.mjs';

const record = startRecord(new URLSearchParams(location.search).get('abr') || 'hlsjs-default');

async function main() {
  const q = await readQuery('src');
  const abr = q.abr || 'hlsjs-default';
  if (!Hls.isSupported()) throw new Error('hls.js: Media Source Extensions are not supported here');
  // The buffer target as in the simulator: hls.js loads while the forward
  // buffer is below maxBufferLength (capped by maxMaxBufferLength).
  const config = {
    debug: false, maxBufferLength: q.buffer_s, maxMaxBufferLength: q.buffer_s, startLevel: -1, testBandwidth: false,
  };
  if (abr !== 'hlsjs-default') {
    const engine = await loadStreamopt(createStreamoptWasm);
    const controller = streamoptAbrController(Hls, engine, { spec: abr, manifest: q.manifest });
    config.abrController = controller.AbrController;
    record.result.rule_errors = controller.errors;
    record.result.decisions = controller.decisions;
  }
  record.result.segment_duration_s = q.segment_s;
  record.result.target_segments = q.segments;

  const hls = new Hls(config);
  const video = document.getElementById('video');
  let levelRungs = null; // level index -> rung (ascending bitrate)
  hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
    ({ levelRungs } = rungOrder(data.levels));
    video.play().catch(() => {}); // muted autoplay, allowed by the driver's flags
  });
  hls.on(Hls.Events.FRAG_LOADED, (_event, data) => {
    const frag = data && data.frag;
    if (!frag || frag.type !== 'main' || typeof frag.sn !== 'number' || !levelRungs) return;
    const { loading, loaded } = frag.stats;
    record.segment({
      rung: levelRungs[frag.level], bytes: loaded, download_s: (loading.end - loading.start) / 1000,
      buffer_s: forwardBufferS(video),
    });
  });
  record.watch(video, q.segments, q.segment_s, () => {
    video.pause();
    hls.stopLoad();
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) record.fail(`hls.js error: ${data.type} ${data.details}`);
  });
  hls.loadSource(q.source);
  hls.attachMedia(video);
}

main().catch((e) => record.fail(String(e && e.stack ? e.stack : e)));
