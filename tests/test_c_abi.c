/* Tests of the C ABI, compiled as C11 against libstreamopt.so. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "streamopt/streamopt.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                     \
  do {                                                                  \
    if (cond) {                                                         \
      ++passed;                                                         \
    } else {                                                            \
      ++failed;                                                         \
      fprintf(stderr, "%s:%d: CHECK(%s) failed; last error: %s\n", __FILE__, __LINE__, #cond, \
              sopt_last_error());                                       \
    }                                                                   \
  } while (0)

/* Expects `call` to fail with `status` and a message containing `text`. */
#define CHECK_FAILS(call, status, text)                                  \
  do {                                                                   \
    sopt_status got_ = (call);                                           \
    CHECK(got_ == (status));                                             \
    CHECK(strstr(sopt_last_error(), (text)) != NULL);                    \
  } while (0)

static void test_library(void) {
  CHECK(strcmp(sopt_version(), SOPT_VERSION_STRING) == 0);
  CHECK(strcmp(sopt_status_name(SOPT_ERR_INVALID), "SOPT_ERR_INVALID") == 0);
}

static void test_manifest(void) {
  const double bitrates[] = {1e6, 2e6, 4e6};
  const uint64_t sizes[] = {100, 200, 400, 110, 210, 410};
  sopt_manifest* m = NULL;
  CHECK(sopt_manifest_from_arrays(bitrates, 3, 2.0, 2, sizes, &m) == SOPT_OK);
  size_t rungs = 0, segments = 0;
  double duration = 0;
  CHECK(sopt_manifest_info(m, &rungs, &segments, &duration) == SOPT_OK);
  CHECK(rungs == 3 && segments == 2 && duration == 2.0);
  uint64_t size = 0;
  CHECK(sopt_manifest_segment_size(m, 1, 2, &size) == SOPT_OK && size == 410);
  double bps = 0;
  CHECK(sopt_manifest_bitrate(m, 1, &bps) == SOPT_OK && bps == 2e6);
  CHECK_FAILS(sopt_manifest_bitrate(m, 3, &bps), SOPT_ERR_INVALID, "rung 3 out of range");
  CHECK_FAILS(sopt_manifest_segment_size(m, 2, 0, &size), SOPT_ERR_INVALID, "out of range");
  CHECK_FAILS(sopt_manifest_info(NULL, &rungs, NULL, NULL), SOPT_ERR_NULL_ARGUMENT, "manifest must not be NULL");
  sopt_manifest_destroy(m);

  const double unsorted[] = {2e6, 1e6};
  sopt_manifest* bad = NULL;
  CHECK_FAILS(sopt_manifest_from_arrays(unsorted, 2, 2.0, 2, NULL, &bad), SOPT_ERR_INVALID, "not above");
  CHECK(bad == NULL);
  CHECK_FAILS(sopt_manifest_from_arrays(bitrates, 3, NAN, 2, NULL, &bad), SOPT_ERR_INVALID, "duration");
  CHECK_FAILS(sopt_manifest_from_arrays(NULL, 3, 2.0, 2, NULL, &bad), SOPT_ERR_NULL_ARGUMENT, "bitrates_bps");
  CHECK_FAILS(sopt_manifest_load("/nonexistent-dir", &bad), SOPT_ERR_INVALID, "cannot open");
  sopt_manifest_destroy(NULL);
}

