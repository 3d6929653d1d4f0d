// The C ABI (include/streamopt/streamopt.h) over the C++ core. Every entry
// point runs inside guard(): exceptions become status codes plus a
// thread-local message, and arguments are checked before use.
#include "streamopt/streamopt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <vector>
#include <cstring>
#include <new>
#include <string>

#include "streamopt/allocator.hpp"
#include "streamopt/streamopt.hpp"
#ifdef STREAMOPT_HAVE_CODECS
#include "streamopt/ladder.hpp"
#endif

// Controllers share the handle's manifest; none copies it.
struct sopt_manifest {
  explicit sopt_manifest(streamopt::Manifest m)
      : shared(std::make_shared<const streamopt::Manifest>(std::move(m))), manifest(*shared) {}
  std::shared_ptr<const streamopt::Manifest> shared;
  const streamopt::Manifest& manifest;
};
struct sopt_trace {
  streamopt::NetworkTrace trace;
};
// The controller is wrapped by checked_controller(): reports and states are
// validated in the engine, as for every binding.
struct sopt_abr {
  std::unique_ptr<streamopt::AbrController> controller;
};
struct sopt_predictor {
  std::unique_ptr<streamopt::ThroughputPredictor> predictor;
};
struct sopt_cc {
  std::unique_ptr<streamopt::CongestionController> controller;
};
struct sopt_encoder {
#ifdef STREAMOPT_HAVE_CODECS
  std::unique_ptr<streamopt::EncoderAdapter> encoder;
  std::vector<std::uint8_t> output;  // the last call's packets
#endif
};
// An allocator and the scratch space its calls convert into, so that an edge
// calling it every few seconds does not allocate per call.
struct sopt_allocator {
  std::unique_ptr<streamopt::BandwidthAllocator> allocator;
  std::vector<streamopt::EdgeSession> sessions;
  std::vector<streamopt::EdgeAllocation> out;
};
struct sopt_sim {
  sopt_sim(const streamopt::NetworkTrace& t, const streamopt::Manifest& m, const char* qoe_spec,
           const streamopt::SimConfig& config)
      : trace(t), manifest(m), qoe(qoe_spec, manifest), player(trace, manifest, config, qoe) {}
  // The player refers to these copies, so they are declared before it.
  streamopt::NetworkTrace trace;
  streamopt::Manifest manifest;
  streamopt::QoeModel qoe;
  streamopt::SimulatedPlayer player;
};

