#include "streamopt/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/text_io.hpp"
#include "sim/playback.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

SimConfig SimConfig::pensieve() {
  SimConfig c;
  c.mode = SimMode::pensieve;
  c.segment_count = 48;
  c.initial_rung = 1;
  return c;
}

SimConfig SimConfig::standard() { return SimConfig{}; }

SimConfig SimConfig::from_name(std::string_view mode) {
  if (mode == "pensieve") return pensieve();
  if (mode == "default" || mode == "standard") return standard();
  throw Error(fmt::format("unknown simulator mode '{}' (known: pensieve, default)", mode));
}

namespace {

Decision checked_decision(AbrController& abr, const PlayerState& state, const Manifest& m) {
  Decision d = abr.decide(state);
  if (d.rung >= m.rung_count()) {
    throw Error(fmt::format("controller {} chose rung {} for a {}-rung ladder", abr.name(), d.rung,
                            m.rung_count()));
  }
  if (!std::isfinite(d.delay_s) || d.delay_s < 0) {
    throw Error(fmt::format("controller {} asked for an invalid delay {} s", abr.name(), d.delay_s));
  }
  return d;
}

}  // namespace

SessionStats summarize(const std::vector<SegmentRecord>& segments, const Manifest& manifest,
                       double startup_delay_s) {
  SessionStats s;
  s.segments = segments.size();
  s.startup_delay_s = startup_delay_s;
  if (segments.empty()) return s;
  double bitrate_sum = 0;
  double switch_sum = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& r = segments[i];
    s.qoe_sum += r.qoe.total;
    bitrate_sum += r.bitrate_bps;
    if (i == 0) continue;
    s.qoe_sum_pensieve += r.qoe.total;
    s.utility_per_segment += r.qoe.utility;
    s.rebuffer_penalty_per_segment += r.qoe.rebuffer_penalty;
    s.smoothness_penalty_per_segment += r.qoe.smoothness_penalty;
    s.rebuffer_s += r.rebuffer_s;
    if (r.rung != segments[i - 1].rung) {
      ++s.switches;
      switch_sum += std::fabs(r.bitrate_bps - segments[i - 1].bitrate_bps);
    }
  }
  const double n = static_cast<double>(segments.size());
  const double scored = segments.size() > 1 ? n - 1 : 1;
  if (segments.size() == 1) {
    s.qoe_sum_pensieve = s.qoe_sum;
    s.utility_per_segment = segments[0].qoe.utility;
    s.rebuffer_penalty_per_segment = segments[0].qoe.rebuffer_penalty;
    s.smoothness_penalty_per_segment = 0;
  }
  s.qoe_per_segment = s.qoe_sum_pensieve / scored;
  s.utility_per_segment /= scored;
  s.rebuffer_penalty_per_segment /= scored;
  s.smoothness_penalty_per_segment /= scored;
  s.mean_bitrate_bps = bitrate_sum / n;
  s.rebuffer_ratio = s.rebuffer_s / (s.rebuffer_s + n * manifest.segment_duration_s());
  s.mean_switch_bps = s.switches ? switch_sum / static_cast<double>(s.switches) : 0.0;
  return s;
}

SessionResult simulate(const NetworkTrace& trace, const Manifest& manifest, AbrController& abr,
                       const SimConfig& config, const QoeModel& qoe) {
  validate_trace(trace);
  sim::PlaybackSession session(trace, manifest, config);
  abr.reset();
  const std::size_t total = session.total_segments();
  SessionResult result;
  result.segments.reserve(total);
  std::size_t last_rung = kNoRung;
  bool rebuffered = false;
  for (std::size_t k = 0; k < total; ++k) {
    std::size_t rung = config.initial_rung;
    double delay_s = 0;
    if (k > 0 || rung == kNoRung) {
      const PlayerState state{session.clock_s(), session.buffer_s(), k, total - k, last_rung, rebuffered};
      const Decision d = checked_decision(abr, state, manifest);
      rung = d.rung;
      delay_s = d.delay_s;
    }
    const double request_time_s = session.clock_s();
    SegmentRecord rec = session.fetch(k, rung, delay_s);
    rec.qoe = qoe.segment(rec.rung, last_rung, k, rec.rebuffer_s);
    abr.on_download({k, rec.rung, rec.size_bytes, request_time_s + rec.delay_s, rec.download_time_s});
    last_rung = rec.rung;
    rebuffered = rec.rebuffer_s > 0;
    result.segments.push_back(rec);
  }
  result.stats = summarize(result.segments, manifest, session.startup_delay_s());
  return result;
}

void write_pensieve_log(const std::vector<SegmentRecord>& segments, const std::filesystem::path& path) {
  std::string out;
  for (const auto& r : segments) {
    out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", r.time_s, r.bitrate_bps / 1000.0, r.buffer_s,
                       r.rebuffer_s, r.size_bytes, r.download_time_s * 1000.0, r.qoe.total);
  }
  detail::write_file_atomic(path, out);
}

}  // namespace streamopt