static void test_trace(void) {
  const char text[] = "0 1\n1 2\n2 4\n";
  sopt_trace* t = NULL;
  CHECK(sopt_trace_parse(text, strlen(text), NULL, &t) == SOPT_OK);
  size_t n = 0;
  double duration = 0, time_s = 0, bps = 0;
  CHECK(sopt_trace_info(t, &n, &duration) == SOPT_OK && n == 3 && duration == 2.0);
  CHECK(sopt_trace_sample(t, 2, &time_s, &bps) == SOPT_OK && time_s == 2.0 && bps == 4e6);
  CHECK_FAILS(sopt_trace_sample(t, 3, &time_s, &bps), SOPT_ERR_INVALID, "out of range");
  sopt_trace_destroy(t);

  sopt_trace* bad = NULL;
  CHECK_FAILS(sopt_trace_parse("0 1\n1 x\n", 8, "cooked", &bad), SOPT_ERR_INVALID, "<memory>:2");
  CHECK_FAILS(sopt_trace_parse("0 1\n", 4, "bogus", &bad), SOPT_ERR_INVALID, "unknown trace format");
  CHECK_FAILS(sopt_trace_parse(NULL, 3, NULL, &bad), SOPT_ERR_NULL_ARGUMENT, "text");
  CHECK_FAILS(sopt_trace_parse("", 0, NULL, &bad), SOPT_ERR_INVALID, "empty");
  const double times[] = {0, 2, 1};
  const double rates[] = {1e6, 1e6, 1e6};
  CHECK_FAILS(sopt_trace_from_arrays(times, rates, 3, &bad), SOPT_ERR_INVALID, "backwards");
  CHECK(bad == NULL);
}

static void test_abr(void) {
  sopt_manifest* m = NULL;
  CHECK(sopt_manifest_synthetic(1, &m) == SOPT_OK);
  sopt_abr* abr = NULL;
  CHECK(sopt_abr_create("bba:preset=pensieve", m, &abr) == SOPT_OK);
  sopt_manifest_destroy(m); /* the controller keeps its own copy */
  sopt_player_state state = {0.0, 10.0, 1, 47, 1, 0};
  sopt_decision d;
  CHECK(sopt_abr_decide(abr, &state, &d) == SOPT_OK);
  CHECK(d.rung == 2 && strcmp(d.rule, "cushion") == 0);
  sopt_download_report report = {1, 2, 600000, 0.0, 1.5};
  CHECK(sopt_abr_on_download(abr, &report) == SOPT_OK);

  /* Robustness: every bad input is an error status with a message. */
  report.rung = 6;
  CHECK_FAILS(sopt_abr_on_download(abr, &report), SOPT_ERR_INVALID, "report.rung = 6");
  report.rung = 2;
  report.download_time_s = NAN;
  CHECK_FAILS(sopt_abr_on_download(abr, &report), SOPT_ERR_INVALID, "download_time_s");
  report.download_time_s = -1.0;
  CHECK_FAILS(sopt_abr_on_download(abr, &report), SOPT_ERR_INVALID, "download_time_s");
  state.buffer_s = NAN;
  CHECK_FAILS(sopt_abr_decide(abr, &state, &d), SOPT_ERR_INVALID, "state.buffer_s");
  state.buffer_s = -3;
  CHECK_FAILS(sopt_abr_decide(abr, &state, &d), SOPT_ERR_INVALID, "state.buffer_s");
  state.buffer_s = 5;
  state.last_rung = 17;
  CHECK_FAILS(sopt_abr_decide(abr, &state, &d), SOPT_ERR_INVALID, "state.last_rung = 17");
  state.last_rung = SOPT_NO_RUNG;
  CHECK(sopt_abr_decide(abr, &state, &d) == SOPT_OK);
  CHECK_FAILS(sopt_abr_decide(NULL, &state, &d), SOPT_ERR_NULL_ARGUMENT, "abr must not be NULL");
  CHECK_FAILS(sopt_abr_decide(abr, NULL, &d), SOPT_ERR_NULL_ARGUMENT, "state");
  CHECK_FAILS(sopt_abr_on_download(abr, NULL), SOPT_ERR_NULL_ARGUMENT, "report");
  CHECK(sopt_abr_reset(abr) == SOPT_OK);
  sopt_abr_destroy(abr);

  CHECK(sopt_manifest_synthetic(1, &m) == SOPT_OK);
  sopt_abr* bad = NULL;
  CHECK_FAILS(sopt_abr_create("nope", m, &bad), SOPT_ERR_INVALID, "unknown ABR controller 'nope'");
  CHECK_FAILS(sopt_abr_create("bola:gamma_p", m, &bad), SOPT_ERR_INVALID, "no '='");
  CHECK_FAILS(sopt_abr_create("bola:min_buffer_s=abc", m, &bad), SOPT_ERR_INVALID, "not a number");
  CHECK_FAILS(sopt_abr_create("bola:typo=1", m, &bad), SOPT_ERR_INVALID, "unknown option 'typo'");
  CHECK_FAILS(sopt_abr_create(NULL, m, &bad), SOPT_ERR_NULL_ARGUMENT, "spec");
  CHECK_FAILS(sopt_abr_create("bba", NULL, &bad), SOPT_ERR_NULL_ARGUMENT, "manifest");
  CHECK(bad == NULL);
  sopt_manifest_destroy(m);
}