namespace {

thread_local std::string last_error;

struct NullArgument {
  const char* what;
};

template <class F>
sopt_status guard(const char* function, F&& body) {
  try {
    body();
    return SOPT_OK;
  } catch (const NullArgument& e) {
    last_error = fmt::format("{}: {} must not be NULL", function, e.what);
    return SOPT_ERR_NULL_ARGUMENT;
  } catch (const streamopt::Error& e) {
    last_error = fmt::format("{}: {}", function, e.what());
    return SOPT_ERR_INVALID;
  } catch (const std::bad_alloc&) {
    last_error = fmt::format("{}: out of memory", function);
    return SOPT_ERR_NO_MEMORY;
  } catch (const std::exception& e) {
    last_error = fmt::format("{}: internal error: {}", function, e.what());
    return SOPT_ERR_INTERNAL;
  } catch (...) {
    last_error = fmt::format("{}: unknown internal error", function);
    return SOPT_ERR_INTERNAL;
  }
}

template <class T>
T& need(T* pointer, const char* name) {
  if (!pointer) throw NullArgument{name};
  return *pointer;
}

// A required C string.
const char* text(const char* value, const char* name) {
  if (!value) throw NullArgument{name};
  return value;
}

void finite(double value, const char* name, bool non_negative) {
  if (!std::isfinite(value) || (non_negative && value < 0)) {
    throw streamopt::Error(fmt::format("{} = {} must be a finite{} number", name, value,
                                       non_negative ? " non-negative" : ""));
  }
}

streamopt::DownloadReport to_report(const sopt_download_report& r) {
  return {r.segment, r.rung, r.size_bytes, r.start_time_s, r.download_time_s};
}

sopt_download_report from_report(const streamopt::DownloadReport& r) {
  return {r.segment, r.rung, r.size_bytes, r.start_time_s, r.download_time_s};
}

streamopt::PlayerState to_state(const sopt_player_state& s) {
  return {s.now_s, s.buffer_s, s.next_segment, s.segments_left, s.last_rung, s.rebuffered != 0};
}

sopt_player_state from_state(const streamopt::PlayerState& s) {
  return {s.now_s, s.buffer_s, s.next_segment, s.segments_left, s.last_rung, s.rebuffered ? 1 : 0};
}

sopt_decision from_decision(const streamopt::Decision& d) {
  sopt_decision out{};
  out.rung = d.rung;
  out.delay_s = d.delay_s;
  out.estimate_bps = d.reasons.estimate_bps;
  out.conservative_bps = d.reasons.conservative_bps;
  std::strncpy(out.rule, d.reasons.rule.c_str(), sizeof(out.rule) - 1);
  return out;
}

// Checks a versioned struct's size: exactly the version this library knows.
template <class T>
const T& versioned(const T* value, const char* name) {
  const T& v = need(value, name);
  if (v.struct_size != sizeof(T)) {
    throw streamopt::Error(fmt::format("{}->struct_size = {} is not a size this library knows ({}); start from the "
                                       "header's _INIT macro", name, v.struct_size, sizeof(T)));
  }
  return v;
}

template <class T>
T& versioned_out(T* value, const char* name) {
  versioned(static_cast<const T*>(value), name);
  return *value;
}

streamopt::PlayerState to_state(const sopt_player_state_ex& s) {
  streamopt::PlayerState state = to_state(s.base);
  state.live = s.live != 0;
  state.latency_s = s.latency_s;
  state.target_latency_s = s.target_latency_s;
  state.live_edge_s = s.live_edge_s;
  state.playback_rate = s.playback_rate;
  return state;
}

void fill(sopt_player_state_ex& out, const streamopt::PlayerState& s) {
  out.base = from_state(s);
  out.live = s.live ? 1 : 0;
  out.latency_s = s.latency_s;
  out.target_latency_s = s.target_latency_s;
  out.live_edge_s = s.live_edge_s;
  out.playback_rate = s.playback_rate;
}

void fill(sopt_download_report_ex& out, const streamopt::DownloadReport& r) {
  out.base = from_report(r);
  out.transfer_time_s = r.transfer_time_s;
}

sopt_session_stats from_stats(const streamopt::SessionStats& s) {
  return {s.segments, s.qoe_sum, s.qoe_sum_pensieve, s.qoe_per_segment, s.mean_bitrate_bps,
          s.rebuffer_s, s.rebuffer_ratio, s.startup_delay_s, s.switches};
}

streamopt::TraceFormat format_or_auto(const char* format) {
  return format ? streamopt::parse_trace_format(format) : streamopt::TraceFormat::automatic;
}

}  // namespace

