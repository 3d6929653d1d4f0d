/* libFuzzer target: the checks every binding goes through (issue 9, section
 * 3), driven through the C ABI. The input is read as a stream of choices:
 *
 *   1. a manifest: the synthetic one, or sopt_manifest_from_arrays with
 *      absurd bitrates, durations, segment counts and sizes (NaN, inf,
 *      5e-324, 1e300, zero, unsorted, huge);
 *   2. a controller spec built by name: any controller, random options with
 *      random values, nested parts (rate:predictor=robust:inner=...,
 *      mpc:ttp=throughput:predictor=...) up to past the depth limit, or raw
 *      bytes; and a QoE spec;
 *   3. a session: on_download / decide / reset with reports and states that
 *      are mostly plausible and sometimes absurd in one or more fields
 *      (NaN, inf, huge, 5e-324, out-of-range rungs and segments), with the
 *      same reports fed to a predictor built by name; every other step goes
 *      through the versioned live calls (sopt_abr_decide_ex with fuzzed live
 *      fields, sopt_abr_should_abandon with fuzzed progress,
 *      sopt_abr_on_download_ex with a fuzzed transfer time).
 *
 * Any status is fine. A crash, hang, leak or sanitizer report is a bug, and so
 * is a call that succeeds with an invalid result: a decision outside the ladder
 * or with a negative or non-finite delay, or a prediction that is NaN. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streamopt/streamopt.h"

typedef struct reader {
  const uint8_t* data;
  size_t size;
} reader;

static uint8_t take_byte(reader* r) {
  if (r->size == 0) return 0;
  const uint8_t b = *r->data++;
  --r->size;
  return b;
}

static uint64_t take_u64(reader* r) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | take_byte(r);
  return v;
}

static double take_raw_double(reader* r) {
  const uint64_t bits = take_u64(r);
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

/* A double: `plausible` most of the time, else one of the absurd values or raw bits. */
static double take_double(reader* r, double plausible) {
  static const double absurd[] = {0.0,    -0.0,    -1.0,   NAN,     INFINITY, -INFINITY, 5e-324, 1e-300,
                                  1e300, 1e308,   -1e308, 1.7976931348623157e308, 1e-9, 1e9,   1e15,   604800.0,
                                  604801.0, 2.5e-8, 4294967296.0, 1.8446744073709552e19};
  const uint8_t b = take_byte(r);
  if (b < 200) return plausible;
  if (b < 250) return absurd[b % (sizeof absurd / sizeof absurd[0])];
  if (b < 253) return plausible * (double)(take_byte(r) + 1) / 16.0;
  return take_raw_double(r);
}

/* A count or index: `plausible` most of the time, else an edge value or raw bits. */
static size_t take_index(reader* r, size_t plausible, size_t limit) {
  const uint8_t b = take_byte(r);
  if (b < 200) return plausible;
  switch (b % 8) {
    case 0: return 0;
    case 1: return limit;
    case 2: return limit ? limit - 1 : 0;
    case 3: return limit + 1;
    case 4: return SOPT_NO_RUNG;
    case 5: return SOPT_NO_RUNG - 1;
    case 6: return (size_t)1 << 32;
    default: return (size_t)take_u64(r);
  }
}

static uint64_t take_size(reader* r, uint64_t plausible) {
  const uint8_t b = take_byte(r);
  if (b < 200) return plausible;
  switch (b % 6) {
    case 0: return 0;
    case 1: return 1;
    case 2: return UINT64_MAX;
    case 3: return (uint64_t)1 << 40;
    case 4: return (uint64_t)1 << 53;
    default: return take_u64(r);
  }
}

/* ---- manifests ---- */

enum { kMaxRungs = 24, kMaxSegments = 64 };