static void test_predictor(void) {
  sopt_predictor* p = NULL;
  CHECK(sopt_predictor_create("harmonic:window=2", &p) == SOPT_OK);
  sopt_prediction pred;
  CHECK(sopt_predictor_predict(p, &pred) == SOPT_OK && pred.valid == 0);
  sopt_download_report a = {0, 0, 1000000, 0, 8.0}; /* 1 Mbps */
  sopt_download_report b = {1, 0, 1000000, 8, 2.0}; /* 4 Mbps */
  CHECK(sopt_predictor_observe(p, &a) == SOPT_OK && sopt_predictor_observe(p, &b) == SOPT_OK);
  CHECK(sopt_predictor_predict(p, &pred) == SOPT_OK && pred.valid);
  CHECK(fabs(pred.estimate_bps - 1.6e6) < 1e-6); /* 2 / (1/1 + 1/4) Mbps */
  CHECK(pred.conservative_bps == 1e6);
  CHECK(sopt_predictor_reset(p) == SOPT_OK);
  CHECK(sopt_predictor_predict(p, &pred) == SOPT_OK && pred.valid == 0);
  sopt_predictor_destroy(p);
  sopt_predictor* bad = NULL;
  CHECK_FAILS(sopt_predictor_create("harmonic:window=x", &bad), SOPT_ERR_INVALID, "window");
}

static void test_simulation(void) {
  sopt_manifest* m = NULL;
  sopt_trace* t = NULL;
  const double times[] = {0, 10, 20, 30};
  const double rates[] = {3e6, 3e6, 0.5e6, 2e6};
  CHECK(sopt_manifest_synthetic(2, &m) == SOPT_OK);
  CHECK(sopt_trace_from_arrays(times, rates, 4, &t) == SOPT_OK);
  sopt_session_stats stats;
  sopt_segment_record records[60];
  size_t count = 0;
  CHECK(sopt_simulate(t, m, "robust_mpc", "pensieve", NULL, &stats, records, 60, &count) == SOPT_OK);
  CHECK(count == 48 && stats.segments == 48);
  CHECK(records[0].rung == 1); /* pensieve mode: first segment at rung 1 */
  double sum = 0;
  for (size_t i = 1; i < count; ++i) sum += records[i].qoe;
  CHECK(fabs(sum - stats.qoe_sum_pensieve) < 1e-9);

  /* Stepping the same session by hand gives the same statistics. */
  sopt_sim* sim = NULL;
  sopt_abr* abr = NULL;
  CHECK(sopt_sim_create(t, m, "pensieve", "lin", &sim) == SOPT_OK);
  CHECK(sopt_abr_create("robust_mpc", m, &abr) == SOPT_OK);
  int done = 0;
  while (sopt_sim_done(sim, &done) == SOPT_OK && !done) {
    sopt_player_state state;
    size_t forced;
    sopt_decision d = {0};
    sopt_download_report report;
    CHECK(sopt_sim_state(sim, &state, &forced) == SOPT_OK);
    if (forced != SOPT_NO_RUNG) {
      d.rung = forced;
    } else {
      CHECK(sopt_abr_decide(abr, &state, &d) == SOPT_OK);
    }
    CHECK(sopt_sim_play(sim, &d, &report) == SOPT_OK);
    CHECK(sopt_abr_on_download(abr, &report) == SOPT_OK);
  }
  sopt_session_stats stepped;
  CHECK(sopt_sim_stats(sim, &stepped) == SOPT_OK);
  CHECK(stepped.qoe_sum == stats.qoe_sum);
  sopt_decision d = {0};
  CHECK_FAILS(sopt_sim_play(sim, &d, NULL), SOPT_ERR_INVALID, "session is over");
  sopt_sim_destroy(sim);
  sopt_abr_destroy(abr);

  CHECK(sopt_sim_create(t, m, "default", NULL, &sim) == SOPT_OK);
  d.rung = 99;
  CHECK_FAILS(sopt_sim_play(sim, &d, NULL), SOPT_ERR_INVALID, "rung 99");
  d.rung = 0;
  d.delay_s = NAN;
  CHECK_FAILS(sopt_sim_play(sim, &d, NULL), SOPT_ERR_INVALID, "delay_s");
  sopt_sim_destroy(sim);
  CHECK_FAILS(sopt_simulate(t, m, "bba", "warp", NULL, &stats, NULL, 0, NULL), SOPT_ERR_INVALID, "unknown simulator mode");
  CHECK_FAILS(sopt_simulate(t, m, "bba", NULL, "hd:utilities=1", &stats, NULL, 0, NULL), SOPT_ERR_INVALID, "utilities");
  sopt_trace_destroy(t);
  sopt_manifest_destroy(m);
}

