// The WebAssembly engine decides exactly as the native one: replays sessions
// recorded with the native engine (record_session, written by build.sh) --
// every state and download report, in order -- through build/wasm's module and
// requires each decision's JSON to be identical: rung, delay, throughput
// estimates, per-rung scores, MPC's plan and objective, bit for bit. The
// learned policy (imitation, float32 MLP on Eigen) must choose the same rungs
// with scores equal to 1e-5: Eigen's SIMD kernels sum in another order natively.
//   node --test bindings/js/test/wasm_decisions.test.mjs   (SESSIONS=path to the recording)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadStreamopt, StreamoptError } from '../streamopt.mjs';

const sessionsPath = process.env.SESSIONS;
if (!sessionsPath) throw new Error('wasm_decisions.test.mjs: set SESSIONS to the JSON record_session wrote');
const recording = JSON.parse(readFileSync(sessionsPath, 'utf8'));
const engine = await loadStreamopt();

// Learned controllers read their model file: put each one named by a spec's
// model= option into the module's file system at the same path.
for (const session of recording.sessions) {
  const model = /model=([^,;]+)/.exec(session.spec);
  if (model) engine.writeFile(model[1], readFileSync(model[1]));
}

for (const session of recording.sessions) {
  const kind = session.spec.startsWith('imitation') ? 'the same rungs (scores within 1e-5)' : 'bit-identical';
  test(`${session.spec}: WASM decisions are ${kind} to the native engine's`, () => {
    const abr = engine.createController(session.spec, recording.manifest);
    const learned = session.spec.startsWith('imitation');
    let decisions = 0;
    for (const event of session.events) {
      if (event.report) {
        abr.onDownload(event.report);
        continue;
      }
      const got = JSON.parse(abr.decideText(event.state));
      const where = `decision ${decisions} (segment ${event.state.next_segment})`;
      if (learned) {
        // Float32 inference: Eigen's SIMD summation order natively vs scalar
        // WASM moves the last bits of the scores; the decision must not move.
        assert.equal(got.rung, event.decision.rung, where);
        assert.equal(got.delay_s, event.decision.delay_s, where);
        assert.equal(got.scores.length, event.decision.scores.length, where);
        got.scores.forEach((v, i) => {
          const want = event.decision.scores[i];
          assert.ok(Math.abs(v - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${where}: score ${i} ${v} vs ${want}`);
        });
      } else {
        // Both sides are nlohmann dumps of the same doubles: equal values, bit for bit.
        assert.deepStrictEqual(got, event.decision, where);
      }
      decisions += 1;
    }
    assert.ok(decisions > 0);
    abr.destroy();
  });
}

test('the recording exercises rung changes, so the comparison is not trivial', () => {
  for (const session of recording.sessions) {
    const rungs = new Set(session.events.filter((e) => e.decision).map((e) => e.decision.rung));
    assert.ok(rungs.size >= 2, `${session.spec} chose only rungs ${[...rungs]}`);
  }
});

test('bad input is an error naming the field, never a crash', () => {
  assert.throws(() => engine.createController('no_such_abr', recording.manifest), StreamoptError);
  assert.throws(() => engine.createController('bola', { bitrates_bps: [] }), /bitrates_bps/);
  const abr = engine.createController('bola', recording.manifest);
  assert.throws(() => abr.decide({ now_s: 0, buffer_s: -1, next_segment: 0, segments_left: 1 }), /buffer/);
  assert.throws(() => abr.onDownload({ segment: 0, rung: 99, size_bytes: 1, start_time_s: 0, download_time_s: 1 }), /rung/);
  assert.throws(() => abr.decide({ now_s: 0, next_segment: 0, segments_left: 1 }), /buffer_s/);
  abr.destroy();
  assert.throws(() => abr.decide({ now_s: 0, buffer_s: 0, next_segment: 0, segments_left: 1 }), /after destroy/);
});

test('options parse through the strtod fallback in WASM (no floating-point from_chars there)', () => {
  const a = engine.createController('bola:min_buffer_s=8.5,target_buffer_s=20.25', recording.manifest);
  a.destroy();
  assert.throws(() => engine.createController('bola:min_buffer_s=8x', recording.manifest), /not a number/);
  assert.throws(() => engine.createController('bola:min_buffer_s=1e999', recording.manifest), /out of range/);
});