extern "C" {

const char* sopt_version(void) { return streamopt::kVersionString; }

const char* sopt_last_error(void) { return last_error.c_str(); }

const char* sopt_status_name(sopt_status status) {
  switch (status) {
    case SOPT_OK: return "SOPT_OK";
    case SOPT_ERR_NULL_ARGUMENT: return "SOPT_ERR_NULL_ARGUMENT";
    case SOPT_ERR_INVALID: return "SOPT_ERR_INVALID";
    case SOPT_ERR_NO_MEMORY: return "SOPT_ERR_NO_MEMORY";
    case SOPT_ERR_INTERNAL: return "SOPT_ERR_INTERNAL";
  }
  return "SOPT_UNKNOWN_STATUS";
}

sopt_status sopt_manifest_load(const char* dir, sopt_manifest** out) {
  return guard(__func__, [&] {
    need(out, "out") = new sopt_manifest{streamopt::Manifest::load(text(dir, "dir"))};
  });
}

sopt_status sopt_manifest_from_arrays(const double* bitrates_bps, size_t rung_count, double segment_duration_s,
                                      size_t segment_count, const uint64_t* sizes_bytes, sopt_manifest** out) {
  return guard(__func__, [&] {
    need(out, "out");
    need(bitrates_bps, "bitrates_bps");
    if (rung_count == 0 || rung_count > 1000) throw streamopt::Error("rung_count must be in 1..1000");
    if (segment_count == 0 || segment_count > 10'000'000) throw streamopt::Error("segment_count must be in 1..10000000");
    std::vector<streamopt::Rung> rungs;
    for (std::size_t r = 0; r < rung_count; ++r) rungs.push_back({bitrates_bps[r], 0, 0, ""});
    std::vector<std::vector<std::uint64_t>> sizes;
    if (sizes_bytes) {
      sizes.resize(segment_count);
      for (std::size_t s = 0; s < segment_count; ++s) {
        sizes[s].assign(sizes_bytes + s * rung_count, sizes_bytes + (s + 1) * rung_count);
      }
    }
    *out = new sopt_manifest{streamopt::Manifest(std::move(rungs), segment_duration_s, segment_count, sizes)};
  });
}

sopt_status sopt_manifest_synthetic(uint64_t seed, sopt_manifest** out) {
  return guard(__func__, [&] { need(out, "out") = new sopt_manifest{streamopt::Manifest::synthetic_default(seed)}; });
}

sopt_status sopt_manifest_info(const sopt_manifest* manifest, size_t* rung_count, size_t* segment_count,
                               double* segment_duration_s) {
  return guard(__func__, [&] {
    const auto& m = need(manifest, "manifest").manifest;
    if (rung_count) *rung_count = m.rung_count();
    if (segment_count) *segment_count = m.segment_count();
    if (segment_duration_s) *segment_duration_s = m.segment_duration_s();
  });
}

sopt_status sopt_manifest_bitrate(const sopt_manifest* manifest, size_t rung, double* bitrate_bps) {
  return guard(__func__, [&] {
    need(bitrate_bps, "bitrate_bps") = need(manifest, "manifest").manifest.bitrate_bps(rung);
  });
}

sopt_status sopt_manifest_segment_size(const sopt_manifest* manifest, size_t segment, size_t rung,
                                       uint64_t* size_bytes) {
  return guard(__func__, [&] {
    need(size_bytes, "size_bytes") = need(manifest, "manifest").manifest.segment_size_bytes(segment, rung);
  });
}

void sopt_manifest_destroy(sopt_manifest* manifest) { delete manifest; }

sopt_status sopt_trace_load(const char* path, const char* format, sopt_trace** out) {
  return guard(__func__, [&] {
    need(out, "out") = new sopt_trace{streamopt::read_trace(text(path, "path"), format_or_auto(format))};
  });
}

sopt_status sopt_trace_parse(const char* text, size_t length, const char* format, sopt_trace** out) {
  return guard(__func__, [&] {
    need(out, "out");
    if (length > 0) need(text, "text");
    *out = new sopt_trace{streamopt::parse_trace(std::string_view(text ? text : "", length), "<memory>",
                                                 format_or_auto(format))};
  });
}

sopt_status sopt_trace_from_arrays(const double* time_s, const double* throughput_bps, size_t count, sopt_trace** out) {
  return guard(__func__, [&] {
    need(out, "out");
    need(time_s, "time_s");
    need(throughput_bps, "throughput_bps");
    streamopt::NetworkTrace t;
    t.name = "<arrays>";
    t.time_s.assign(time_s, time_s + count);
    t.throughput_bps.assign(throughput_bps, throughput_bps + count);
    streamopt::validate_trace(t);
    *out = new sopt_trace{std::move(t)};
  });
}

sopt_status sopt_trace_info(const sopt_trace* trace, size_t* sample_count, double* duration_s) {
  return guard(__func__, [&] {
    const auto& t = need(trace, "trace").trace;
    if (sample_count) *sample_count = t.time_s.size();
    if (duration_s) *duration_s = t.duration_s();
  });
}

sopt_status sopt_trace_sample(const sopt_trace* trace, size_t index, double* time_s, double* throughput_bps) {
  return guard(__func__, [&] {
    const auto& t = need(trace, "trace").trace;
    if (index >= t.time_s.size()) {
      throw streamopt::Error(fmt::format("sample {} out of range ({} samples)", index, t.time_s.size()));
    }
    if (time_s) *time_s = t.time_s[index];
    if (throughput_bps) *throughput_bps = t.throughput_bps[index];
  });
}

void sopt_trace_destroy(sopt_trace* trace) { delete trace; }

sopt_status sopt_abr_create_with_qoe(const char* spec, const sopt_manifest* manifest, const char* qoe,
                                     sopt_abr** out) {
  return guard(__func__, [&] {
    need(out, "out");
    const auto& shared = need(manifest, "manifest").shared;
    auto controller = streamopt::make_abr(text(spec, "spec"), shared, qoe ? qoe : "lin");
    *out = new sopt_abr{streamopt::checked_controller(std::move(controller), shared)};
  });
}

sopt_status sopt_abr_create(const char* spec, const sopt_manifest* manifest, sopt_abr** out) {
  return sopt_abr_create_with_qoe(spec, manifest, nullptr, out);
}

sopt_status sopt_abr_on_download(sopt_abr* abr, const sopt_download_report* report) {
  return guard(__func__, [&] {
    auto& a = need(abr, "abr");
    a.controller->on_download(to_report(need(report, "report")));
  });
}

sopt_status sopt_abr_decide(sopt_abr* abr, const sopt_player_state* state, sopt_decision* out) {
  return guard(__func__, [&] {
    auto& a = need(abr, "abr");
    need(out, "out") = from_decision(a.controller->decide(to_state(need(state, "state"))));
  });
}

sopt_status sopt_abr_on_download_ex(sopt_abr* abr, const sopt_download_report_ex* report) {
  return guard(__func__, [&] {
    auto& a = need(abr, "abr");
    const auto& r = versioned(report, "report");
    streamopt::DownloadReport converted = to_report(r.base);
    converted.transfer_time_s = r.transfer_time_s;
    a.controller->on_download(converted);
  });
}

sopt_status sopt_abr_decide_ex(sopt_abr* abr, const sopt_player_state_ex* state, sopt_decision_ex* out) {
  return guard(__func__, [&] {
    auto& a = need(abr, "abr");
    auto& o = versioned_out(out, "out");
    const streamopt::Decision d = a.controller->decide(to_state(versioned(state, "state")));
    o.base = from_decision(d);
    o.playback_rate = d.playback_rate;
  });
}

sopt_status sopt_abr_should_abandon(sopt_abr* abr, const sopt_download_progress* progress, size_t* rung) {
  return guard(__func__, [&] {
    auto& a = need(abr, "abr");
    auto& out = need(rung, "rung");
    const auto& p = versioned(progress, "progress");
    finite(p.elapsed_s, "progress->elapsed_s", true);
    finite(p.buffer_s, "progress->buffer_s", true);
    finite(p.start_time_s, "progress->start_time_s", false);
    if (p.received_bytes > p.size_bytes) {
      throw streamopt::Error(fmt::format("progress->received_bytes = {} exceeds size_bytes = {}", p.received_bytes,
                                         p.size_bytes));
    }
    out = a.controller->should_abandon(
        {p.segment, p.rung, p.size_bytes, p.received_bytes, p.start_time_s, p.elapsed_s, p.buffer_s});
  });
}

sopt_status sopt_abr_reset(sopt_abr* abr) {
  return guard(__func__, [&] { need(abr, "abr").controller->reset(); });
}

void sopt_abr_destroy(sopt_abr* abr) { delete abr; }

sopt_status sopt_predictor_create(const char* spec, sopt_predictor** out) {
  return guard(__func__, [&] { need(out, "out") = new sopt_predictor{streamopt::make_predictor(text(spec, "spec"))}; });
}

sopt_status sopt_predictor_observe(sopt_predictor* predictor, const sopt_download_report* report) {
  return guard(__func__, [&] {
    need(predictor, "predictor").predictor->observe(to_report(need(report, "report")));
  });
}

sopt_status sopt_predictor_predict(const sopt_predictor* predictor, sopt_prediction* out) {
  return guard(__func__, [&] {
    const auto p = need(predictor, "predictor").predictor->predict();
    need(out, "out") = {p.estimate_bps, p.conservative_bps, p.valid ? 1 : 0};
  });
}

sopt_status sopt_predictor_reset(sopt_predictor* predictor) {
  return guard(__func__, [&] { need(predictor, "predictor").predictor->reset(); });
}

void sopt_predictor_destroy(sopt_predictor* predictor) { delete predictor; }

sopt_status sopt_simulate(const sopt_trace* trace, const sopt_manifest* manifest, const char* abr_spec,
                          const char* mode, const char* qoe, sopt_session_stats* stats,
                          sopt_segment_record* records, size_t capacity, size_t* record_count) {
  return guard(__func__, [&] {
    const auto& t = need(trace, "trace").trace;
    const auto& shared = need(manifest, "manifest").shared;
    const auto& m = *shared;
    need(stats, "stats");
    const char* qoe_spec = qoe ? qoe : "lin";
    auto abr = streamopt::make_abr(text(abr_spec, "abr_spec"), shared, qoe_spec);
    const streamopt::QoeModel model(qoe_spec, m);
    const auto result = streamopt::simulate(t, m, *abr, streamopt::SimConfig::from_name(mode ? mode : "default"), model);
    *stats = from_stats(result.stats);
    if (record_count) *record_count = result.segments.size();
    if (records) {
      for (std::size_t i = 0; i < std::min(capacity, result.segments.size()); ++i) {
        const auto& r = result.segments[i];
        records[i] = {r.segment, r.time_s, r.rung, r.bitrate_bps, r.buffer_s, r.rebuffer_s,
                      r.size_bytes, r.download_time_s, r.sleep_s, r.qoe.total};
      }
    }
  });
}

sopt_status sopt_sim_create(const sopt_trace* trace, const sopt_manifest* manifest, const char* mode,
                            const char* qoe, sopt_sim** out) {
  return guard(__func__, [&] {
    need(out, "out");
    const auto& t = need(trace, "trace").trace;
    const auto& m = need(manifest, "manifest").manifest;
    *out = new sopt_sim(t, m, qoe ? qoe : "lin", streamopt::SimConfig::from_name(mode ? mode : "default"));
  });
}

sopt_status sopt_sim_done(const sopt_sim* sim, int* done) {
  return guard(__func__, [&] { need(done, "done") = need(sim, "sim").player.done() ? 1 : 0; });
}

sopt_status sopt_sim_state(const sopt_sim* sim, sopt_player_state* state, size_t* forced_rung) {
  return guard(__func__, [&] {
    const auto& player = need(sim, "sim").player;
    need(state, "state") = from_state(player.state());
    if (forced_rung) *forced_rung = player.forced_rung();
  });
}

sopt_status sopt_sim_play(sopt_sim* sim, const sopt_decision* decision, sopt_download_report* report) {
  return guard(__func__, [&] {
    const auto& d = need(decision, "decision");
    finite(d.delay_s, "decision.delay_s", true);
    streamopt::Decision decided;
    decided.rung = d.rung;
    decided.delay_s = d.delay_s;
    const auto r = need(sim, "sim").player.play(decided);
    if (report) *report = from_report(r);
  });
}

sopt_status sopt_sim_create_live(const sopt_trace* trace, const sopt_manifest* manifest, const char* qoe,
                                 const sopt_live_config* live, sopt_sim** out) {
  return guard(__func__, [&] {
    need(out, "out");
    const auto& t = need(trace, "trace").trace;
    const auto& m = need(manifest, "manifest").manifest;
    streamopt::SimConfig config = streamopt::SimConfig::live_stream();
    if (live) {
      const auto& l = versioned(live, "live");
      config.live = {l.target_latency_s, l.chunk_s,      l.min_playback_rate, l.max_playback_rate,
                     l.dvr_window_s,     l.max_drift_s, l.catchup != 0,      l.chunk_aware_throughput != 0};
    }
    *out = new sopt_sim(t, m, qoe ? qoe : "lin", config);
  });
}

sopt_status sopt_sim_state_ex(const sopt_sim* sim, sopt_player_state_ex* state, size_t* forced_rung) {
  return guard(__func__, [&] {
    const auto& player = need(sim, "sim").player;
    fill(versioned_out(state, "state"), player.state());
    if (forced_rung) *forced_rung = player.forced_rung();
  });
}

sopt_status sopt_sim_play_ex(sopt_sim* sim, const sopt_decision_ex* decision, sopt_abr* abandon_with,
                             sopt_download_report_ex* report) {
  return guard(__func__, [&] {
    const auto& d = versioned(decision, "decision");
    if (report) versioned_out(report, "report");
    finite(d.base.delay_s, "decision->base.delay_s", true);
    finite(d.playback_rate, "decision->playback_rate", true);
    streamopt::Decision decided;
    decided.rung = d.base.rung;
    decided.delay_s = d.base.delay_s;
    decided.playback_rate = d.playback_rate;
    streamopt::AbandonHook hook;
    if (abandon_with && abandon_with->controller->may_abandon()) {
      hook = [abandon_with](const streamopt::DownloadProgress& p) { return abandon_with->controller->should_abandon(p); };
    }
    const auto r = need(sim, "sim").player.play(decided, hook);
    if (report) fill(*report, r);
  });
}

sopt_status sopt_sim_stats(const sopt_sim* sim, sopt_session_stats* stats) {
  return guard(__func__, [&] { need(stats, "stats") = from_stats(need(sim, "sim").player.result().stats); });
}

void sopt_sim_destroy(sopt_sim* sim) { delete sim; }

}  // extern "C"