/* Live sessions and abandonment through the versioned structs. */
static void test_live(void) {
  sopt_manifest* m = NULL;
  sopt_trace* t = NULL;
  const double times[] = {0, 100, 200, 300};
  const double rates[] = {8e6, 8e6, 8e6, 8e6};
  CHECK(sopt_manifest_synthetic(2, &m) == SOPT_OK);
  CHECK(sopt_trace_from_arrays(times, rates, 4, &t) == SOPT_OK);
  sopt_live_config live = SOPT_LIVE_CONFIG_INIT;
  live.target_latency_s = 2.0;
  live.min_playback_rate = 0.9;
  sopt_sim* sim = NULL;
  sopt_abr* abr = NULL;
  CHECK(sopt_sim_create_live(t, m, NULL, &live, &sim) == SOPT_OK);
  CHECK(sopt_abr_create("bola", m, &abr) == SOPT_OK);
  int done = 0;
  double first_latency = -1, last_latency = 0, transfer = 0;
  while (sopt_sim_done(sim, &done) == SOPT_OK && !done) {
    sopt_player_state_ex state = SOPT_PLAYER_STATE_EX_INIT;
    sopt_decision_ex d = SOPT_DECISION_EX_INIT;
    sopt_download_report_ex report = SOPT_DOWNLOAD_REPORT_EX_INIT;
    size_t forced = 0;
    CHECK(sopt_sim_state_ex(sim, &state, &forced) == SOPT_OK);
    CHECK(state.live == 1 && state.target_latency_s == 2.0);
    if (state.base.next_segment > 0 && first_latency < 0) first_latency = state.latency_s;
    last_latency = state.latency_s;
    CHECK(sopt_abr_decide_ex(abr, &state, &d) == SOPT_OK);
    d.playback_rate = 0.5; /* clamped to 0.9: the latency grows */
    CHECK(sopt_sim_play_ex(sim, &d, abr, &report) == SOPT_OK);
    CHECK(report.transfer_time_s > 0 && report.transfer_time_s <= report.base.download_time_s);
    transfer = report.transfer_time_s;
    CHECK(sopt_abr_on_download_ex(abr, &report) == SOPT_OK);
  }
  CHECK(transfer > 0);
  CHECK(last_latency > first_latency + 5.0);
  sopt_sim_destroy(sim);

  sopt_player_state_ex bad = SOPT_PLAYER_STATE_EX_INIT;
  sopt_decision_ex out = SOPT_DECISION_EX_INIT;
  bad.struct_size = 8;
  CHECK_FAILS(sopt_abr_decide_ex(abr, &bad, &out), SOPT_ERR_INVALID, "struct_size");
  live.chunk_s = -1;
  CHECK_FAILS(sopt_sim_create_live(t, m, NULL, &live, &sim), SOPT_ERR_INVALID, "chunk_s");

  /* A download in flight: BOLA keeps a fast one, the hook refuses bad progress. */
  sopt_download_progress p = SOPT_DOWNLOAD_PROGRESS_INIT;
  p.rung = 0;
  p.size_bytes = 1000;
  p.received_bytes = 2000;
  size_t rung = 0;
  CHECK_FAILS(sopt_abr_should_abandon(abr, &p, &rung), SOPT_ERR_INVALID, "received_bytes");
  p.received_bytes = 500;
  p.elapsed_s = 0.1;
  CHECK(sopt_abr_should_abandon(abr, &p, &rung) == SOPT_OK && rung == SOPT_NO_RUNG);
  sopt_abr_destroy(abr);
  sopt_trace_destroy(t);
  sopt_manifest_destroy(m);
}

