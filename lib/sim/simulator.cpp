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

SimConfig SimConfig::live_stream() {
  SimConfig c;
  c.mode = SimMode::live;
  c.startup_threshold_s = 0.5;
  return c;
}

SimConfig SimConfig::sabre() {
  SimConfig c;
  c.mode = SimMode::sabre;
  c.rtt_s = 0;
  c.payload_fraction = 1;
  c.max_buffer_s = 25;
  c.startup_threshold_s = 0;
  c.initial_rung = 0;
  c.progress_interval_s = 0.05;
  return c;
}

SimConfig SimConfig::from_name(std::string_view mode) {
  if (mode == "pensieve") return pensieve();
  if (mode == "default" || mode == "standard") return standard();
  if (mode == "live") return live_stream();
  if (mode == "sabre") return sabre();
  throw Error(fmt::format("unknown simulator mode '{}' (known: pensieve, default, live, sabre)", mode));
}

SessionStats summarize(const std::vector<SegmentRecord>& segments, const Manifest& manifest,
                       double startup_delay_s) {
  SessionStatsBuilder builder(manifest.segment_duration_s());
  for (const auto& r : segments) builder.add(r.rung, r.bitrate_bps, r.rebuffer_s, r.qoe);
  return builder.finish(startup_delay_s);
}

namespace {
const NetworkTrace& validated(const NetworkTrace& trace) {
  validate_trace(trace);
  return trace;
}
}  // namespace

struct SimulatedPlayer::Impl {
  Impl(const NetworkTrace& t, const Manifest& m, const SimConfig& c, const QoeModel& q)
      : manifest(&m), config(c), qoe(&q), session(validated(t), m, config) {}
  const Manifest* manifest;
  SimConfig config;
  const QoeModel* qoe;
  sim::PlaybackSession session;
  std::vector<SegmentRecord> records;
};

SimulatedPlayer::SimulatedPlayer(const NetworkTrace& trace, const Manifest& manifest,
                                 const SimConfig& config, const QoeModel& qoe)
    : impl_(std::make_unique<Impl>(trace, manifest, config, qoe)) {
  impl_->records.reserve(impl_->session.total_segments());
}

SimulatedPlayer::~SimulatedPlayer() = default;
SimulatedPlayer::SimulatedPlayer(SimulatedPlayer&&) noexcept = default;
SimulatedPlayer& SimulatedPlayer::operator=(SimulatedPlayer&&) noexcept = default;

bool SimulatedPlayer::done() const { return impl_->session.next_segment() >= impl_->session.total_segments(); }

PlayerState SimulatedPlayer::state() const {
  const auto& r = impl_->records;
  const std::size_t k = impl_->session.next_segment();
  PlayerState state{impl_->session.clock_s(), impl_->session.buffer_s(), k, impl_->session.total_segments() - k,
                    r.empty() ? kNoRung : r.back().rung, !r.empty() && r.back().rebuffer_s > 0};
  impl_->session.fill_state(state);
  return state;
}

std::size_t SimulatedPlayer::forced_rung() const {
  return impl_->records.empty() ? impl_->config.initial_rung : kNoRung;
}

DownloadReport SimulatedPlayer::play(const Decision& decision, const AbandonHook& abandon, const RateHook& rate) {
  if (done()) throw Error("simulator: the session is over, no segment left to play");
  const Manifest& m = *impl_->manifest;
  if (decision.rung >= m.rung_count()) {
    throw Error(fmt::format("decision chose rung {} for a {}-rung ladder", decision.rung, m.rung_count()));
  }
  if (!std::isfinite(decision.delay_s) || decision.delay_s < 0) {
    throw Error(fmt::format("decision asked for an invalid delay {} s", decision.delay_s));
  }
  if (!std::isfinite(decision.playback_rate) || decision.playback_rate < 0) {
    throw Error(fmt::format("decision asked for an invalid playback rate {}", decision.playback_rate));
  }
  const std::size_t k = impl_->session.next_segment();
  const std::size_t prev = impl_->records.empty() ? kNoRung : impl_->records.back().rung;
  const double request_time_s = impl_->session.clock_s();
  SegmentRecord rec = impl_->session.fetch(k, decision.rung, decision.delay_s, abandon, decision.playback_rate, rate);
  rec.qoe = impl_->config.mode == SimMode::live
                ? impl_->qoe->live_segment(rec.rung, prev, k, rec.rebuffer_s, {rec.latency_s, rec.playback_rate})
                : impl_->qoe->segment(rec.rung, prev, k, rec.rebuffer_s);
  impl_->records.push_back(rec);
  DownloadReport report;
  report.segment = k;
  report.rung = rec.rung;
  report.size_bytes = rec.size_bytes;
  report.start_time_s = request_time_s + rec.delay_s + rec.abandoned_s;
  report.download_time_s = rec.download_time_s - rec.abandoned_s;
  report.transfer_time_s = rec.transfer_time_s;
  return report;
}

const sim::PlaybackSession& sim::PlayerAccess::session(const SimulatedPlayer& player) {
  return player.impl_->session;
}

const SimConfig& sim::PlayerAccess::config(const SimulatedPlayer& player) { return player.impl_->config; }

std::size_t sim::PlayerAccess::last_rung(const SimulatedPlayer& player) {
  const auto& r = player.impl_->records;
  return r.empty() ? kNoRung : r.back().rung;
}

const std::vector<SegmentRecord>& SimulatedPlayer::records() const { return impl_->records; }

SessionResult SimulatedPlayer::result() const {
  SessionStats stats = summarize(impl_->records, *impl_->manifest, impl_->session.startup_delay_s());
  impl_->session.fill_stats(stats);
  return {impl_->records, stats};
}

SessionResult SimulatedPlayer::release_result() {
  SessionStats stats = summarize(impl_->records, *impl_->manifest, impl_->session.startup_delay_s());
  impl_->session.fill_stats(stats);
  return {std::move(impl_->records), stats};
}

SessionResult simulate(const NetworkTrace& trace, const Manifest& manifest, AbrController& abr,
                       const SimConfig& config, const QoeModel& qoe) {
  SimulatedPlayer player(trace, manifest, config, qoe);
  abr.reset();
  AbandonHook abandon;
  if (abr.may_abandon()) abandon = [&abr](const DownloadProgress& p) { return abr.should_abandon(p); };
  RateHook rate;
  if (config.mode == SimMode::live) rate = [&abr](const PlayerState& s) { return abr.playback_rate(s); };
  while (!player.done()) {
    Decision d;
    d.rung = player.forced_rung();
    if (d.rung == kNoRung) d = abr.decide(player.state());
    DownloadReport report;
    try {
      report = player.play(d, abandon, rate);
    } catch (const Error& e) {
      throw Error(fmt::format("controller {}: {}", abr.name(), e.what()));
    }
    abr.on_download(report);
  }
  return player.release_result();
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
