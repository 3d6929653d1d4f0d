// LoL+ (Bentaleb et al., IEEE TMM 2021; LoL, ACM MMSys 2020 grand
// challenge) as dash.js v5.1.1 runs it (Dash-Industry-Forum/dash.js,
// src/streaming/rules/abr/lolp/LoLpRule.js and its helpers, lolp_som.hpp)
// together with LoL+'s playback-rate control (CatchupController.js, mode
// liveCatchupModeLoLP). Each decision: the QoE evaluator is set up from the
// segment duration and the ladder, a weight selector picks the distance
// weights that maximise single-use QoE under its buffer constraint, and the
// SOM picks the neuron (rung) nearest the target state [safe throughput,
// 0 latency, 0 rebuffer, 0 switch]; with too little buffer for the current
// rung it downshifts instead. Live, it also answers a playback rate. Written
// from the source's behaviour and defaults; no code copied. Differences from
// dash.js are listed in docs/algorithms.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "abr/builtin.hpp"
#include "abr/dashjs_throughput.hpp"
#include "abr/lolp_som.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

// Settings and constants LoL+ reads, at dash.js's defaults.
struct LolpParams {
  DashjsThroughputSettings throughput;  // bandwidthSafetyFactor, ewma.*, initialBitrate
  // LoLpRule's DWS_TARGET_LATENCY and DWS_BUFFER_MIN.
  double dws_target_latency_s = 1.5;
  double dws_buffer_min_s = 0.3;
  // streaming.liveCatchup: playbackBufferMin and playbackRate.{min,max}
  // (MediaPlayerModel's defaults when unset: -0.5 / +0.5).
  bool catchup = true;
  double playback_buffer_min_s = 0.5;
  double catchup_rate_min = -0.5;
  double catchup_rate_max = 0.5;
  std::uint64_t seed = 1;  // for the SOM's k-means++ centres (Math.random)
};

class Lolp final : public AbrController {
 public:
  Lolp(std::shared_ptr<const Manifest> manifest, DashjsEwmaThroughput throughput, LolpParams params)
      : manifest_(std::move(manifest)),
        throughput_(std::move(throughput)),
        p_(params),
        bitrates_(bitrates(*manifest_)),
        som_(bitrates_, p_.seed) {
    reset();
  }

  void on_download(const DownloadReport& report) override { throughput_.observe(report); }

  Decision decide(const PlayerState& state) override {
    Decision d;
    const double buffer_s = std::isfinite(state.buffer_s) ? std::max(0.0, state.buffer_s) : 0.0;
    const double average_bps = throughput_.average_bps();
    const double safe_bps = average_bps * p_.throughput.bandwidth_safety_factor;
    d.reasons.buffer_s = buffer_s;
    d.reasons.estimate_bps = std::isnan(average_bps) ? 0.0 : average_bps;
    d.reasons.conservative_bps = std::isnan(safe_bps) ? 0.0 : safe_bps;
    d.playback_rate = playback_rate(state, buffer_s);
    const std::size_t n = manifest_->rung_count();
    if (state.last_rung == kNoRung) {
      // The first request: AbrController's initial bitrate, no rule runs.
      const double bitrate_bps = dashjs_initial_bitrate_bps(p_.throughput, average_bps);
      current_ = highest_rung_below(*manifest_, bitrate_bps);
      d.rung = current_;
      d.reasons.rule = "lolp_initial";
      return d;
    }
    if (state.last_rung < n) current_ = state.last_rung;
    d.rung = current_;
    if (!(safe_bps > 0)) {
      d.reasons.rule = "lolp_no_change";  // no throughput sample yet
      return d;
    }
    const double latency_s = live_latency_s(state);
    const double rate = current_rate(state);
    const double segment_s = manifest_->segment_duration_s();
    const auto [min_it, max_it] = std::minmax_element(bitrates_.begin(), bitrates_.end());
    evaluator_.setup(segment_s, *max_it / 1000.0, *min_it / 1000.0);
    const lolp::WeightSelector selector(p_.dws_target_latency_s, p_.dws_buffer_min_s, segment_s,
                                        evaluator_);
    lolp::SomChoice choice = som_.next(current_, safe_bps, latency_s, buffer_s, rate, selector);
    current_ = choice.rung;
    d.rung = choice.rung;
    d.reasons.rule = choice.downshift ? "lolp_buffer_downshift" : "lolp_som";
    d.reasons.scores = std::move(choice.distances);
    return d;
  }