namespace {

void fill_cc_outputs(const streamopt::CcRunResult& r, sopt_cc_metrics* metrics, sopt_cc_flow_metrics* flows,
                     size_t capacity, size_t* flow_count) {
  const auto& m = r.metrics;
  need(metrics, "metrics") = {m.utilisation, m.jain_fairness, m.media_tcp_ratio, m.flows.size()};
  if (capacity > 0) need(flows, "flows");
  for (std::size_t i = 0; i < m.flows.size() && i < capacity; ++i) {
    const auto& f = m.flows[i];
    flows[i] = {f.throughput_bps,    f.media_rate_mean_bps, f.media_rate_cov,    f.queue_delay_p50_s,
                f.queue_delay_p95_s, f.queue_delay_p99_s,   f.frame_delay_p95_s, f.loss_fraction,
                f.ramp_up_s,         f.label == "tcp" ? 1 : 0};
  }
  if (flow_count) *flow_count = m.flows.size();
}

}  // namespace

sopt_status sopt_cc_create(const char* spec, double start_rate_bps, double min_rate_bps, double max_rate_bps,
                           sopt_cc** out) {
  return guard(__func__, [&] {
    need(out, "out") = nullptr;
    const streamopt::CcConstraints limits{start_rate_bps, min_rate_bps, max_rate_bps};
    *out = new sopt_cc{streamopt::make_cc(text(spec, "spec"), limits)};
  });
}

