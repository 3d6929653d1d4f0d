// ExoPlayer's default adaptive video selection: Media3's AdaptiveTrackSelection
// fed by DefaultBandwidthMeter, as of androidx/media 1.11.0 (commit 2bc20785).
// The meter keeps a sliding window of throughput samples weighted by
// sqrt(bytes), at most 2000 in total weight, and answers their weighted
// median once 2 s of transfers or 512 KiB have been seen (1 Mbit/s before).
// The selection's ideal rung is the highest whose bitrate is at most 0.7 x
// that estimate; it goes up only with at least 10 s buffered and down only
// with under 25 s buffered. Our model of a VoD session with one video track
// group: no audio (so the adaptation checkpoints allot the whole estimate to
// video), playback speed 1, no time-to-first-byte estimate (the meter has
// none), no track exclusion, no queue discard. See docs/algorithms.md.
#include <fmt/format.h>

#include <algorithm>

#include "abr/builtin.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

// DefaultBandwidthMeter publishes its percentile only after this much transfer
// time or this many bytes (ELAPSED_MILLIS_FOR_ESTIMATE, BYTES_TRANSFERRED_FOR_ESTIMATE).
constexpr double kElapsedForEstimateS = 2.0;
constexpr double kBytesForEstimate = 512.0 * 1024.0;

struct ExoParams {
  double bandwidth_fraction = 0.7;                   // DEFAULT_BANDWIDTH_FRACTION
  double min_duration_for_quality_increase_s = 10;   // DEFAULT_MIN_DURATION_FOR_QUALITY_INCREASE_MS
  double max_duration_for_quality_decrease_s = 25;   // DEFAULT_MAX_DURATION_FOR_QUALITY_DECREASE_MS
  double initial_bitrate_estimate_bps = 1e6;         // DEFAULT_INITIAL_BITRATE_ESTIMATE
};

class ExoPlayer final : public AbrController {
 public:
  ExoPlayer(std::shared_ptr<const Manifest> manifest, std::unique_ptr<ThroughputPredictor> meter, ExoParams params)
      : manifest_(std::move(manifest)), meter_(std::move(meter)), p_(params) {
    reset();
  }

  void on_download(const DownloadReport& report) override {
    if (!report.usable_sample()) return;
    meter_->observe(report);
    total_elapsed_s_ += report.download_time_s;
    total_bytes_ += static_cast<double>(report.size_bytes);
    if (total_elapsed_s_ >= kElapsedForEstimateS || total_bytes_ >= kBytesForEstimate) {
      const Prediction median = meter_->predict();
      if (median.valid) estimate_bps_ = median.estimate_bps;
    }
  }

  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.buffer_s = state.buffer_s;
    d.reasons.estimate_bps = estimate_bps_;
    const double effective_bps = estimate_bps_ * p_.bandwidth_fraction;
    d.reasons.conservative_bps = effective_bps;
    const std::size_t ideal = highest_rung_below(*manifest_, effective_bps);
    if (!selected_) {
      // The first selection takes the ideal rung whatever the buffer.
      selected_ = true;
      selected_rung_ = ideal;
      d.rung = ideal;
      d.reasons.rule = "exoplayer_initial";
      return d;
    }
    // The rung of the last chunk is the one a switch is measured against.
    const std::size_t previous = state.last_rung < manifest_->rung_count() ? state.last_rung : selected_rung_;
    std::size_t rung = ideal;
    d.reasons.rule = "exoplayer_ideal";
    if (ideal > previous && state.buffer_s < p_.min_duration_for_quality_increase_s) {
      rung = previous;  // not enough buffer to risk a higher rung yet
      d.reasons.rule = "exoplayer_hold_up";
    } else if (ideal < previous && state.buffer_s >= p_.max_duration_for_quality_decrease_s) {
      rung = previous;  // enough buffer to ride out the lower estimate
      d.reasons.rule = "exoplayer_hold_down";
    }
    selected_rung_ = rung;
    d.rung = rung;
    return d;
  }

  void reset() override {
    meter_->reset();
    estimate_bps_ = p_.initial_bitrate_estimate_bps;
    total_elapsed_s_ = 0;
    total_bytes_ = 0;
    selected_ = false;
    selected_rung_ = 0;
  }
  [[nodiscard]] std::string name() const override { return "exoplayer"; }

 private:
  std::shared_ptr<const Manifest> manifest_;
  std::unique_ptr<ThroughputPredictor> meter_;
  ExoParams p_;
  double estimate_bps_ = 0;
  double total_elapsed_s_ = 0;
  double total_bytes_ = 0;
  bool selected_ = false;
  std::size_t selected_rung_ = 0;
};

}  // namespace

std::unique_ptr<AbrController> make_exoplayer(const BuildContext& context, const OptionMap& options) {
  ExoParams p;
  p.bandwidth_fraction = ranged_option(options, "bandwidth_fraction", p.bandwidth_fraction, 0.01, 1.0);
  p.min_duration_for_quality_increase_s = ranged_option(options, "min_duration_for_quality_increase_s",
                                                        p.min_duration_for_quality_increase_s, 0.0, 3600.0);
  p.max_duration_for_quality_decrease_s = ranged_option(options, "max_duration_for_quality_decrease_s",
                                                        p.max_duration_for_quality_decrease_s, 0.0, 3600.0);
  p.initial_bitrate_estimate_bps =
      ranged_option(options, "initial_bitrate_estimate_bps", p.initial_bitrate_estimate_bps, 1.0, 1e12);
  const double max_weight = ranged_option(options, "max_weight", 2000.0, 1.0, 1e9);
  const double percentile = ranged_option(options, "percentile", 0.5, 0.01, 1.0);
  auto meter = context.make_predictor(
      fmt::format("percentile:max_weight={},percentile={},conservative_percentile={}", max_weight, percentile,
                  std::min(0.2, percentile)));
  return std::make_unique<ExoPlayer>(context.shared_manifest(), std::move(meter), p);
}

}  // namespace streamopt::abr
