// A dash.js 5 custom ABR rule that asks streamopt's engine, compiled to
// WebAssembly, for every video segment (bindings/js/README.md).
//
//   import { loadStreamopt } from './streamopt.mjs';
//   import { attachStreamoptRule } from './dashjs_rule.mjs';
//   const engine = await loadStreamopt(createStreamoptWasm);
//   const player = dashjs.MediaPlayer().create();
//   const rule = attachStreamoptRule(dashjs, player, engine, { spec: 'robust_mpc', manifest });
//   player.initialize(video, url, true);
//
// attachStreamoptRule turns dash.js's own quality rules off, registers the
// rule with player.addABRCustomRule('qualitySwitchRules', 'StreamoptRule',
// factory) and listens to FRAGMENT_LOADING_COMPLETED for the download reports.
// Every decision is a synchronous call into the module: no network hop, no
// promise, the answer is there when dash.js asks (getSwitchRequest is
// synchronous, so an asynchronous service could only answer the request after).
//
// options.manifest: the ladder as streamopt knows it (ladder.json's fields with
// inline sizes, or {bitrates_bps, segment_duration_s, segment_count,
// sizes_bytes?}); without it the rule builds one from the MPD's
// Representations (bandwidth, segment duration, presentation duration) on the
// first request, with sizes bitrate x duration / 8. Its rungs must match the
// MPD's video Representations in ascending bandwidth, one for one.

const RULE_NAME = 'StreamoptRule';