sopt_status sopt_cc_on_packet_sent(sopt_cc* cc, uint64_t sequence, uint64_t size_bytes, double send_s) {
  return guard(__func__, [&] {
    if (!std::isfinite(send_s)) throw streamopt::Error("send_s is not finite");
    need(cc, "cc").controller->on_packet_sent({sequence, size_bytes, send_s});
  });
}

sopt_status sopt_cc_on_feedback(sopt_cc* cc, double receive_s, const sopt_cc_packet* packets, size_t count) {
  return guard(__func__, [&] {
    auto& controller = *need(cc, "cc").controller;
    if (count > 0) need(packets, "packets");
    streamopt::TransportFeedback fb;
    fb.receive_s = receive_s;
    fb.packets.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const sopt_cc_packet& p = packets[i];
      fb.packets.push_back({{p.sequence, p.size_bytes, p.send_s}, p.lost != 0, p.arrival_s});
    }
    streamopt::check_feedback(fb);
    controller.on_feedback(fb);
  });
}

sopt_status sopt_cc_on_rtt(sopt_cc* cc, double rtt_s, double now_s) {
  return guard(__func__, [&] {
    if (!(std::isfinite(rtt_s) && rtt_s > 0) || !std::isfinite(now_s)) {
      throw streamopt::Error("rtt_s must be finite and > 0, now_s finite");
    }
    need(cc, "cc").controller->on_rtt(rtt_s, now_s);
  });
}

