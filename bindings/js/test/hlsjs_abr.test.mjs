// The hls.js ABR controller (hlsjs_abr.mjs) against a stand-in hls.js and a
// recording engine: what hls.js reads and when the engine is asked. The real
// hls.js and the WASM engine together run in browser_e2e_smoke.
//   node --test bindings/js/test/hlsjs_abr.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamoptAbrController } from '../hlsjs_abr.mjs';

const Events = {
  MANIFEST_PARSED: 'hlsManifestParsed', LEVELS_UPDATED: 'hlsLevelsUpdated', FRAG_LOADED: 'hlsFragLoaded',
  MEDIA_ATTACHED: 'hlsMediaAttached', MEDIA_DETACHING: 'hlsMediaDetaching',
};
const Hls = { Events };

// hls.js's side: levels in playlist order (not sorted), events, config.
function fakeHls(bitrates) {
  const handlers = new Map();
  return {
    config: { maxBufferLength: 20, maxMaxBufferLength: 20 },
    levels: bitrates.map((bitrate) => ({ bitrate })),
    on(event, fn) { handlers.set(event, [...(handlers.get(event) || []), fn]); },
    off(event, fn) { handlers.set(event, (handlers.get(event) || []).filter((f) => f !== fn)); },
    trigger(event, data) { for (const fn of handlers.get(event) || []) fn(event, data); },
    listeners(event) { return (handlers.get(event) || []).length; },
  };
}

// A media element: currentTime and one buffered range [0, end).
function fakeMedia() {
  const media = new EventTarget();
  media.currentTime = 0;
  media.bufferedEnd = 0;
  Object.defineProperty(media, 'buffered', {
    get() {
      const end = media.bufferedEnd;
      return end > 0 ? { length: 1, start: () => 0, end: () => end } : { length: 0 };
    },
  });
  return media;
}

// An engine whose controller answers rungs from a script and records calls.
function fakeEngine(rungs) {
  const calls = { decide: [], onDownload: [], created: [] };
  let i = 0;
  const engine = {
    createController(spec, manifest, qoe) {
      calls.created.push({ spec, manifest, qoe });
      return {
        rungCount: manifest.bitrates_bps.length,
        decide(state) {
          calls.decide.push(state);
          const rung = rungs[Math.min(i++, rungs.length - 1)];
          return { rung, rule: 'scripted', estimate_bps: 1e6, delay_s: 0 };
        },
        onDownload(report) { calls.onDownload.push(report); },
        destroy() { calls.destroyed = true; },
      };
    },
  };
  return { engine, calls };
}

const manifest = { bitrates_bps: [300e3, 750e3, 1200e3], segment_duration_s: 4, segment_count: 5 };

// Playlist order 1200, 300, 750: rung r is level [1, 2, 0][r].
function setup(rungs) {
  const hls = fakeHls([1200e3, 300e3, 750e3]);
  const { engine, calls } = fakeEngine(rungs);
  const abr = streamoptAbrController(Hls, engine, { spec: 'bola', manifest });
  const controller = new abr.AbrController(hls);
  const media = fakeMedia();
  hls.trigger(Events.MANIFEST_PARSED, { levels: hls.levels });
  hls.trigger(Events.MEDIA_ATTACHED, { media });
  return { hls, controller, media, calls, abr };
}

function loaded(hls, level, sn, bytes = 100000, start = 1000, end = 1500) {
  hls.trigger(Events.FRAG_LOADED, {
    frag: { type: 'main', sn, level, stats: { loaded: bytes, total: bytes, loading: { start, first: start + 50, end } } },
  });
}

test('levels map to rungs by ascending bitrate; the first fragment is the engine\'s segment 0', () => {
  const { controller, calls } = setup([2, 0]);
  assert.equal(controller.firstAutoLevel, 0); // rung 2 = 1200 kbit/s = level 0
  assert.equal(calls.created.length, 1);
  assert.equal(calls.created[0].spec, 'bola');
  assert.equal(calls.decide.length, 1);
  assert.equal(calls.decide[0].next_segment, 0);
  assert.equal(calls.decide[0].last_rung, null);
  assert.equal(controller.nextAutoLevel, 0); // the same decision, not a second one
  assert.equal(controller.forcedAutoLevel, -1);
  assert.equal(calls.decide.length, 1);
});