static sopt_manifest* take_manifest(reader* r) {
  const uint8_t mode = take_byte(r);
  sopt_manifest* manifest = NULL;
  if (mode % 4 == 0) {
    sopt_manifest_synthetic(take_byte(r), &manifest);
    return manifest;
  }
  size_t rungs = 1 + take_byte(r) % kMaxRungs;
  double bitrates[kMaxRungs];
  double bps = 2e5;
  for (size_t i = 0; i < rungs; ++i) {
    bps *= 1.2 + (take_byte(r) % 8) * 0.2;
    bitrates[i] = take_double(r, bps);
  }
  const double duration = take_double(r, 1.0 + take_byte(r) % 8);
  size_t segments = 1 + take_byte(r) % kMaxSegments;
  uint64_t sizes[kMaxRungs * kMaxSegments];
  const int with_sizes = mode & 1;
  if (with_sizes) {
    for (size_t s = 0; s < segments; ++s) {
      for (size_t i = 0; i < rungs; ++i) {
        const double nominal = bitrates[i] * duration / 8.0;
        const uint64_t plausible = isfinite(nominal) && nominal >= 1 && nominal < 1e12 ? (uint64_t)nominal : 1000;
        sizes[s * rungs + i] = take_size(r, plausible);
      }
    }
  } else if (mode & 8) {
    /* No sizes array: the count itself may be absurd (the library computes the sizes). */
    segments = take_index(r, segments, (size_t)1 << 20);
    if (segments > ((size_t)1 << 20)) segments = (size_t)1 << 20; /* keep the fuzzer's memory bounded */
  }
  if (mode & 16) rungs = take_index(r, rungs, kMaxRungs) % (kMaxRungs + 1); /* 0 rungs, or the count shifted */
  sopt_manifest_from_arrays(bitrates, rungs, duration, segments, with_sizes ? sizes : NULL, &manifest);
  return manifest;
}

/* ---- specs ---- */

typedef struct text {
  char buf[1200];
  size_t len;
} text;