static void test_cc(void) {
  sopt_cc* cc = NULL;
  CHECK(sopt_cc_create("gcc:profile=draft02", 500e3, 100e3, 3e6, &cc) == SOPT_OK);
  sopt_cc_update u;
  CHECK(sopt_cc_get_update(cc, &u) == SOPT_OK);
  CHECK(u.target_rate_bps == 500e3);
  CHECK(u.pacing_rate_bps > u.target_rate_bps);
  CHECK(u.phase != NULL);
  /* One second of a 1 Mbps link that keeps up: the target rises. */
  uint64_t seq = 0;
  for (int round = 0; round < 20; ++round) {
    sopt_cc_packet packets[5];
    for (int k = 0; k < 5; ++k, ++seq) {
      const double send_s = round * 0.05 + k * 0.01;
      CHECK(sopt_cc_on_packet_sent(cc, seq, 1200, send_s) == SOPT_OK);
      packets[k].sequence = seq;
      packets[k].size_bytes = 1200;
      packets[k].send_s = send_s;
      packets[k].lost = 0;
      packets[k].arrival_s = send_s + 0.05;
    }
    CHECK(sopt_cc_on_feedback(cc, round * 0.05 + 0.1, packets, 5) == SOPT_OK);
    CHECK(sopt_cc_on_rtt(cc, 0.1, round * 0.05 + 0.1) == SOPT_OK);
    CHECK(sopt_cc_on_tick(cc, round * 0.05 + 0.1) == SOPT_OK);
  }
  CHECK(sopt_cc_get_update(cc, &u) == SOPT_OK);
  CHECK(u.target_rate_bps > 500e3);
  CHECK(u.threshold > 0);
  sopt_cc_packet bad[2] = {{5, 1200, 1.0, 0, 1.05}, {4, 1200, 1.01, 0, 1.06}};
  CHECK_FAILS(sopt_cc_on_feedback(cc, 2.0, bad, 2), SOPT_ERR_INVALID, "does not increase");
  bad[1].sequence = 6;
  bad[1].arrival_s = 0.5;
  CHECK_FAILS(sopt_cc_on_feedback(cc, 2.0, bad, 2), SOPT_ERR_INVALID, "not before send_s");
  CHECK_FAILS(sopt_cc_on_feedback(cc, 2.0, NULL, 2), SOPT_ERR_NULL_ARGUMENT, "packets");
  CHECK(sopt_cc_on_feedback(cc, 2.0, NULL, 0) == SOPT_OK);
  CHECK_FAILS(sopt_cc_on_rtt(cc, -1, 2.0), SOPT_ERR_INVALID, "rtt_s");
  sopt_cc_destroy(cc);
  sopt_cc_destroy(NULL);
  CHECK_FAILS(sopt_cc_create("cubic", 500e3, 100e3, 3e6, &cc), SOPT_ERR_INVALID, "unknown congestion controller");
  CHECK_FAILS(sopt_cc_create("nada", 50e3, 100e3, 3e6, &cc), SOPT_ERR_INVALID, "min <= start <= max");

  sopt_cc_metrics m;
  sopt_cc_flow_metrics flows[4];
  size_t n = 0;
  CHECK(sopt_cc_run_case("rfc8867-5.6-300ms", "nada", 0.2, &m, flows, 4, &n) == SOPT_OK);
  CHECK(n == 2 && m.flow_count == 2);
  CHECK(m.utilisation > 0.5 && m.utilisation <= 1.0);
  CHECK(!flows[0].is_tcp && flows[1].is_tcp);
  CHECK(flows[0].throughput_bps > 0 && flows[1].throughput_bps > 0);
  CHECK(!isnan(m.media_tcp_ratio));
  CHECK_FAILS(sopt_cc_run_case("rfc1149", "gcc", 1, &m, flows, 4, &n), SOPT_ERR_INVALID, "unknown cc case");
  CHECK_FAILS(sopt_cc_run_case("rfc8867-5.1", "gcc", 1, &m, NULL, 4, &n), SOPT_ERR_NULL_ARGUMENT, "flows");

  const double times[] = {0, 10, 20};
  const double rates[] = {0, 2e6, 1e6};
  sopt_trace* t = NULL;
  CHECK(sopt_trace_from_arrays(times, rates, 3, &t) == SOPT_OK);
  CHECK(sopt_cc_run_trace(t, "bbr", 0, &m, flows, 1, &n) == SOPT_OK);
  CHECK(n == 1 && flows[0].throughput_bps > 0.5e6);
  sopt_trace_destroy(t);
}