  void reset() override {
    throughput_.reset();
    som_.reset();
    evaluator_ = {};
    current_ = 0;
  }

  [[nodiscard]] std::string name() const override { return "lolp"; }

 private:
  static std::vector<double> bitrates(const Manifest& m) {
    std::vector<double> out;
    for (std::size_t i = 0; i < m.rung_count(); ++i) out.push_back(m.bitrate_bps(i));
    return out;
  }
  static double live_latency_s(const PlayerState& s) {
    return s.live && std::isfinite(s.latency_s) && s.latency_s > 0 ? s.latency_s : 0.0;
  }
  static double current_rate(const PlayerState& s) {
    return std::isfinite(s.playback_rate) && s.playback_rate > 0 ? s.playback_rate : 1.0;
  }
  // CatchupController in LoL+ mode at every playback tick, as dash.js runs it.
  double playback_rate(const PlayerState& state) override {
    return playback_rate(state, std::isfinite(state.buffer_s) ? std::max(0.0, state.buffer_s) : 0.0);
  }

  // CatchupController in LoL+ mode, evaluated at the decision: no opinion on
  // video on demand, without a target or with catch-up off; else LoL+'s rate,
  // kept at the current one when the change is under the minimum step
  // (0.02 per 0.5 of catchup_rate_max) unless it is exactly 1.
  [[nodiscard]] double playback_rate(const PlayerState& s, double buffer_s) const {
    if (!p_.catchup || !s.live || !(s.target_latency_s > 0)) return 0.0;
    const double latency_s = live_latency_s(s);
    // Clamped to the limits, which the sigmoid only approaches (rounding
    // could step past them).
    const double rate = std::clamp(
        lolp::catchup_rate(latency_s, s.target_latency_s, buffer_s, p_.playback_buffer_min_s,
                           std::abs(p_.catchup_rate_min), p_.catchup_rate_max),
        1.0 + p_.catchup_rate_min, 1.0 + p_.catchup_rate_max);
    const double current = current_rate(s);
    const double min_change = 0.02 / (0.5 / p_.catchup_rate_max);
    if (std::abs(current - rate) >= min_change || rate == 1.0) return rate;
    return current;
  }

  std::shared_ptr<const Manifest> manifest_;
  DashjsEwmaThroughput throughput_;
  LolpParams p_;
  std::vector<double> bitrates_;
  lolp::QoeEvaluator evaluator_;
  lolp::LearningController som_;
  std::size_t current_ = 0;
};

}  // namespace

std::unique_ptr<AbrController> make_lolp(const BuildContext& context, const OptionMap& options) {
  LolpParams p;
  p.throughput = parse_dashjs_throughput(options);
  p.dws_target_latency_s =
      ranged_option(options, "dws_target_latency_s", p.dws_target_latency_s, 0.0, 3600.0);
  p.dws_buffer_min_s = ranged_option(options, "dws_buffer_min_s", p.dws_buffer_min_s, 0.0, 3600.0);
  p.catchup = options.get_bool("catchup", p.catchup);
  p.playback_buffer_min_s =
      ranged_option(options, "playback_buffer_min_s", p.playback_buffer_min_s, 0.0, 3600.0);
  // MediaPlayerModel's limits on liveCatchup.playbackRate: min in [-0.5, 0], max in [0, 1].
  p.catchup_rate_min = ranged_option(options, "catchup_rate_min", p.catchup_rate_min, -0.5, 0.0);
  p.catchup_rate_max = ranged_option(options, "catchup_rate_max", p.catchup_rate_max, 0.0, 1.0);
  const std::int64_t seed = options.get_int("seed", static_cast<std::int64_t>(p.seed));
  if (seed < 0) {
    throw Error(fmt::format("{}: option seed={} must be >= 0", options.owner(), seed));
  }
  p.seed = static_cast<std::uint64_t>(seed);
  if (p.catchup && p.catchup_rate_max <= 0 && p.catchup_rate_min >= 0) {
    throw Error(fmt::format(
        "{}: catchup_rate_min and catchup_rate_max are both 0; use catchup=false to turn "
        "the playback-rate control off",
        options.owner()));
  }
  return std::make_unique<Lolp>(context.shared_manifest(), DashjsEwmaThroughput(context, p.throughput), p);
}

}  // namespace streamopt::abr