sopt_status sopt_cc_on_tick(sopt_cc* cc, double now_s) {
  return guard(__func__, [&] {
    if (!std::isfinite(now_s)) throw streamopt::Error("now_s is not finite");
    need(cc, "cc").controller->on_tick(now_s);
  });
}

sopt_status sopt_cc_get_update(const sopt_cc* cc, sopt_cc_update* out) {
  return guard(__func__, [&] {
    const streamopt::CcUpdate u = need(cc, "cc").controller->update();
    const streamopt::CcState& st = u.state;
    need(out, "out") = {u.target_rate_bps, u.pacing_rate_bps, u.congestion_window_bytes, st.delay_estimate_bps,
                        st.loss_estimate_bps, st.signal, st.threshold, st.loss_fraction, st.rtt_s, st.phase};
  });
}

void sopt_cc_destroy(sopt_cc* cc) { delete cc; }

sopt_status sopt_cc_run_case(const char* case_name, const char* cc_spec, double time_scale, sopt_cc_metrics* metrics,
                             sopt_cc_flow_metrics* flows, size_t capacity, size_t* flow_count) {
  return guard(__func__, [&] {
    need(metrics, "metrics");
    const auto c = streamopt::make_cc_case(text(case_name, "case_name"), text(cc_spec, "cc_spec"), time_scale);
    fill_cc_outputs(streamopt::run_cc_case(c), metrics, flows, capacity, flow_count);
  });
}

sopt_status sopt_cc_run_trace(const sopt_trace* trace, const char* cc_spec, double duration_s,
                              sopt_cc_metrics* metrics, sopt_cc_flow_metrics* flows, size_t capacity,
                              size_t* flow_count) {
  return guard(__func__, [&] {
    need(metrics, "metrics");
    if (!(duration_s >= 0)) throw streamopt::Error("duration_s must be >= 0");
    const auto c = streamopt::make_trace_case(need(trace, "trace").trace, text(cc_spec, "cc_spec"), duration_s);
    fill_cc_outputs(streamopt::run_cc_case(c), metrics, flows, capacity, flow_count);
  });
}

#ifdef STREAMOPT_HAVE_CODECS
namespace {

void hand_out(sopt_encoder& e, const std::vector<streamopt::EncodedPacket>& packets, const uint8_t** data, size_t* size,
              size_t* packet_count, int* keyframe) {
  e.output.clear();
  int key = 0;
  for (const auto& p : packets) {
    e.output.insert(e.output.end(), p.data.begin(), p.data.end());
    if (p.keyframe != streamopt::KeyframeKind::none) key = 1;
  }
  if (data) *data = e.output.data();
  if (size) *size = e.output.size();
  if (packet_count) *packet_count = packets.size();
  if (keyframe) *keyframe = key;
}

}  // namespace