static void test_encoder(void) {
  sopt_encoder_config c;
  memset(&c, 0, sizeof c);
  c.codec = "vp8";
  c.backend = "libvpx";
  c.width = 160;
  c.height = 96;
  c.fps = 25;
  c.target_bps = 300e3;
  c.live = 1;
  sopt_encoder* e = NULL;
  const sopt_status created = sopt_encoder_create(&c, &e);
  if (created != SOPT_OK && strstr(sopt_last_error(), "without the codec component")) {
    printf("c_abi: built without the codec component, encoder checks skipped\n");
    return;
  }
  CHECK(created == SOPT_OK);
  static uint8_t y[160 * 96], u[80 * 48], v[80 * 48];
  size_t total = 0;
  int keyframes = 0;
  for (int i = 0; i < 50; ++i) {
    for (size_t k = 0; k < sizeof y; ++k) y[k] = (uint8_t)((k + (size_t)i * 3) % 200);
    memset(u, 128, sizeof u);
    memset(v, 128, sizeof v);
    const uint8_t* data = NULL;
    size_t size = 0, packets = 0;
    int key = 0;
    if (i == 25) {
      int native = -1;
      int64_t from = -1;
      CHECK(sopt_encoder_set_rates(e, 100e3, 0, 0, &native, &from) == SOPT_OK);
      CHECK(native == 1 && from == 25);
    }
    CHECK(sopt_encoder_encode(e, y, u, v, i, i == 0, &data, &size, &packets, &key) == SOPT_OK);
    CHECK(packets == 1 && size > 0 && data != NULL);
    total += size;
    keyframes += key;
  }
  CHECK(keyframes >= 1);
  CHECK(total > 1000);
  CHECK_FAILS(sopt_encoder_encode(e, NULL, u, v, 50, 0, NULL, NULL, NULL, NULL), SOPT_ERR_NULL_ARGUMENT, "y");
  CHECK(sopt_encoder_flush(e, NULL, NULL, NULL, NULL) == SOPT_OK);
  sopt_encoder_destroy(e);
  sopt_encoder_destroy(NULL);
  c.width = 161;
  CHECK_FAILS(sopt_encoder_create(&c, &e), SOPT_ERR_INVALID, "not an even size");
  c.width = 160;
  c.codec = "mpeg2";
  CHECK_FAILS(sopt_encoder_create(&c, &e), SOPT_ERR_INVALID, "unknown codec");
  const char* inputs[] = {"/nonexistent/in.mp4"};
  CHECK_FAILS(sopt_encode_ladder(inputs, 1, "h264", "128x96@200", 4.0, "/tmp/streamopt_c_ladder", NULL), SOPT_ERR_INVALID,
              "no such file");
}

