// Lockstep simulated sessions for the RL trainers (see session_batch.hpp).
#include "learn/session_batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "model/rung_features.hpp"
#include "streamopt/error.hpp"

namespace streamopt::learn {

NetworkTrace rotate_trace(const NetworkTrace& trace, std::size_t first) {
  const std::size_t n = trace.time_s.size();
  if (n < 2 || first == 0 || first >= n) return trace;
  NetworkTrace out;
  out.name = trace.name;
  out.time_s.reserve(n);
  out.throughput_bps.reserve(n);
  const double step_s = trace.time_s[1] - trace.time_s[0];
  const double origin_s = trace.time_s[first];
  const bool latency = !trace.latency_s.empty();
  for (std::size_t i = first; i < n; ++i) {
    out.time_s.push_back(trace.time_s[i] - origin_s);
    out.throughput_bps.push_back(trace.throughput_bps[i]);
    if (latency) out.latency_s.push_back(trace.latency_s[i]);
  }
  const double wrap_s = out.time_s.back() + step_s - trace.time_s[0];
  for (std::size_t i = 0; i < first; ++i) {
    out.time_s.push_back(trace.time_s[i] + wrap_s);
    out.throughput_bps.push_back(trace.throughput_bps[i]);
    if (latency) out.latency_s.push_back(trace.latency_s[i]);
  }
  return out;
}

SessionBatch::SessionBatch(const std::vector<NetworkTrace>& traces, const Manifest& manifest, const SimConfig& sim,
                           const QoeModel& qoe, std::size_t sessions, std::uint64_t seed,
                           const std::vector<double>& weights)
    : traces_(traces), manifest_(manifest), sim_(sim), qoe_(qoe), rng_(seed) {
  if (traces.empty()) throw Error("session batch: no training traces");
  if (sessions == 0) throw Error("session batch: sessions must be >= 1");
  if (!weights.empty()) {
    if (weights.size() != traces.size()) {
      throw Error(fmt::format("session batch: {} weights for {} traces", weights.size(), traces.size()));
    }
    for (const double w : weights) {
      if (!(w > 0) || !std::isfinite(w)) throw Error(fmt::format("session batch: a trace weight must be > 0 ({})", w));
    }
    // Equal weights draw as no weights do (the same traces for a seed).
    weighted_ = std::any_of(weights.begin(), weights.end(), [&](double w) { return w != weights.front(); });
    pick_ = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
  }
  rotated_.resize(sessions);
  histories_.assign(sessions, model::DownloadHistory(model::kFeatureHistory));
  features_.assign(sessions * manifest.rung_count() * model::rung_feature_count(), 0.0f);
  players_.reserve(sessions);
  for (std::size_t i = 0; i < sessions; ++i) {
    draw_trace(i);
    players_.emplace_back(rotated_[i], manifest, sim, qoe);
    advance(i);
  }
}

void SessionBatch::draw_trace(std::size_t i) {
  const std::size_t pick =
      weighted_ ? pick_(rng_) : std::uniform_int_distribution<std::size_t>(0, traces_.size() - 1)(rng_);
  const NetworkTrace& trace = traces_[pick];
  const std::size_t first =
      std::uniform_int_distribution<std::size_t>(0, std::max<std::size_t>(1, trace.time_s.size()) - 1)(rng_);
  rotated_[i] = rotate_trace(trace, first);
}

void SessionBatch::start(std::size_t i) {
  draw_trace(i);
  players_[i] = SimulatedPlayer(rotated_[i], manifest_, sim_, qoe_);
  histories_[i].clear();
}

void SessionBatch::advance(std::size_t i) {
  SimulatedPlayer& player = players_[i];
  while (!player.done() && player.forced_rung() != kNoRung) {
    Decision d;
    d.rung = player.forced_rung();
    histories_[i].observe(player.play(d));
  }
  if (player.done()) return;
  model::rung_features(player.state(), manifest_, qoe_, histories_[i], rows_);
  std::copy(rows_.begin(), rows_.end(), features_.begin() + static_cast<std::ptrdiff_t>(i * rows_.size()));
}

void SessionBatch::step(const std::vector<std::size_t>& actions, std::vector<float>& reward,
                        std::vector<std::uint8_t>& done) {
  if (actions.size() != players_.size()) throw Error("session batch: one action per session expected");
  reward.assign(players_.size(), 0.0f);
  done.assign(players_.size(), 0);
  for (std::size_t i = 0; i < players_.size(); ++i) {
    Decision d;
    d.rung = actions[i];
    histories_[i].observe(players_[i].play(d));
    reward[i] = static_cast<float>(players_[i].records().back().qoe.total);
    if (players_[i].done()) {
      // Scored as evaluation scores a session (Pensieve's convention: not the first segment).
      finished_qoe_per_segment_ += summarize(players_[i].records(), manifest_, 0.0).qoe_per_segment;
      ++finished_sessions_;
      done[i] = 1;
      start(i);
    }
    advance(i);
  }
}

double SessionBatch::take_finished_qoe_per_segment() {
  // Every session plays the title's segments, so the sessions' means weigh alike.
  const double mean =
      finished_sessions_ > 0 ? finished_qoe_per_segment_ / static_cast<double>(finished_sessions_) : 0.0;
  finished_qoe_per_segment_ = 0;
  finished_sessions_ = 0;
  return mean;
}

}  // namespace streamopt::learn
