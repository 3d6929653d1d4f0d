// hls.js's default ABR (AbrController with EwmaBandWidthEstimator), as of
// hls.js v1.7.1+25 (video-dev/hls.js commit afe5b8bf): a dual EWMA estimate
// (fast 3 s / slow 9 s half-lives, weighted by download time, min of the two,
// a 500 kbit/s default until the fast average has any weight), and
// `findBestLevel`: from the top rung down, the first rung whose bitrate fits
// under factor x estimate (0.95 to stay or go down, 0.7 to go up) and whose
// predicted fetch time beats the buffer (plus a starvation allowance when no
// rung avoids rebuffering). Our model of a VoD session with one video
// rendition per rung: no codec tiers, no media-capabilities filter, no
// bitrate test, no emergency abandonment, and the nominal bitrate serves as
// both BANDWIDTH and AVERAGE-BANDWIDTH. See docs/algorithms.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "abr/builtin.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

// hls.js's estimator trusts its estimate once the fast average holds this much
// weight (seconds of downloads); before, it answers the default estimate.
constexpr double kMinWeightS = 0.001;
// The shortest sample duration: min(50 ms, bytes / 1e5 ms), in seconds.
constexpr double kMinDelayCapS = 0.050;
constexpr double kMinDelayBytesPerS = 1e8;

struct HlsjsParams {
  double fast_half_life_s = 3.0;       // abrEwmaFastVoD
  double slow_half_life_s = 9.0;       // abrEwmaSlowVoD
  double default_estimate_bps = 5e5;   // abrEwmaDefaultEstimate
  double bandwidth_factor = 0.95;      // abrBandWidthFactor: stay or go down
  double bandwidth_up_factor = 0.7;    // abrBandWidthUpFactor: go up
  double max_starvation_delay_s = 4.0; // maxStarvationDelay
  double ttfb_s = 0.0;                 // first-byte time (our reports carry none)
};

class Hlsjs final : public AbrController {
 public:
  Hlsjs(std::shared_ptr<const Manifest> manifest, std::unique_ptr<ThroughputPredictor> ewma, HlsjsParams params)
      : manifest_(std::move(manifest)), ewma_(std::move(ewma)), p_(params) {}

