// RobustMPC's discount (Yin et al., SIGCOMM 2015): the conservative estimate
// is the inner estimate divided by 1 + the largest relative prediction error
// of the last N (5) downloads. With carry_history, reset() keeps the error
// history and the last estimate, as Pensieve's mpc.py does across traces.
#include <algorithm>
#include <cmath>

#include "predict/builtin.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::predict {
namespace {

class Robust final : public ThroughputPredictor {
 public:
  Robust(std::unique_ptr<ThroughputPredictor> inner, std::size_t window, bool carry_history)
      : inner_(std::move(inner)), window_(window), carry_history_(carry_history) {}
  void observe(const DownloadReport& report) override {
    if (!report.usable_sample()) return;
    const double actual = report.throughput_bps();
    // As the reference: the first sample's error is 0 (nothing was predicted).
    const double error = last_estimate_bps_ > 0 ? std::fabs(last_estimate_bps_ - actual) / actual : 0.0;
    push_window(errors_, error, window_);
    inner_->observe(report);
    last_estimate_bps_ = inner_->predict().estimate_bps;
  }
  [[nodiscard]] Prediction predict() const override {
    Prediction p = inner_->predict();
    if (!p.valid) return p;
    const double max_error = errors_.empty() ? 0.0 : *std::max_element(errors_.begin(), errors_.end());
    p.conservative_bps = p.estimate_bps / (1.0 + max_error);
    return p;
  }
  void reset() override {
    inner_->reset();
    if (!carry_history_) {
      errors_.clear();
      last_estimate_bps_ = 0;
    }
  }
  [[nodiscard]] std::string name() const override { return "robust"; }

 private:
  std::unique_ptr<ThroughputPredictor> inner_;
  std::size_t window_;
  bool carry_history_;
  std::deque<double> errors_;
  double last_estimate_bps_ = 0;  // inner estimate after the latest sample
};

}  // namespace

std::unique_ptr<ThroughputPredictor> make_robust_around(std::unique_ptr<ThroughputPredictor> inner,
                                                       std::size_t error_window, bool carry_history) {
  return std::make_unique<Robust>(std::move(inner), error_window, carry_history);
}

std::unique_ptr<ThroughputPredictor> make_robust(const BuildContext& context, const OptionMap& options) {
  const auto window = window_option(options, "error_window", 5);
  const bool carry = options.get_bool("carry_history", false);
  return make_robust_around(context.make_predictor(options.get_string("inner", "harmonic")), window, carry);
}

}  // namespace streamopt::predict
