// An hls.js 1.x ABR controller (config.abrController) that asks streamopt's
// engine, compiled to WebAssembly, for every main fragment
// (bindings/js/README.md).
//
//   import { loadStreamopt } from './streamopt.mjs';
//   import { streamoptAbrController } from './hlsjs_abr.mjs';
//   const engine = await loadStreamopt(createStreamoptWasm);
//   const abr = streamoptAbrController(Hls, engine, { spec: 'robust_mpc', manifest });
//   const hls = new Hls({ abrController: abr.AbrController, testBandwidth: false });
//   hls.loadSource(url); hls.attachMedia(video);
//
// hls.js constructs the class itself (new AbrController(hls)) and reads its
// nextAutoLevel getter before it loads each fragment (and on every idle tick
// in between), so the getter decides once per fragment, synchronously, and
// only when hls.js has room in its buffer (forward buffer below
// maxBufferLength): a decision made while the buffer is full would see a
// buffer the request never meets. Downloads reach the engine from
// FRAG_LOADED, stalls from the media element's `waiting` event.
//
// options.manifest: the ladder as streamopt knows it (ladder.json's fields with
// inline sizes, or {bitrates_bps, segment_duration_s, segment_count,
// sizes_bytes?}); without it the controller builds one from the parsed
// levels (bitrate, the first level's target duration, the title's duration)
// once hls.js has loaded a media playlist, with sizes bitrate x duration / 8.
// Its rungs must match the variant streams in ascending bitrate, one for one.
//
// A controller's delay_s (BOLA above its buffer bound) has no hook in hls.js:
// it is recorded with the decision and not applied; hls.js fills its buffer
// to maxBufferLength.

const NAME = 'StreamoptAbrController';

/// hls.js's levels in ascending bitrate: `rungLevels[rung]` is a level index,
/// `levelRungs[level]` its rung.
export function rungOrder(levels) {
  const rungLevels = levels.map((l, i) => i).sort((a, b) => levels[a].bitrate - levels[b].bitrate);
  const levelRungs = new Array(levels.length);
  rungLevels.forEach((level, rung) => {
    levelRungs[level] = rung;
  });
  return { rungLevels, levelRungs };
}

/// Seconds of media buffered ahead of `media`'s playhead, as hls.js measures
/// it to decide whether to load.
export function forwardBufferS(media) {
  if (!media) return 0;
  const t = media.currentTime || 0;
  for (let i = 0; i < media.buffered.length; i++) {
    if (media.buffered.start(i) <= t + 0.1 && media.buffered.end(i) > t) return media.buffered.end(i) - t;
  }
  return 0;
}

