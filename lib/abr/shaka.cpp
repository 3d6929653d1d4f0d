// Shaka Player's SimpleAbrManager with its EwmaBandwidthEstimator, as of
// shaka-player v5.2.7+1 (shaka-project/shaka-player commit 35b290e4).
// Estimate: min of a fast (2 s) and a slow (5 s half-life) EWMA of download
// throughput weighted by download time, ignoring downloads under 16 kB (or
// faster than the 5 ms cache threshold); 1 Mbit/s until 128 kB have been
// sampled. Choice: scanning rungs upwards, a rung is acceptable when the
// estimate lies in [bitrate / 0.95, next bitrate / 0.85]; the last acceptable
// one wins (the lowest rung when none is). Shaka decides when a download
// ends, not when the next one starts: it keeps its start-up rung until the
// estimate is trusted, then switches at once, and afterwards re-chooses no
// sooner than 8 s after its last choice. Our model: one sample per segment
// (browsers with streaming fetch sample every progress event of at least
// 16 kB), no resolution or dropped-frame restrictions, no Network Information
// default. See docs/algorithms.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "abr/builtin.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

struct ShakaParams {
  double fast_half_life_s = 2.0;                   // advanced.fastHalfLife
  double slow_half_life_s = 5.0;                   // advanced.slowHalfLife
  double min_total_bytes = 128e3;                  // advanced.minTotalBytes
  double min_bytes = 16e3;                         // advanced.minBytes
  double default_bandwidth_estimate_bps = 1e6;     // defaultBandwidthEstimate
  double bandwidth_upgrade_target = 0.85;          // bandwidthUpgradeTarget
  double bandwidth_downgrade_target = 0.95;        // bandwidthDowngradeTarget
  double switch_interval_s = 8.0;                  // switchInterval
  double min_time_to_switch_s = 0.0;               // minTimeToSwitch
  double cache_load_threshold_s = 0.005;           // cacheLoadThreshold (5 ms)
};

class Shaka final : public AbrController {
 public:
  Shaka(std::shared_ptr<const Manifest> manifest, std::unique_ptr<ThroughputPredictor> ewma, ShakaParams params)
      : manifest_(std::move(manifest)), ewma_(std::move(ewma)), p_(params) {
    reset();
  }

  void on_download(const DownloadReport& report) override {
    // A download that ends before the player has chosen anything: the
    // initial choice happened when the request went out.
    if (!started_) choose_initial(report.start_time_s);
    if (report.usable_sample() && report.download_time_s >= p_.cache_load_threshold_s &&
        static_cast<double>(report.size_bytes) >= p_.min_bytes) {
      ewma_->observe(report);
      bytes_sampled_ += static_cast<double>(report.size_bytes);
    }
    suggest(report.end_time_s());
  }

  Decision decide(const PlayerState& state) override {
    if (!started_) choose_initial(state.now_s);
    Decision d;
    d.rung = current_;
    d.reasons.rule = rule_;
    d.reasons.estimate_bps = estimate_bps();
    d.reasons.buffer_s = state.buffer_s;
    return d;
  }

  void reset() override {
    ewma_->reset();
    bytes_sampled_ = 0;
    started_ = false;
    startup_complete_ = false;
    last_time_chosen_s_ = 0;
    current_ = 0;
    rule_ = "shaka_initial";
  }
  [[nodiscard]] std::string name() const override { return "shaka"; }

 private:
  [[nodiscard]] bool has_good_estimate() const { return bytes_sampled_ >= p_.min_total_bytes; }
  [[nodiscard]] double estimate_bps() const {
    if (!has_good_estimate()) return p_.default_bandwidth_estimate_bps;
    const Prediction prediction = ewma_->predict();
    return prediction.valid ? prediction.estimate_bps : p_.default_bandwidth_estimate_bps;
  }

  void choose_initial(double now_s) {
    started_ = true;
    current_ = choose_variant(now_s);
    rule_ = "shaka_initial";
  }