sopt_status sopt_encoder_create(const sopt_encoder_config* config, sopt_encoder** out) {
  return guard(__func__, [&] {
    need(out, "out") = nullptr;
    const sopt_encoder_config& c = need(config, "config");
    streamopt::EncoderConfig e;
    e.codec = streamopt::parse_codec(c.codec ? c.codec : "h264");
    e.backend = streamopt::parse_backend(c.backend ? c.backend : "libavcodec");
    e.width = c.width;
    e.height = c.height;
    e.fps = c.fps;
    e.rate_mode = streamopt::parse_rate_mode(c.rate_mode ? c.rate_mode : "cbr");
    e.target_bps = c.target_bps;
    e.max_bps = c.max_bps;
    e.buffer_ms = c.buffer_ms > 0 ? c.buffer_ms : 1000;
    e.quality = c.quality;
    e.preset = c.preset ? c.preset : "";
    e.keyint_frames = c.keyint_frames > 0 ? c.keyint_frames : 10 * std::max(c.fps, 1);
    e.latency = c.live ? streamopt::LatencyMode::live : streamopt::LatencyMode::vod;
    e.threads = c.threads > 0 ? c.threads : 1;
    auto encoder = streamopt::make_encoder(e);
    *out = new sopt_encoder{std::move(encoder), {}};
  });
}

sopt_status sopt_encoder_encode(sopt_encoder* encoder, const uint8_t* y, const uint8_t* u, const uint8_t* v, int64_t pts,
                                int force_keyframe, const uint8_t** data, size_t* size, size_t* packet_count,
                                int* keyframe) {
  return guard(__func__, [&] {
    sopt_encoder& e = need(encoder, "encoder");
    need(y, "y");
    need(u, "u");
    need(v, "v");
    const auto& c = e.encoder->config();
    streamopt::VideoFrame f = streamopt::VideoFrame::blank(c.width, c.height, pts);
    std::memcpy(f.y.data(), y, f.y.size());
    std::memcpy(f.u.data(), u, f.u.size());
    std::memcpy(f.v.data(), v, f.v.size());
    hand_out(e, e.encoder->encode(f, force_keyframe != 0), data, size, packet_count, keyframe);
  });
}

sopt_status sopt_encoder_flush(sopt_encoder* encoder, const uint8_t** data, size_t* size, size_t* packet_count,
                               int* keyframe) {
  return guard(__func__, [&] {
    sopt_encoder& e = need(encoder, "encoder");
    hand_out(e, e.encoder->flush(), data, size, packet_count, keyframe);
  });
}

sopt_status sopt_encoder_set_rates(sopt_encoder* encoder, double target_bps, double max_bps, double buffer_ms, int* native,
                                   int64_t* effective_pts) {
  return guard(__func__, [&] {
    sopt_encoder& e = need(encoder, "encoder");
    if (!std::isfinite(target_bps) || !std::isfinite(max_bps) || !std::isfinite(buffer_ms)) {
      throw streamopt::Error("rates must be finite");
    }
    const auto r = e.encoder->set_rates({target_bps, max_bps, buffer_ms});
    if (r.mode == streamopt::RateChangeMode::unsupported) {
      throw streamopt::Error("this rate mode has no target to change (crf / cqp)");
    }
    if (native) *native = r.mode == streamopt::RateChangeMode::native ? 1 : 0;
    if (effective_pts) *effective_pts = r.effective_pts;
  });
}

sopt_status sopt_encode_ladder(const char* const* inputs, size_t input_count, const char* codec, const char* rungs,
                               double segment_s, const char* out_dir, size_t* segment_count) {
  return guard(__func__, [&] {
    if (input_count == 0) throw streamopt::Error("no input files");
    need(inputs, "inputs");
    std::vector<std::filesystem::path> files;
    for (size_t i = 0; i < input_count; ++i) files.emplace_back(text(inputs[i], "inputs[i]"));
    streamopt::LadderOptions o;
    o.codec = streamopt::parse_codec(text(codec, "codec"));
    if (!(segment_s > 0)) throw streamopt::Error("segment_s must be > 0");
    o.segment_s = segment_s;
    const auto ladder = streamopt::parse_rungs(text(rungs, "rungs"));
    auto source = streamopt::open_video_files(files);
    const auto r = streamopt::encode_ladder(*source, ladder, o, text(out_dir, "out_dir"));
    if (segment_count) *segment_count = r.segment_count;
  });
}
#else
namespace {
[[noreturn]] void no_codecs() { throw streamopt::Error("this libstreamopt was built without the codec component"); }
}  // namespace

