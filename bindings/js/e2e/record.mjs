// What an end-to-end page records for scripts/browser_e2e.sh, whichever
// player it runs (player.mjs: dash.js, hls_player.mjs: hls.js): every video
// media segment, every stall after playback started, start-up, in
// window.__e2e, which the puppeteer driver (drive.mjs) reads when `done`.

/// Starts the record of a session of `abr`; the clock starts now.
export function startRecord(abr) {
  const result = (window.__e2e = {
    done: false, error: null, abr, segments: [], stalls: [], startup_s: null, rule_errors: [], decisions: [],
  });
  const t0 = performance.now();
  const clock = () => (performance.now() - t0) / 1000;
  let stallStart = null;
  const closeStall = () => {
    if (stallStart === null) return;
    result.stalls.push({ start_s: stallStart.t, duration_s: clock() - stallStart.t, segment: stallStart.segment });
    stallStart = null;
  };
  return {
    result,
    /// One downloaded video segment: rung (ascending bitrate), bytes, seconds
    /// from request to last byte, buffer level after it.
    segment({ rung, bytes, download_s, buffer_s }) {
      result.segments.push({ segment: result.segments.length, rung, bytes, download_s, end_s: clock(), buffer_s });
    },
    /// Watches `video` for start-up and stalls; calls `stop` and ends the
    /// session when it ends or the first `segments` segments of `segmentS`
    /// seconds have played.
    watch(video, segments, segmentS, stop) {
      let playing = false;
      video.addEventListener('playing', () => {
        if (!playing) {
          playing = true;
          result.startup_s = clock();
        }
        closeStall();
      });
      video.addEventListener('waiting', () => {
        if (playing && stallStart === null) stallStart = { t: clock(), segment: result.segments.length };
      });
      const finish = () => {
        if (result.done) return;
        closeStall();
        result.played_s = video.currentTime;
        result.done = true;
        stop();
      };
      video.addEventListener('ended', finish);
      video.addEventListener('timeupdate', () => {
        if (Number.isFinite(segments) && video.currentTime >= segments * segmentS - 0.25) finish();
      });
    },
    /// Ends the session with an error.
    fail(message) {
      result.error = message;
      result.done = true;
    },
  };
}

/// The page's query: abr, segments (stop when the first N have played; 0:
/// all), manifest (streamopt manifest JSON URL), buffer (seconds of buffer
/// target), and the player's source URL under `sourceKey`.
export async function readQuery(sourceKey) {
  const params = new URLSearchParams(location.search);
  const manifest = params.get('manifest') ? await (await fetch(params.get('manifest'))).json() : null;
  const wanted = Number(params.get('segments') || 0);
  const total = manifest ? (manifest.segment_count ?? manifest.segments) : Infinity;
  return {
    abr: params.get('abr'),
    source: params.get(sourceKey),
    buffer_s: Number(params.get('buffer') || 20),
    manifest,
    segment_s: manifest ? manifest.segment_duration_s : 4,
    segments: wanted > 0 ? Math.min(wanted, total) : total,
  };
}