/* Bandwidth allocators: water-filling and equal shares with known results, and the error paths. */
static void test_allocator(void) {
  const double phone[] = {0.5e6, 1e6}, tablet[] = {1e6, 5e6}, tv[] = {1e6, 5e6, 10e6};
  sopt_edge_session s[3] = {SOPT_EDGE_SESSION_INIT, SOPT_EDGE_SESSION_INIT, SOPT_EDGE_SESSION_INIT};
  s[0].bitrates_bps = phone;
  s[0].rung_count = 2;
  s[1].bitrates_bps = tablet;
  s[1].rung_count = 2;
  s[2].bitrates_bps = tv;
  s[2].rung_count = 3;
  sopt_allocation out[3];
  sopt_allocator* a = NULL;
  /* Demands 1, 5, 10 Mbit/s on 12: the two smaller are met, the third gets what is left. */
  CHECK(sopt_allocator_create("maxmin:headroom=1", &a) == SOPT_OK);
  CHECK(sopt_allocator_allocate(a, 12e6, s, 3, out) == SOPT_OK);
  CHECK(fabs(out[0].cap_bps - 1e6) < 1e-6 && fabs(out[1].cap_bps - 5e6) < 1e-6 && fabs(out[2].cap_bps - 6e6) < 1e-6);
  CHECK(fabs(out[2].rate_bps - 6e6) < 1e-6);
  /* A screen cap lowers the demand: the TV capped at rung 1 asks for 5, leaving 6 - 5 = 1 unused. */
  s[2].max_rung = 1;
  CHECK(sopt_allocator_allocate(a, 12e6, s, 3, out) == SOPT_OK);
  CHECK(fabs(out[2].cap_bps - 5e6) < 1e-6);
  s[2].max_rung = SOPT_NO_RUNG;
  CHECK(sopt_allocator_allocate(a, 12e6, NULL, 0, NULL) == SOPT_OK);
  sopt_allocator_destroy(a);

  CHECK(sopt_allocator_create("equal:headroom=0.9", &a) == SOPT_OK);
  CHECK(sopt_allocator_allocate(a, 9e6, s, 3, out) == SOPT_OK);
  CHECK(fabs(out[0].cap_bps - 2.7e6) < 1e-6 && fabs(out[1].cap_bps - 2.7e6) < 1e-6 && fabs(out[2].cap_bps - 2.7e6) < 1e-6);

  /* Errors: out is left as it was. */
  out[0].cap_bps = -1;
  CHECK_FAILS(sopt_allocator_allocate(a, NAN, s, 3, out), SOPT_ERR_INVALID, "capacity_bps");
  CHECK_FAILS(sopt_allocator_allocate(NULL, 9e6, s, 3, out), SOPT_ERR_NULL_ARGUMENT, "allocator must not be NULL");
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, NULL, 3, out), SOPT_ERR_NULL_ARGUMENT, "sessions must not be NULL");
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, s, 3, NULL), SOPT_ERR_NULL_ARGUMENT, "out must not be NULL");
  const double unsorted[] = {2e6, 1e6};
  s[1].bitrates_bps = unsorted;
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, s, 3, out), SOPT_ERR_INVALID, "session 1: bitrates_bps[1]");
  s[1].bitrates_bps = NULL;
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, s, 3, out), SOPT_ERR_NULL_ARGUMENT, "sessions[1].bitrates_bps");
  s[1].bitrates_bps = tablet;
  s[1].weight = 0;
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, s, 3, out), SOPT_ERR_INVALID, "session 1: weight");
  s[1].weight = 1;
  s[2].max_rung = 3;
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, s, 3, out), SOPT_ERR_INVALID, "session 2: max_rung 3");
  s[2].max_rung = SOPT_NO_RUNG;
  s[0].struct_size = 8;
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, s, 3, out), SOPT_ERR_INVALID, "sessions[0].struct_size = 8");
  s[0].struct_size = sizeof(sopt_edge_session);
  s[2].struct_size = sizeof(sopt_edge_session) + 8;
  CHECK_FAILS(sopt_allocator_allocate(a, 9e6, s, 3, out), SOPT_ERR_INVALID, "sessions[2].struct_size");
  s[2].struct_size = sizeof(sopt_edge_session);
  CHECK(out[0].cap_bps == -1);
  CHECK(sopt_allocator_allocate(a, 9e6, s, 3, out) == SOPT_OK && fabs(out[0].cap_bps - 2.7e6) < 1e-6);
  sopt_allocator_destroy(a);
  sopt_allocator_destroy(NULL);

  sopt_allocator* bad = NULL;
  CHECK_FAILS(sopt_allocator_create("fairest", &bad), SOPT_ERR_INVALID, "unknown allocator 'fairest'");
  CHECK(bad == NULL);
  CHECK_FAILS(sopt_allocator_create("maxmin:headroom=2", &bad), SOPT_ERR_INVALID, "headroom");
  CHECK_FAILS(sopt_allocator_create(NULL, &bad), SOPT_ERR_NULL_ARGUMENT, "spec must not be NULL");
  CHECK_FAILS(sopt_allocator_create("equal", NULL), SOPT_ERR_NULL_ARGUMENT, "out must not be NULL");
}