  // suggestStreams_ after a download: wait for a trusted estimate, then
  // switch at once; later, re-choose only once the switch interval is over.
  void suggest(double now_s) {
    if (!startup_complete_) {
      if (!has_good_estimate()) {
        rule_ = "shaka_startup";
        return;
      }
      startup_complete_ = true;
      last_time_chosen_s_ -= p_.switch_interval_s - p_.min_time_to_switch_s;
    }
    if (now_s - last_time_chosen_s_ < p_.switch_interval_s) {
      rule_ = "shaka_switch_interval";
      return;
    }
    current_ = choose_variant(now_s);
    rule_ = "shaka_choose";
  }

  // chooseVariant: the last rung, scanning upwards, whose range
  // [bitrate / downgrade target, next bitrate / upgrade target] holds the
  // estimate; the lowest rung when none does.
  std::size_t choose_variant(double now_s) {
    const double estimate = estimate_bps();
    std::size_t chosen = 0;
    const std::size_t n = manifest_->rung_count();
    for (std::size_t i = 0; i < n; ++i) {
      const double bitrate = manifest_->bitrate_bps(i);
      const double min_bps = bitrate / p_.bandwidth_downgrade_target;
      double next_bps = HUGE_VAL;
      for (std::size_t j = i + 1; j < n; ++j) {
        if (manifest_->bitrate_bps(j) != bitrate) {
          next_bps = manifest_->bitrate_bps(j);
          break;
        }
      }
      const double max_bps = next_bps / p_.bandwidth_upgrade_target;
      if (estimate >= min_bps && estimate <= max_bps && manifest_->bitrate_bps(chosen) != bitrate) chosen = i;
    }
    last_time_chosen_s_ = now_s;
    return chosen;
  }

  std::shared_ptr<const Manifest> manifest_;
  std::unique_ptr<ThroughputPredictor> ewma_;
  ShakaParams p_;
  double bytes_sampled_ = 0;
  bool started_ = false;
  bool startup_complete_ = false;
  double last_time_chosen_s_ = 0;
  std::size_t current_ = 0;
  const char* rule_ = "shaka_initial";
};

}  // namespace

std::unique_ptr<AbrController> make_shaka(const BuildContext& context, const OptionMap& options) {
  ShakaParams p;
  p.fast_half_life_s = ranged_option(options, "fast_half_life_s", p.fast_half_life_s, 1e-3, 1e4);
  p.slow_half_life_s = ranged_option(options, "slow_half_life_s", p.slow_half_life_s, 1e-3, 1e4);
  p.min_total_bytes = ranged_option(options, "min_total_bytes", p.min_total_bytes, 0.0, 1e12);
  p.min_bytes = ranged_option(options, "min_bytes", p.min_bytes, 0.0, 1e12);
  p.default_bandwidth_estimate_bps =
      ranged_option(options, "default_bandwidth_estimate_bps", p.default_bandwidth_estimate_bps, 1.0, 1e12);
  p.bandwidth_upgrade_target = ranged_option(options, "bandwidth_upgrade_target", p.bandwidth_upgrade_target, 0.01, 1.0);
  p.bandwidth_downgrade_target =
      ranged_option(options, "bandwidth_downgrade_target", p.bandwidth_downgrade_target, 0.01, 1.0);
  p.switch_interval_s = ranged_option(options, "switch_interval_s", p.switch_interval_s, 0.0, 3600.0);
  p.min_time_to_switch_s = ranged_option(options, "min_time_to_switch_s", p.min_time_to_switch_s, 0.0, 3600.0);
  p.cache_load_threshold_s = ranged_option(options, "cache_load_threshold_s", p.cache_load_threshold_s, 0.0, 60.0);
  if (p.min_time_to_switch_s > p.switch_interval_s) {
    throw Error(fmt::format("{}: min_time_to_switch_s ({}) must not exceed switch_interval_s ({})", options.owner(),
                            p.min_time_to_switch_s, p.switch_interval_s));
  }
  auto ewma = context.make_predictor(
      fmt::format("ewma:fast_half_life_s={},slow_half_life_s={},safety=1", p.fast_half_life_s, p.slow_half_life_s));
  return std::make_unique<Shaka>(context.shared_manifest(), std::move(ewma), p);
}

}  // namespace streamopt::abr