export function streamoptAbrController(Hls, engine, options = {}) {
  const spec = options.spec || 'robust_mpc';
  const qoe = options.qoe || 'lin';
  const log = options.log || (() => {});
  const decisions = [];
  const errors = [];

  class StreamoptAbrController {
    constructor(hls) {
      this.hls = hls;
      this.t0 = performance.now();
      this.controller = null;
      this.manifest = options.manifest || null;
      this.segmentCount = 0;
      this.segmentDuration = 0;
      this.levelRungs = null; // hls.js level index -> rung (ascending bitrate)
      this.rungLevels = null;
      this.reports = 0;
      this.lastRung = null;
      this.rebuffered = false;
      this.forced = -1; // hls.js's own switch after a load error, for one fragment
      this.decided = new Map(); // fragment index -> decision
      this.media = null;
      this.onLevels = (_event, data) => this.mapLevels(data.levels);
      this.onFragLoaded = (_event, data) => this.report(data);
      this.onWaiting = () => {
        if (this.reports > 0) this.rebuffered = true;
      };
      this.onMediaAttached = (_event, data) => {
        this.media = data.media;
        this.media.addEventListener('waiting', this.onWaiting);
      };
      this.onMediaDetaching = () => {
        if (this.media) this.media.removeEventListener('waiting', this.onWaiting);
        this.media = null;
      };
      hls.on(Hls.Events.MANIFEST_PARSED, this.onLevels);
      hls.on(Hls.Events.LEVELS_UPDATED, this.onLevels);
      hls.on(Hls.Events.FRAG_LOADED, this.onFragLoaded);
      hls.on(Hls.Events.MEDIA_ATTACHED, this.onMediaAttached);
      hls.on(Hls.Events.MEDIA_DETACHING, this.onMediaDetaching);
    }

    // The first fragment's level (hls.js asks with startLevel -1 and
    // testBandwidth off).
    get firstAutoLevel() {
      return this.levelFor(true);
    }

    get forcedAutoLevel() {
      return this.forced;
    }

    get nextAutoLevel() {
      if (this.forced >= 0) return this.forced;
      return this.levelFor(false);
    }

    // hls.js's level controller writes back the level it loads on every tick
    // (the value this getter gave); a different value is hls.js switching
    // after a load error, honoured for one fragment.
    set nextAutoLevel(level) {
      if (!this.rungLevels || level < 0 || level >= this.rungLevels.length) return;
      const decision = this.decided.get(this.nextIndex());
      const current = decision ? this.rungLevels[decision.rung] : this.lastLevel();
      if (level !== current) this.forced = level;
    }

    resetEstimator() {}

    destroy() {
      this.hls.off(Hls.Events.MANIFEST_PARSED, this.onLevels);
      this.hls.off(Hls.Events.LEVELS_UPDATED, this.onLevels);
      this.hls.off(Hls.Events.FRAG_LOADED, this.onFragLoaded);
      this.hls.off(Hls.Events.MEDIA_ATTACHED, this.onMediaAttached);
      this.hls.off(Hls.Events.MEDIA_DETACHING, this.onMediaDetaching);
      this.onMediaDetaching();
      if (this.controller) this.controller.destroy();
      this.controller = null;
    }

    // The fragment hls.js loads next (sequential VoD playback).
    nextIndex() {
      return Math.min(this.reports, Math.max(0, this.segmentCount - 1));
    }

    now_s() {
      return (performance.now() - this.t0) / 1000;
    }

    mapLevels(levels) {
      if (!levels || levels.length === 0) return;
      ({ rungLevels: this.rungLevels, levelRungs: this.levelRungs } = rungOrder(levels));
    }

    lastLevel() {
      if (!this.rungLevels) return 0;
      return this.rungLevels[this.lastRung === null ? 0 : this.lastRung];
    }

    ensureController() {
      if (this.controller) return this.controller;
      let manifest = this.manifest;
      if (!manifest) {
        const levels = this.hls.levels || [];
        const details = levels.map((l) => l.details).find((d) => d && d.fragments && d.fragments.length > 0);
        if (!details) return null; // no media playlist yet: hls.js's start level until then
        const duration = details.targetduration;
        const total = details.totalduration;
        manifest = {
          bitrates_bps: this.rungLevels.map((level) => levels[level].bitrate),
          segment_duration_s: duration,
          segment_count: details.fragments.length || Math.ceil(total / duration - 1e-6),
        };
      }
      this.controller = engine.createController(spec, manifest, qoe);
      if (this.rungLevels.length !== this.controller.rungCount) {
        const n = this.rungLevels.length;
        this.controller.destroy();
        this.controller = null;
        throw new Error(`${NAME}: the playlist has ${n} variant streams, the manifest ${manifest.bitrates_bps.length} rungs`);
      }
      this.segmentCount = manifest.segment_count !== undefined ? manifest.segment_count : manifest.segments;
      this.segmentDuration = manifest.segment_duration_s;
      return this.controller;
    }

    // The buffer a decision sees: at least what was downloaded minus what
    // played (the simulator counts start-up downloads as buffer).
    bufferLevel() {
      const played = this.media ? this.media.currentTime || 0 : 0;
      return Math.max(0, forwardBufferS(this.media), this.reports * this.segmentDuration - played);
    }

    // The level of the next fragment (the first with `first`): decided once,
    // when hls.js has room for it.
    levelFor(first) {
      try {
        if (!this.rungLevels) this.mapLevels(this.hls.levels);
        if (!this.rungLevels) return 0;
        const controller = this.ensureController();
        if (!controller) return this.lastLevel();
        const next = first ? 0 : this.nextIndex();
        const known = this.decided.get(next);
        if (known) return this.rungLevels[known.rung];
        const config = this.hls.config;
        if (this.reports > 0 && forwardBufferS(this.media) >= Math.min(config.maxBufferLength, config.maxMaxBufferLength)) {
          return this.lastLevel(); // hls.js waits for room: decide when it has some
        }
        const buffer = this.bufferLevel();
        const decision = controller.decide({
          now_s: this.now_s(),
          buffer_s: buffer,
          next_segment: next,
          segments_left: Math.max(1, this.segmentCount - next),
          last_rung: this.lastRung,
          rebuffered: this.rebuffered,
        });
        this.rebuffered = false; // reported once, to the decision after the stall
        this.decided.set(next, decision);
        decisions.push({
          segment: next, rung: decision.rung, rule: decision.rule, estimate_bps: decision.estimate_bps,
          delay_s: decision.delay_s,
        });
        log(`segment ${next}: rung ${decision.rung} (${decision.rule})`);
        return this.rungLevels[decision.rung];
      } catch (e) {
        errors.push(String(e && e.message ? e.message : e));
        log(`error: ${e}`);
        return this.lastLevel();
      }
    }

    report(data) {
      const frag = data && data.frag;
      if (!frag || frag.type !== 'main' || typeof frag.sn !== 'number' || !this.levelRungs) return;
      this.forced = -1;
      const rung = this.levelRungs[frag.level];
      if (rung === undefined) return;
      const stats = frag.stats || (data.part && data.part.stats) || {};
      const loading = stats.loading || {};
      const start = loading.start || performance.now();
      const end = loading.end || performance.now();
      if (this.controller) {
        try {
          this.controller.onDownload({
            segment: this.nextIndex(),
            rung,
            size_bytes: Math.max(1, stats.loaded || stats.total || 1),
            start_time_s: (start - this.t0) / 1000,
            download_time_s: Math.max(0.001, (end - start) / 1000),
          });
        } catch (e) {
          errors.push(String(e && e.message ? e.message : e));
        }
      }
      this.reports += 1;
      this.lastRung = rung;
    }
  }

  return { AbrController: StreamoptAbrController, name: NAME, spec, decisions, errors };
}
