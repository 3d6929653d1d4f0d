// Rate-based (throughput rule): the highest rung whose bitrate fits under the
// predicted throughput times a safety factor (dash.js ThroughputRule: 0.9).
//   preset=sabre: Sabre's ThroughputRule (UMass-LIDS/sabre, sabre.py,
//                 commit 09b03bb): its EWMA throughput and latency estimate,
//                 safety 0.9, the insufficient-buffer rule, and abandonment
//                 when a download would take over 1.8 segment times (after a
//                 0.5 s grace), after which it decides anew.
#include <fmt/format.h>

#include <optional>

#include "abr/builtin.hpp"
#include "abr/sabre_common.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

class RateBased final : public AbrController {
 public:
  RateBased(std::shared_ptr<const Manifest> manifest, std::unique_ptr<ThroughputPredictor> predictor,
            double safety, std::size_t start_rung)
      : manifest_(std::move(manifest)), predictor_(std::move(predictor)), safety_(safety), start_rung_(start_rung) {}
  void on_download(const DownloadReport& report) override { predictor_->observe(report); }
  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.rule = "throughput";
    d.reasons.buffer_s = state.buffer_s;
    const Prediction p = predictor_->predict();
    if (!p.valid) {
      d.rung = start_rung_;
      d.reasons.rule = "start";
      return d;
    }
    d.reasons.estimate_bps = p.estimate_bps;
    d.reasons.conservative_bps = p.conservative_bps;
    d.rung = highest_rung_below(*manifest_, p.estimate_bps * safety_);
    return d;
  }
  void reset() override { predictor_->reset(); }
  [[nodiscard]] std::string name() const override { return "rate"; }

 private:
  std::shared_ptr<const Manifest> manifest_;
  std::unique_ptr<ThroughputPredictor> predictor_;
  double safety_;
  std::size_t start_rung_;
};

// Sabre's ThroughputRule.
class SabreThroughputRule final : public AbrController {
 public:
  explicit SabreThroughputRule(std::shared_ptr<const Manifest> manifest)
      : manifest_(std::move(manifest)), estimator_(manifest_->segment_duration_s()) {}
  void on_download(const DownloadReport& report) override { estimator_.observe(report); }
  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.rule = "sabre_throughput";
    d.reasons.buffer_s = state.buffer_s;
    if (!estimator_.valid()) {
      d.reasons.rule = "start";
      return d;
    }
    d.reasons.estimate_bps = estimator_.throughput_bps();
    d.rung = decide_rung(state.buffer_s);
    return d;
  }
  // Sabre asks the rule again for the same segment after an abandonment;
  // the answer is the rung to fetch instead.
  std::size_t should_abandon(const DownloadProgress& progress) override {
    if (!estimator_.valid() || !check_abandon(progress)) return kNoRung;
    return decide_rung(progress.buffer_s);
  }
  void reset() override {
    estimator_.reset();
    ibr_safety_ = kSabreIbrSafetyInit;
  }
  [[nodiscard]] std::string name() const override { return "rate"; }
  // Sabre's rules abandon requests.
  [[nodiscard]] bool may_abandon() const override { return true; }

 private:
  static constexpr double kSafety = 0.9;
  static constexpr double kAbandonMultiplier = 1.8;
  static constexpr double kAbandonGraceS = 0.5;

  std::size_t decide_rung(double buffer_s) {
    std::size_t rung = sabre_quality_from_throughput(*manifest_, estimator_.throughput_bps() * kSafety,
                                                     estimator_.latency_s());
    rung = sabre_insufficient_buffer_cap(*manifest_, rung, ibr_safety_, buffer_s, estimator_);
    ibr_safety_ = std::max(ibr_safety_ * kSabreIbrSafetyInit, kSabreIbrSafetyFloor);
    return rung;
  }
  // Sabre's ThroughputRule.check_abandon: true when the request should go.
  [[nodiscard]] bool check_abandon(const DownloadProgress& p) const {
    const double transfer_s = p.elapsed_s - p.first_byte_s;
    // Sabre counts whole milliseconds, where the grace ends exactly on a
    // progress step; in seconds that sum can land a rounding error short.
    if (p.elapsed_s < kAbandonGraceS - 1e-9 || !(transfer_s > 0)) return false;
    const double received_bits = static_cast<double>(p.received_bytes) * 8.0;
    const double size_bits = static_cast<double>(p.size_bytes) * 8.0;
    const double tput_bps = received_bits / transfer_s;
    const double left_bits = size_bits - received_bits;
    if (!(tput_bps > 0) || p.elapsed_s + left_bits / tput_bps <= kAbandonMultiplier * manifest_->segment_duration_s()) {
      return false;
    }
    const std::size_t q = sabre_quality_from_throughput(*manifest_, tput_bps * kSafety, estimator_.latency_s());
    const double estimate_bits = size_bits * manifest_->bitrate_bps(q) / manifest_->bitrate_bps(p.rung);
    return q < p.rung && estimate_bits < left_bits;
  }

  std::shared_ptr<const Manifest> manifest_;
  SabreEstimator estimator_;
  double ibr_safety_ = kSabreIbrSafetyInit;
};

}  // namespace

std::unique_ptr<AbrController> make_rate_based(const BuildContext& context, const OptionMap& options) {
  const auto preset = options.get_string("preset", "");
  if (preset == "sabre") return std::make_unique<SabreThroughputRule>(context.shared_manifest());
  if (!preset.empty()) throw Error(fmt::format("{}: option preset='{}' is not sabre", options.owner(), preset));
  const double safety = ranged_option(options, "safety", 0.9, 0.01, 1.0);
  const auto start = rung_option(context.manifest(), options, "start_rung", 0);
  auto predictor = context.make_predictor(options.get_string("predictor", "harmonic"));
  return std::make_unique<RateBased>(context.shared_manifest(), std::move(predictor), safety, start);
}

}  // namespace streamopt::abr