test('one decision per fragment however often hls.js asks; downloads reach the engine', () => {
  const { hls, controller, calls, abr } = setup([2, 0, 1]);
  for (let k = 0; k < 5; k++) assert.equal(controller.nextAutoLevel, 0);
  loaded(hls, 0, 1, 250000, 1000, 2000);
  assert.equal(calls.onDownload.length, 1);
  const report = calls.onDownload[0];
  assert.equal(report.segment, 0);
  assert.equal(report.rung, 2);
  assert.equal(report.size_bytes, 250000);
  assert.ok(Math.abs(report.download_time_s - 1.0) < 1e-9);
  for (let k = 0; k < 5; k++) assert.equal(controller.nextAutoLevel, 1); // rung 0 = 300 kbit/s = level 1
  assert.equal(calls.decide.length, 2);
  assert.equal(calls.decide[1].next_segment, 1);
  assert.equal(calls.decide[1].last_rung, 2);
  assert.equal(calls.decide[1].segments_left, 4);
  assert.deepEqual(abr.decisions.map((d) => [d.segment, d.rung]), [[0, 2], [1, 0]]);
  assert.deepEqual(abr.errors, []);
});

test('no decision while hls.js has no room in its buffer; the decision then sees the buffer', () => {
  const { hls, controller, media, calls } = setup([1, 2]);
  assert.equal(controller.nextAutoLevel, 2); // rung 1 = 750 kbit/s = level 2
  loaded(hls, 2, 1);
  media.currentTime = 3;
  media.bufferedEnd = 24; // 21 s ahead, target 20: hls.js waits
  assert.equal(controller.nextAutoLevel, 2); // the last level, undecided
  assert.equal(calls.decide.length, 1);
  media.currentTime = 5; // 19 s ahead: room
  assert.equal(controller.nextAutoLevel, 0);
  assert.equal(calls.decide.length, 2);
  assert.ok(Math.abs(calls.decide[1].buffer_s - 19) < 1e-9);
});

test('a stall reaches the next decision once', () => {
  const { hls, controller, media, calls } = setup([0, 0, 0]);
  void controller.nextAutoLevel;
  media.dispatchEvent(new Event('waiting')); // start-up, before any download: not a stall
  loaded(hls, 1, 1);
  media.dispatchEvent(new Event('waiting'));
  void controller.nextAutoLevel;
  loaded(hls, 1, 2);
  void controller.nextAutoLevel;
  assert.deepEqual(calls.decide.map((s) => s.rebuffered), [false, true, false]);
});

test('a level hls.js sets after a load error holds for one fragment; its own write-back does not', () => {
  const { hls, controller, calls } = setup([2, 2, 2]);
  assert.equal(controller.nextAutoLevel, 0);
  controller.nextAutoLevel = 0; // the level controller writing back what it loads
  assert.equal(controller.forcedAutoLevel, -1);
  controller.nextAutoLevel = 2; // a switch down after an error
  assert.equal(controller.forcedAutoLevel, 2);
  assert.equal(controller.nextAutoLevel, 2);
  loaded(hls, 2, 1);
  assert.equal(calls.onDownload[0].rung, 1);
  assert.equal(controller.forcedAutoLevel, -1);
  assert.equal(controller.nextAutoLevel, 0); // the engine's again
});

test('a ladder that does not match the variants is an error, not a crash', () => {
  const hls = fakeHls([300e3, 750e3]);
  const { engine } = fakeEngine([0]);
  const abr = streamoptAbrController(Hls, engine, { spec: 'bola', manifest });
  const controller = new abr.AbrController(hls);
  hls.trigger(Events.MANIFEST_PARSED, { levels: hls.levels });
  assert.equal(controller.nextAutoLevel, 0);
  assert.equal(abr.errors.length, 1);
  assert.match(abr.errors[0], /2 variant streams, the manifest 3 rungs/);
});

test('destroy removes every listener and the engine controller', () => {
  const { hls, controller, calls } = setup([0]);
  void controller.nextAutoLevel;
  controller.destroy();
  for (const e of Object.values(Events)) assert.equal(hls.listeners(e), 0, e);
  assert.equal(calls.destroyed, true);
});
