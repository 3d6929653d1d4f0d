#include "streamopt/qoe.hpp"

#include <fmt/format.h>

#include <cmath>

#include "streamopt/error.hpp"
#include "streamopt/options.hpp"

namespace streamopt {

namespace {
// The MPC paper's QoE_hd utilities for the 300..4300 kbps ladder.
const std::vector<double> kHdUtilities = {1, 2, 3, 12, 15, 20};
}  // namespace

QoeModel::QoeModel(std::string_view spec_text, const Manifest& manifest) : manifest_(&manifest) {
  const AlgorithmSpec spec = parse_spec(spec_text);
  const OptionMap& o = spec.options;
  const std::size_t rungs = manifest.rung_count();
  double default_rebuffer = 4.3;
  if (spec.name == "lin") {
    kind_ = QoeKind::lin;
    for (const auto& r : manifest.rungs()) table_.push_back(r.bitrate_bps / 1e6);
  } else if (spec.name == "log") {
    kind_ = QoeKind::log;
    default_rebuffer = 2.66;
    for (const auto& r : manifest.rungs()) table_.push_back(std::log(r.bitrate_bps / manifest.rungs().front().bitrate_bps));
  } else if (spec.name == "hd") {
    kind_ = QoeKind::hd;
    default_rebuffer = 8.0;
    table_ = o.get_doubles("utilities", kHdUtilities);
    if (table_.size() != rungs) {
      throw Error(fmt::format("qoe hd: {} utilities for a {}-rung ladder; give utilities=a/b/c/...",
                              table_.size(), rungs));
    }
  } else if (spec.name == "quality") {
    kind_ = QoeKind::quality;
    if (!manifest.has_quality()) {
      throw Error("qoe quality: the manifest has no per-segment quality scores");
    }
  } else {
    throw Error(fmt::format("unknown QoE model '{}' (known: lin, log, hd, quality)", spec.name));
  }
  rebuffer_ = o.get_double("rebuffer", default_rebuffer);
  smoothness_ = o.get_double("smoothness", 1.0);
  // Live terms: LoL+'s weights (0.05 x the lowest rung's and 0.1 x the top
  // rung's reward per second of latency, the lowest rung's per unit of speed
  // change) in this model's utility units.
  const double lowest = utility(0, 0);
  const double highest = utility(rungs - 1, 0);
  const bool live_given = o.has("latency_low") || o.has("latency_high") || o.has("latency_threshold_s") ||
                          o.has("speed");
  latency_low_ = o.get_double("latency_low", 0.05 * lowest);
  latency_high_ = o.get_double("latency_high", 0.1 * highest);
  latency_threshold_s_ = o.get_double("latency_threshold_s", 1.1);
  speed_ = o.get_double("speed", lowest);
  for (const double w : {rebuffer_, smoothness_, latency_low_, latency_high_, latency_threshold_s_, speed_}) {
    if (!(w >= 0) || !std::isfinite(w)) throw Error(fmt::format("qoe {}: weights must be finite and >= 0", spec.name));
  }
  o.check_all_used();
  spec_ = fmt::format("{}:rebuffer={},smoothness={}", spec.name, rebuffer_, smoothness_);
  if (live_given) {
    spec_ += fmt::format(",latency_low={},latency_high={},latency_threshold_s={},speed={}", latency_low_,
                         latency_high_, latency_threshold_s_, speed_);
  }
}

double QoeModel::utility(std::size_t rung, std::size_t segment) const {
  if (kind_ == QoeKind::quality) return manifest_->segment_quality(segment, rung);
  if (rung >= table_.size()) throw Error(fmt::format("qoe: rung {} out of range", rung));
  return table_[rung];
}

QoeTerms QoeModel::segment(std::size_t rung, std::size_t prev_rung, std::size_t segment,
                           double rebuffer_s) const {
  QoeTerms t;
  t.utility = utility(rung, segment);
  t.rebuffer_penalty = rebuffer_ * rebuffer_s;
  if (prev_rung != kNoRung) {
    // Quality-based smoothness compares this segment's quality on both rungs.
    t.smoothness_penalty = smoothness_ * std::fabs(t.utility - utility(prev_rung, segment));
  }
  t.total = t.utility - t.rebuffer_penalty - t.smoothness_penalty;
  return t;
}

QoeTerms QoeModel::live_segment(std::size_t rung, std::size_t prev_rung, std::size_t segment, double rebuffer_s,
                                const LiveQoeInput& live) const {
  QoeTerms t = this->segment(rung, prev_rung, segment, rebuffer_s);
  const double weight = live.latency_s <= latency_threshold_s_ ? latency_low_ : latency_high_;
  t.latency_penalty = weight * live.latency_s;
  t.speed_penalty = speed_ * std::fabs(1.0 - live.playback_rate);
  t.total -= t.latency_penalty + t.speed_penalty;
  return t;
}

void SessionStatsBuilder::add(std::size_t rung, double bitrate_bps, double rebuffer_s, const QoeTerms& qoe) {
  const std::size_t index = s_.segments++;
  s_.qoe_sum += qoe.total;
  bitrate_sum_bps_ += bitrate_bps;
  if (index == 0) first_ = qoe;
  if (scored_segment(index)) {
    s_.qoe_sum_pensieve += qoe.total;
    s_.utility_per_segment += qoe.utility;
    s_.rebuffer_penalty_per_segment += qoe.rebuffer_penalty;
    s_.smoothness_penalty_per_segment += qoe.smoothness_penalty;
    s_.latency_penalty_per_segment += qoe.latency_penalty;
    s_.speed_penalty_per_segment += qoe.speed_penalty;
    s_.rebuffer_s += rebuffer_s;
    if (rung != last_rung_) {
      ++s_.switches;
      switch_sum_bps_ += std::fabs(bitrate_bps - last_bitrate_bps_);
    }
  }
  last_rung_ = rung;
  last_bitrate_bps_ = bitrate_bps;
}

SessionStats SessionStatsBuilder::finish(double startup_delay_s) const {
  SessionStats s = s_;
  s.startup_delay_s = startup_delay_s;
  if (s.segments == 0) return s;
  const double n = static_cast<double>(s.segments);
  if (s.segments == 1) {
    s.qoe_sum_pensieve = s.qoe_sum;
    s.utility_per_segment = first_.utility;
    s.rebuffer_penalty_per_segment = first_.rebuffer_penalty;
    s.smoothness_penalty_per_segment = 0;
    s.latency_penalty_per_segment = first_.latency_penalty;
    s.speed_penalty_per_segment = first_.speed_penalty;
  }
  const double scored = s.segments > 1 ? n - 1 : 1;
  s.qoe_per_segment = s.qoe_sum_pensieve / scored;
  s.utility_per_segment /= scored;
  s.rebuffer_penalty_per_segment /= scored;
  s.smoothness_penalty_per_segment /= scored;
  s.latency_penalty_per_segment /= scored;
  s.speed_penalty_per_segment /= scored;
  s.mean_bitrate_bps = bitrate_sum_bps_ / n;
  s.rebuffer_ratio = s.rebuffer_s / (s.rebuffer_s + n * segment_duration_s_);
  s.mean_switch_bps = s.switches ? switch_sum_bps_ / static_cast<double>(s.switches) : 0.0;
  return s;
}

}  // namespace streamopt
