// Harmonic mean of the last N samples (MPC, Yin et al. SIGCOMM 2015; N = 5).
#include "predict/builtin.hpp"

namespace streamopt::predict {
namespace {

class HarmonicMean final : public ThroughputPredictor {
 public:
  explicit HarmonicMean(std::size_t window) : window_(window) {}
  void observe(const DownloadReport& report) override {
    if (report.usable_sample()) push_window(samples_, report.throughput_bps(), window_);
  }
  [[nodiscard]] Prediction predict() const override {
    if (samples_.empty()) return {};
    double inverse_sum = 0;
    for (double s : samples_) inverse_sum += 1.0 / s;
    return {static_cast<double>(samples_.size()) / inverse_sum, window_min(samples_), true};
  }
  void reset() override { samples_.clear(); }
  [[nodiscard]] std::string name() const override { return "harmonic"; }

 private:
  std::size_t window_;
  std::deque<double> samples_;
};

}  // namespace

std::unique_ptr<ThroughputPredictor> make_harmonic_mean(const BuildContext&, const OptionMap& options) {
  return std::make_unique<HarmonicMean>(window_option(options, "window", 5));
}

}  // namespace streamopt::predict