/* Learned controllers by name: the shipped imitation, ppo and dqn policies
   and stochastic_mpc over the shipped ttp, run with Eigen inside
   libstreamopt.so (no LibTorch). */
static void test_learned(void) {
  sopt_manifest* m = NULL;
  CHECK(sopt_manifest_synthetic(1, &m) == SOPT_OK);
  sopt_abr* abr = NULL;
  sopt_player_state state = {0.0, 10.0, 1, 47, 1, 0};
  sopt_decision d;
  sopt_download_report report = {0, 1, 400000, 0.0, 1.0};
  const char* const policies[] = {"imitation", "ppo", "dqn"};
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; ++i) {
    CHECK(sopt_abr_create(policies[i], m, &abr) == SOPT_OK);
    CHECK(sopt_abr_on_download(abr, &report) == SOPT_OK);
    CHECK(sopt_abr_decide(abr, &state, &d) == SOPT_OK);
    CHECK(d.rung < 6 && strcmp(d.rule, policies[i]) == 0);
    sopt_abr_destroy(abr);
    abr = NULL;
  }
  CHECK(sopt_abr_create("stochastic_mpc", m, &abr) == SOPT_OK);
  CHECK(sopt_abr_on_download(abr, &report) == SOPT_OK);
  CHECK(sopt_abr_decide(abr, &state, &d) == SOPT_OK);
  CHECK(d.rung < 6 && strcmp(d.rule, "stochastic_mpc") == 0);
  sopt_abr_destroy(abr);
  sopt_abr* bad = NULL;
  CHECK_FAILS(sopt_abr_create("imitation:model=/nonexistent/p.sopt", m, &bad), SOPT_ERR_INVALID, "p.sopt");
  sopt_manifest_destroy(m);
}

int main(void) {
  test_library();
  test_learned();
  test_manifest();
  test_trace();
  test_abr();
  test_predictor();
  test_simulation();
  test_live();
  test_cc();
  test_encoder();
  test_allocator();
  printf("c_abi: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