export function attachStreamoptRule(dashjs, player, engine, options = {}) {
  const spec = options.spec || 'robust_mpc';
  const qoe = options.qoe || 'lin';
  const log = options.log || (() => {});
  const t0 = Date.now();
  const now_s = () => (Date.now() - t0) / 1000;
  const state = {
    controller: null,
    manifest: options.manifest || null,
    segmentCount: 0,
    reports: 0,
    lastRung: null,
    rebuffered: false,
    decided: new Map(), // next_segment -> decision (dash.js may ask more than once per segment)
    decisions: [],
    errors: [],
  };

  function ensureController(rulesContext) {
    if (state.controller) return state.controller;
    let manifest = state.manifest;
    if (!manifest) {
      const reps = sortedRepresentations(rulesContext);
      const first = reps[0];
      const duration = first.segmentDuration || (first.segments && first.segments[0] && first.segments[0].duration);
      const total = rulesContext.getStreamInfo().duration;
      if (!(duration > 0) || !(total > 0)) {
        throw new Error(`${RULE_NAME}: cannot read the segment duration (${duration}) or the title's duration (${total}) from the MPD; pass options.manifest`);
      }
      manifest = {
        bitrates_bps: reps.map((r) => r.bandwidth),
        segment_duration_s: duration,
        segment_count: Math.ceil(total / duration - 1e-6),
      };
    }
    state.controller = engine.createController(spec, manifest, qoe);
    state.segmentCount = manifest.segment_count !== undefined ? manifest.segment_count : manifest.segments;
    state.segmentDuration = manifest.segment_duration_s;
    return state.controller;
  }

  // Media buffered ahead of the playhead. dash.js's BufferLevel metric stays 0
  // until playback starts, while the simulator (and a controller's model)
  // counts the segments downloaded during start-up: take the larger of the
  // metric and downloaded media minus the playhead (sequential VoD).
  function bufferLevel() {
    const metric = player.getDashMetrics().getCurrentBufferLevel('video') || 0;
    const duration = state.segmentDuration || 0;
    const played = typeof player.time === 'function' ? player.time() || 0 : 0;
    return Math.max(0, metric, state.reports * duration - played);
  }

  function sortedRepresentations(rulesContext) {
    const reps = rulesContext.getAbrController().getPossibleVoRepresentations(rulesContext.getMediaInfo(), true);
    return reps.slice().sort((a, b) => a.bandwidth - b.bandwidth);
  }

  function rungOf(representation) {
    if (!representation) return null;
    const bandwidths = state.bandwidths || [];
    const i = bandwidths.indexOf(representation.bandwidth);
    return i >= 0 ? i : null;
  }

  function StreamoptRuleClass() {
    const context = this.context;
    const SwitchRequest = dashjs.FactoryMaker.getClassFactoryByName('SwitchRequest');

    function getSwitchRequest(rulesContext) {
      const request = SwitchRequest(context).create();
      try {
        if (rulesContext.getMediaType() !== 'video') return request;
        const controller = ensureController(rulesContext);
        const reps = sortedRepresentations(rulesContext);
        state.bandwidths = reps.map((r) => r.bandwidth);
        if (reps.length !== controller.rungCount) {
          throw new Error(`${RULE_NAME}: the MPD has ${reps.length} video Representations, the manifest ${controller.rungCount} rungs`);
        }
        const next = Math.min(state.reports, state.segmentCount - 1);
        let decision = state.decided.get(next);
        if (!decision) {
          decision = controller.decide({
            now_s: now_s(),
            buffer_s: bufferLevel(),
            next_segment: next,
            segments_left: Math.max(1, state.segmentCount - next),
            last_rung: state.lastRung,
            rebuffered: state.rebuffered,
          });
          // A stall during the download before this decision is reported once.
          state.rebuffered = false;
          state.decided.set(next, decision);
          // A wait before this download (BOLA above its buffer bound), as
          // dash.js's own BOLA asks for it: the schedule controller holds the
          // request that long.
          const schedule = rulesContext.getScheduleController && rulesContext.getScheduleController();
          if (decision.delay_s > 0 && schedule && typeof schedule.setTimeToLoadDelay === 'function') {
            schedule.setTimeToLoadDelay(1000 * decision.delay_s);
          }
          state.decisions.push({
            segment: next, rung: decision.rung, rule: decision.rule, estimate_bps: decision.estimate_bps,
            delay_s: decision.delay_s,
          });
          log(`segment ${next}: rung ${decision.rung} (${decision.rule})`);
        }
        request.representation = reps[decision.rung];
        request.priority = SwitchRequest.PRIORITY.STRONG;
        request.reason = { rule: decision.rule, estimate_bps: decision.estimate_bps, spec };
        request.rule = RULE_NAME;
      } catch (e) {
        state.errors.push(String(e && e.message ? e.message : e));
        log(`error: ${e}`);
      }
      return request;
    }

    return { getSwitchRequest, reset() {} };
  }
  StreamoptRuleClass.__dashjs_factory_name = RULE_NAME;
  const factory = dashjs.FactoryMaker.getClassFactory(StreamoptRuleClass);

  // Only this rule decides (dash.js 5 keeps its rules in settings).
  const off = { active: false };
  player.updateSettings({
    streaming: {
      abr: {
        rules: {
          throughputRule: off, bolaRule: off, insufficientBufferRule: off, switchHistoryRule: off,
          droppedFramesRule: off, abandonRequestsRule: off, l2ARule: off, loLPRule: off,
        },
      },
    },
  });
  player.addABRCustomRule('qualitySwitchRules', RULE_NAME, factory);

  const events = dashjs.MediaPlayer.events;
  player.on(events.FRAGMENT_LOADING_COMPLETED, (e) => {
    const r = e && e.request;
    if (!r || e.error || r.mediaType !== 'video' || r.type !== 'MediaSegment' || !state.controller) return;
    const rung = rungOf(r.representation);
    if (rung === null) return;
    const start = r.startDate ? new Date(r.startDate).getTime() : Date.now();
    const end = r.endDate ? new Date(r.endDate).getTime() : Date.now();
    const report = {
      segment: Math.min(state.reports, state.segmentCount - 1),
      rung,
      size_bytes: Math.max(1, r.bytesLoaded || r.bytesTotal || 1),
      start_time_s: (start - t0) / 1000,
      download_time_s: Math.max(0.001, (end - start) / 1000),
    };
    try {
      state.controller.onDownload(report);
    } catch (err) {
      state.errors.push(String(err.message || err));
    }
    state.reports += 1;
    state.lastRung = rung;
  });
  // A stall while a segment downloads reaches the next decision (the
  // engine's PlayerState.rebuffered: the previous download stalled playback).
  player.on(events.PLAYBACK_WAITING, () => {
    if (state.reports > 0) state.rebuffered = true;
  });

  return {
    name: RULE_NAME,
    spec,
    factory,
    decisions: state.decisions,
    errors: state.errors,
    destroy() {
      player.removeABRCustomRule(RULE_NAME);
      if (state.controller) state.controller.destroy();
      state.controller = null;
    },
  };
}
