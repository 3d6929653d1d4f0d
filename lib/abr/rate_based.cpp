// Rate-based (throughput rule): the highest rung whose bitrate fits under the
// predicted throughput times a safety factor (dash.js ThroughputRule: 0.9).
#include "abr/builtin.hpp"
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

}  // namespace

std::unique_ptr<AbrController> make_rate_based(const BuildContext& context, const OptionMap& options) {
  const double safety = ranged_option(options, "safety", 0.9, 0.01, 1.0);
  const auto start = rung_option(context.manifest(), options, "start_rung", 0);
  auto predictor = context.make_predictor(options.get_string("predictor", "harmonic"));
  return std::make_unique<RateBased>(context.shared_manifest(), std::move(predictor), safety, start);
}

}  // namespace streamopt::abr