sopt_status sopt_encoder_create(const sopt_encoder_config*, sopt_encoder** out) {
  return guard(__func__, [&] {
    if (out) *out = nullptr;
    no_codecs();
  });
}
sopt_status sopt_encoder_encode(sopt_encoder*, const uint8_t*, const uint8_t*, const uint8_t*, int64_t, int, const uint8_t**,
                                size_t*, size_t*, int*) {
  return guard(__func__, no_codecs);
}
sopt_status sopt_encoder_flush(sopt_encoder*, const uint8_t**, size_t*, size_t*, int*) { return guard(__func__, no_codecs); }
sopt_status sopt_encoder_set_rates(sopt_encoder*, double, double, double, int*, int64_t*) { return guard(__func__, no_codecs); }
sopt_status sopt_encode_ladder(const char* const*, size_t, const char*, const char*, double, const char*, size_t*) {
  return guard(__func__, no_codecs);
}
#endif

void sopt_encoder_destroy(sopt_encoder* encoder) { delete encoder; }

namespace {

// The sizes of sopt_edge_session a caller may have compiled against: version 1
// ends at `weight`. A later version appends fields and accepts every size from
// kEdgeSessionSizeV1 up to its own sizeof.
constexpr std::size_t kEdgeSessionSizeV1 = offsetof(sopt_edge_session, weight) + sizeof(double);
static_assert(kEdgeSessionSizeV1 == sizeof(sopt_edge_session), "a new field needs its version's size here");

// A NULL pointer inside an element: the message names the element.
[[noreturn]] void null_field(std::string name) {
  thread_local std::string held;
  held = std::move(name);
  throw NullArgument{held.c_str()};
}

// Element i of a caller's array of `stride`-byte sessions, read as this
// library's struct: fields past what the caller's version has keep their defaults.
sopt_edge_session read_session(const sopt_edge_session* sessions, std::size_t stride, std::size_t i) {
  sopt_edge_session s = SOPT_EDGE_SESSION_INIT;
  const auto* element = reinterpret_cast<const unsigned char*>(sessions) + i * stride;
  std::size_t size = 0;
  std::memcpy(&size, element, sizeof size);
  if (size != stride) {
    throw streamopt::Error(fmt::format("sessions[{}].struct_size = {} differs from sessions[0].struct_size = {}", i,
                                       size, stride));
  }
  std::memcpy(&s, element, std::min(stride, sizeof s));
  s.struct_size = sizeof s;
  return s;
}

}  // namespace

sopt_status sopt_allocator_create(const char* spec, sopt_allocator** out) {
  return guard(__func__, [&] {
    need(out, "out");
    *out = new sopt_allocator{streamopt::make_allocator(text(spec, "spec")), {}, {}};
  });
}

sopt_status sopt_allocator_allocate(sopt_allocator* allocator, double capacity_bps, const sopt_edge_session* sessions,
                                    size_t count, sopt_allocation* out) {
  return guard(__func__, [&] {
    auto& a = need(allocator, "allocator");
    if (count > streamopt::kMaxAllocatorSessions) {
      throw streamopt::Error(fmt::format("count = {} sessions; at most {}", count, streamopt::kMaxAllocatorSessions));
    }
    if (count == 0) {
      a.allocator->allocate(capacity_bps, {}, {});
      return;
    }
    need(sessions, "sessions");
    need(out, "out");
    std::size_t stride = 0;
    std::memcpy(&stride, sessions, sizeof stride);
    if (stride < kEdgeSessionSizeV1 || stride > sizeof(sopt_edge_session)) {
      throw streamopt::Error(fmt::format(
          "sessions[0].struct_size = {} is not a size of sopt_edge_session this library knows ({}); "
          "set it to sizeof(sopt_edge_session)", stride, sizeof(sopt_edge_session)));
    }
    a.sessions.clear();
    a.sessions.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const sopt_edge_session s = read_session(sessions, stride, i);
      if (s.rung_count == 0) {
        throw streamopt::Error(fmt::format("allocator: session {}: rung_count is 0", i));
      }
      if (!s.bitrates_bps) null_field(fmt::format("sessions[{}].bitrates_bps", i));
      streamopt::EdgeSession e;
      e.bitrates_bps = {s.bitrates_bps, s.rung_count};
      if (s.utilities) e.utilities = {s.utilities, s.rung_count};
      e.max_rung = s.max_rung;
      e.buffer_s = s.buffer_s;
      e.rung = s.rung;
      e.throughput_bps = s.throughput_bps;
      e.weight = s.weight;
      a.sessions.push_back(e);
    }
    a.out.assign(count, streamopt::EdgeAllocation{});
    a.allocator->allocate(capacity_bps, a.sessions, a.out);
    for (std::size_t i = 0; i < count; ++i) out[i] = {a.out[i].cap_bps, a.out[i].rate_bps};
  });
}

void sopt_allocator_destroy(sopt_allocator* allocator) { delete allocator; }