static void append(text* t, const char* s) {
  const size_t n = strlen(s);
  if (t->len + n >= sizeof t->buf) return;
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

static const char* const kAbrs[] = {"robust_mpc", "mpc", "bola", "bba", "rate", "dynamic", "fixed"};
static const char* const kPredictors[] = {"last", "harmonic", "ewma", "percentile", "robust"};
static const char* const kFetchTimes[] = {"throughput", "empirical"};
static const char* const kKeys[] = {
    "horizon",        "buffer_step_s",    "max_buffer_s",      "safety",          "window",
    "error_window",   "gamma_p",          "variant",           "preset",          "rung",
    "start_rung",     "reservoir_s",      "cushion_s",         "min_buffer_s",    "target_buffer_s",
    "stable_buffer_s", "fast_half_life_s", "slow_half_life_s", "percentile",      "conservative_percentile",
    "max_weight",     "conservative",     "carry_history",     "smoothing",       "bogus_key"};
static const char* const kValues[] = {
    "0",    "1",    "-1",   "5",    "20",   "21",    "1e-6", "1e-300", "1e300", "nan", "inf",   "-inf",
    "5e-324", "0.5", "1000000", "99999999999999999999", "e", "basic", "pensieve", "true", "false", "", " ",
    "0x10", "1e308", "4.9", "-0"};

static void append_value(reader* r, text* t) {
  const uint8_t b = take_byte(r);
  char number[48];
  if (b < 160) {
    append(t, kValues[b % (sizeof kValues / sizeof kValues[0])]);
  } else if (b < 220) {
    snprintf(number, sizeof number, "%.17g", take_raw_double(r));
    append(t, number);
  } else {
    snprintf(number, sizeof number, "%u", (unsigned)take_byte(r) * 7u);
    append(t, number);
  }
}

static void append_options(reader* r, text* t, int first_after_colon) {
  const int count = take_byte(r) % 4;
  for (int i = 0; i < count; ++i) {
    append(t, i == 0 && first_after_colon ? ":" : ",");
    append(t, kKeys[take_byte(r) % (sizeof kKeys / sizeof kKeys[0])]);
    append(t, "=");
    append_value(r, t);
  }
}

/* A predictor spec, possibly nested through robust:inner=... `depth` times. */
static void append_predictor(reader* r, text* t, int depth) {
  for (int i = 0; i < depth; ++i) append(t, "robust:inner=");
  append(t, kPredictors[take_byte(r) % (sizeof kPredictors / sizeof kPredictors[0])]);
  append_options(r, t, 1);
}

static void take_spec(reader* r, text* t) {
  t->len = 0;
  t->buf[0] = '\0';
  const uint8_t shape = take_byte(r);
  const int depth = take_byte(r) % 12; /* the limit is 8 */
  switch (shape % 6) {
    case 0: /* a controller with options */
      append(t, kAbrs[take_byte(r) % (sizeof kAbrs / sizeof kAbrs[0])]);
      append_options(r, t, 1);
      break;
    case 1: /* rate:predictor=robust:inner=... */
      append(t, "rate:predictor=");
      append_predictor(r, t, depth);
      break;
    case 2: /* mpc or robust_mpc with a nested predictor, then outer options */
      append(t, shape & 8 ? "robust_mpc:predictor=" : "mpc:predictor=");
      append_predictor(r, t, depth);
      break;
    case 3: /* mpc:ttp=throughput:predictor=... or ttp=empirical */
      append(t, "mpc:ttp=");
      append(t, kFetchTimes[take_byte(r) % 2]);
      if (take_byte(r) & 1) {
        append(t, ":predictor=");
        append_predictor(r, t, depth);
      } else {
        append_options(r, t, 1);
      }
      break;
    case 4: /* a known controller, then raw bytes */
      append(t, kAbrs[take_byte(r) % (sizeof kAbrs / sizeof kAbrs[0])]);
      append(t, ":");
      for (int n = take_byte(r) % 48; n > 0 && t->len + 1 < sizeof t->buf; --n) {
        const uint8_t c = take_byte(r);
        t->buf[t->len++] = c ? (char)c : '=';
      }
      t->buf[t->len] = '\0';
      break;
    default: /* a very long or very deep spec */
      append(t, "rate:predictor=");
      for (int i = 0; i < 20 + depth * 8; ++i) append(t, "robust:inner=");
      append(t, "ewma");
      break;
  }
}

static const char* take_qoe(reader* r) {
  static const char* const qoes[] = {NULL, "lin", "log", "hd", "log:rebuffer=2.66", "lin:rebuffer=nan",
                                     "lin:rebuffer=1e308", "lin:smoothness=-1", "bogus", ""};
  return qoes[take_byte(r) % (sizeof qoes / sizeof qoes[0])];
}

/* ---- sessions ---- */

static void fail(const char* what, const char* spec, double a, double b) {
  fprintf(stderr, "fuzz_c_abi_sessions: %s (spec '%s', %g, %g)\n", what, spec, a, b);
  abort();
}

/* Plays on `abr`; `manifest` (NULL once its handle is gone) gives plausible sizes. */
static void play(reader* r, sopt_abr* abr, sopt_predictor* predictor, const char* predictor_spec,
                 const sopt_manifest* manifest, size_t rungs, size_t segments, double segment_s, const char* spec) {
  if (rungs == 0 || segments == 0) return;
  size_t segment = 0, last = SOPT_NO_RUNG;
  double now_s = 0, buffer_s = 0;
  int stalled = 0;
  for (int step = 0; step < 256 && r->size > 0; ++step) {
    const uint8_t op = take_byte(r);
    if (op % 16 == 0) {
      sopt_abr_reset(abr);
      if (predictor) sopt_predictor_reset(predictor);
      segment = 0;
      last = SOPT_NO_RUNG;
      now_s = buffer_s = 0;
      continue;
    }
    const size_t next = segment < segments ? segment : segments - 1;
    sopt_player_state state;
    state.now_s = take_double(r, now_s);
    state.buffer_s = take_double(r, buffer_s);
    state.next_segment = take_index(r, next, segments);
    state.segments_left = take_index(r, segments - next, segments);
    state.last_rung = take_index(r, last, rungs);
    state.rebuffered = stalled;
    sopt_decision decision;
    sopt_status status;
    const int versioned = op & 1; /* the live (_ex) calls */
    if (versioned) {
      sopt_player_state_ex ex = SOPT_PLAYER_STATE_EX_INIT;
      sopt_decision_ex out = SOPT_DECISION_EX_INIT;
      ex.base = state;
      ex.live = take_byte(r) & 1;
      ex.latency_s = take_double(r, 3.0);
      ex.target_latency_s = take_double(r, 3.0);
      ex.live_edge_s = take_double(r, now_s + 3.0);
      ex.playback_rate = take_double(r, 1.0);
      status = sopt_abr_decide_ex(abr, &ex, &out);
      decision = out.base;
      if (status == SOPT_OK && (!isfinite(out.playback_rate) || out.playback_rate < 0)) {
        fail("bad playback rate", spec, out.playback_rate, 0);
      }
    } else {
      status = sopt_abr_decide(abr, &state, &decision);
    }
    if (status == SOPT_OK) {
      if (decision.rung >= rungs) fail("decision outside the ladder", spec, (double)decision.rung, (double)rungs);
      if (!isfinite(decision.delay_s) || decision.delay_s < 0) fail("bad delay", spec, decision.delay_s, 0);
      if (memchr(decision.rule, '\0', sizeof decision.rule) == NULL) fail("rule not terminated", spec, 0, 0);
    }
    const size_t rung = status == SOPT_OK ? decision.rung : (last == SOPT_NO_RUNG ? 0 : last);
    uint64_t nominal = 1000 * (uint64_t)(rung % 64 + 1);
    if (manifest) sopt_manifest_segment_size(manifest, next, rung, &nominal);
    const double throughput = 1e5 * (1 + take_byte(r));
    sopt_download_report report;
    report.segment = take_index(r, next, segments);
    report.rung = take_index(r, rung, rungs);
    report.size_bytes = take_size(r, nominal);
    report.start_time_s = take_double(r, now_s);
    report.download_time_s = take_double(r, 0.01 + (double)nominal * 8.0 / throughput);
    if (versioned) {
      sopt_download_progress progress = SOPT_DOWNLOAD_PROGRESS_INIT;
      progress.segment = report.segment;
      progress.rung = report.rung;
      progress.size_bytes = report.size_bytes;
      progress.received_bytes = take_size(r, report.size_bytes / 2);
      progress.start_time_s = report.start_time_s;
      progress.elapsed_s = take_double(r, report.download_time_s / 2);
      progress.buffer_s = take_double(r, buffer_s);
      size_t abandon = SOPT_NO_RUNG;
      if (sopt_abr_should_abandon(abr, &progress, &abandon) == SOPT_OK && abandon != SOPT_NO_RUNG && abandon >= rungs) {
        fail("abandoned for a rung outside the ladder", spec, (double)abandon, (double)rungs);
      }
      sopt_download_report_ex ex = SOPT_DOWNLOAD_REPORT_EX_INIT;
      ex.base = report;
      ex.transfer_time_s = take_double(r, report.download_time_s / 2);
      sopt_abr_on_download_ex(abr, &ex);
    }
    if (!versioned && sopt_abr_on_download(abr, &report) == SOPT_OK && predictor) {
      sopt_prediction prediction;
      if (sopt_predictor_observe(predictor, &report) == SOPT_OK &&
          sopt_predictor_predict(predictor, &prediction) == SOPT_OK && prediction.valid &&
          (isnan(prediction.estimate_bps) || isnan(prediction.conservative_bps))) {
        fprintf(stderr, "fuzz_c_abi_sessions: predictor '%s', report {segment %zu, rung %zu, size %llu, start %g, "
                "download %g}\n", predictor_spec, report.segment, report.rung, (unsigned long long)report.size_bytes,
                report.start_time_s, report.download_time_s);
        fail("NaN prediction after accepted reports", spec, prediction.estimate_bps, prediction.conservative_bps);
      }
    }
    const double dt = isfinite(report.download_time_s) && report.download_time_s > 0 ? report.download_time_s : 1;
    stalled = dt > buffer_s;
    buffer_s = (stalled ? 0 : buffer_s - dt) + (segment_s > 0 && isfinite(segment_s) ? segment_s : 1);
    if (buffer_s > 60) buffer_s = 60;
    now_s += dt;
    last = rung;
    if (++segment >= segments) segment = 0;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  reader r = {data, size};
  sopt_manifest* manifest = take_manifest(&r);
  if (!manifest) return 0;
  static text spec; /* one input at a time: libFuzzer is single-threaded here */
  take_spec(&r, &spec);
  const char* qoe = take_qoe(&r);
  sopt_abr* abr = NULL;
  if (sopt_abr_create_with_qoe(spec.buf, manifest, qoe, &abr) == SOPT_OK) {
    size_t rungs = 0, segments = 0;
    double segment_s = 0;
    sopt_manifest_info(manifest, &rungs, &segments, &segment_s);
    text predictor_spec = {{0}, 0};
    append_predictor(&r, &predictor_spec, take_byte(&r) % 10);
    sopt_predictor* predictor = NULL;
    sopt_predictor_create(predictor_spec.buf, &predictor);
    if (take_byte(&r) & 1) {
      /* The manifest handle may go before the controller that shares it. */
      sopt_manifest_destroy(manifest);
      manifest = NULL;
    }
    play(&r, abr, predictor, predictor_spec.buf, manifest, rungs, segments, segment_s, spec.buf);
    sopt_predictor_destroy(predictor);
  }
  sopt_abr_destroy(abr);
  sopt_manifest_destroy(manifest);
  return 0;
}