  void on_download(const DownloadReport& report) override {
    if (!report.usable_sample()) return;
    // hls.js samples the load time less the first byte, floored at its minimum delay.
    const double bytes = static_cast<double>(report.size_bytes);
    const double min_delay_s = std::min(kMinDelayCapS, bytes / kMinDelayBytesPerS);
    DownloadReport sample = report;
    sample.download_time_s = std::max(report.download_time_s - p_.ttfb_s, min_delay_s);
    if (!sample.usable_sample()) return;
    ewma_->observe(sample);
    fast_weight_s_ += sample.download_time_s;
  }

  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.buffer_s = state.buffer_s;
    const double estimate = estimate_bps();
    d.reasons.estimate_bps = estimate;
    const double buffer_s = std::max(0.0, state.buffer_s);
    const std::size_t top = manifest_->rung_count() - 1;
    const bool loaded_first = state.last_rung != kNoRung && state.last_rung <= top;
    if (!can_estimate() || !loaded_first) {
      // firstAutoLevel: half the buffer plus the starvation allowance, no
      // safety factors, an estimate no lower than the lowest rung.
      const double bw = std::max(estimate, manifest_->bitrate_bps(0));
      const long found = find_best(bw, 0, buffer_s / 2, p_.max_starvation_delay_s, 1.0, 1.0, 1.0);
      d.rung = found >= 0 ? static_cast<std::size_t>(found) : 0;
      d.reasons.rule = "hlsjs_first";
      return d;
    }
    const std::size_t base = state.last_rung;
    const double segment_s = manifest_->segment_duration_s();
    if (buffer_s > 0) {
      const long found = find_best(estimate, base, buffer_s, 0, p_.bandwidth_factor, p_.bandwidth_up_factor, segment_s);
      if (found >= 0) {
        d.rung = static_cast<std::size_t>(found);
        d.reasons.rule = "hlsjs_no_rebuffer";
        return d;
      }
    }
    const double max_starvation_s = std::min(segment_s, p_.max_starvation_delay_s);
    const long found =
        find_best(estimate, base, buffer_s, max_starvation_s, p_.bandwidth_factor, p_.bandwidth_up_factor, segment_s);
    if (found >= 0) {
      d.rung = static_cast<std::size_t>(found);
      d.reasons.rule = "hlsjs_starvation";
      return d;
    }
    // Nothing fits: the lowest rung if it is lower than the current one, else stay.
    d.rung = manifest_->bitrate_bps(0) < manifest_->bitrate_bps(base) ? 0 : base;
    d.reasons.rule = "hlsjs_fallback";
    return d;
  }

  void reset() override {
    ewma_->reset();
    fast_weight_s_ = 0;
  }
  [[nodiscard]] std::string name() const override { return "hlsjs"; }

 private:
  [[nodiscard]] bool can_estimate() const { return fast_weight_s_ >= kMinWeightS; }
  [[nodiscard]] double estimate_bps() const {
    if (!can_estimate()) return p_.default_estimate_bps;
    const Prediction prediction = ewma_->predict();
    return prediction.valid ? prediction.estimate_bps : p_.default_estimate_bps;
  }

  // findBestLevel: the highest rung whose bitrate fits under the factored
  // estimate (the up factor for rungs above `base`) and whose fetch time,
  // ttfb + bitrate x duration / factored estimate, is under buffer +
  // starvation allowance; -1 when none. `duration_s` is the segment duration
  // hls.js assumes (1 s before any playlist is known).
  [[nodiscard]] long find_best(double bw, std::size_t base, double buffer_s, double max_starvation_s,
                               double factor, double up_factor, double duration_s) const {
    const double max_fetch_s = buffer_s + max_starvation_s;
    for (std::size_t i = manifest_->rung_count(); i-- > 0;) {
      const double adjusted = (i > base ? up_factor : factor) * bw;
      const double bitrate = manifest_->bitrate_bps(i);
      const double fetch_s = adjusted > 0 ? p_.ttfb_s + bitrate * duration_s / adjusted
                                          : std::numeric_limits<double>::infinity();
      const bool fits = adjusted >= bitrate &&
                        (fetch_s <= p_.ttfb_s || !std::isfinite(fetch_s) || fetch_s < max_fetch_s);
      if (fits) return static_cast<long>(i);
    }
    return -1;
  }

  std::shared_ptr<const Manifest> manifest_;
  std::unique_ptr<ThroughputPredictor> ewma_;
  HlsjsParams p_;
  double fast_weight_s_ = 0;
};

}  // namespace

std::unique_ptr<AbrController> make_hlsjs(const BuildContext& context, const OptionMap& options) {
  HlsjsParams p;
  p.fast_half_life_s = ranged_option(options, "fast_half_life_s", p.fast_half_life_s, 1e-3, 1e4);
  p.slow_half_life_s = ranged_option(options, "slow_half_life_s", p.slow_half_life_s, 1e-3, 1e4);
  p.default_estimate_bps = ranged_option(options, "default_estimate_bps", p.default_estimate_bps, 1.0, 1e12);
  p.bandwidth_factor = ranged_option(options, "bandwidth_factor", p.bandwidth_factor, 0.01, 1.0);
  p.bandwidth_up_factor = ranged_option(options, "bandwidth_up_factor", p.bandwidth_up_factor, 0.01, 1.0);
  p.max_starvation_delay_s = ranged_option(options, "max_starvation_delay_s", p.max_starvation_delay_s, 0.0, 3600.0);
  p.ttfb_s = ranged_option(options, "ttfb_s", p.ttfb_s, 0.0, 60.0);
  auto ewma = context.make_predictor(
      fmt::format("ewma:fast_half_life_s={},slow_half_life_s={},safety=1", p.fast_half_life_s, p.slow_half_life_s));
  return std::make_unique<Hlsjs>(context.shared_manifest(), std::move(ewma), p);
}

}  // namespace streamopt::abr
