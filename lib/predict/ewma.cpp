// Dual EWMA as in dash.js and Shaka: fast and slow averages weighted by
// download time, with zero-bias correction; the estimate is their minimum.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "predict/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::predict {
namespace {

// Accepted half-lives, seconds (1 ms to about 2.8 hours).
constexpr double kMinHalfLifeS = 1e-3;
constexpr double kMaxHalfLifeS = 1e4;

class Ewma final : public ThroughputPredictor {
 public:
  Ewma(double fast_half_life_s, double slow_half_life_s, double safety)
      : fast_half_life_s_(fast_half_life_s), slow_half_life_s_(slow_half_life_s), safety_(safety) {}
  void observe(const DownloadReport& report) override {
    if (!report.usable_sample()) return;
    const double sample = report.throughput_bps();
    const double weight_s = report.download_time_s;
    update(fast_, fast_half_life_s_, sample, weight_s);
    update(slow_, slow_half_life_s_, sample, weight_s);
    total_weight_s_ += weight_s;
  }
  [[nodiscard]] Prediction predict() const override {
    if (total_weight_s_ <= 0) return {};
    const double estimate =
        std::min(corrected(fast_, fast_half_life_s_), corrected(slow_, slow_half_life_s_));
    if (!(std::isfinite(estimate) && estimate > 0)) return {};
    return {estimate, estimate * safety_, true};
  }
  void reset() override { fast_ = slow_ = total_weight_s_ = 0; }
  [[nodiscard]] std::string name() const override { return "ewma"; }

 private:
  static void update(double& average, double half_life_s, double sample, double weight_s) {
    const double alpha = std::pow(0.5, weight_s / half_life_s);
    average = alpha * average + (1.0 - alpha) * sample;
  }
  [[nodiscard]] double corrected(double average, double half_life_s) const {
    // The average started at 0; divide by the weight it has accumulated.
    return average / (1.0 - std::pow(0.5, total_weight_s_ / half_life_s));
  }
  double fast_half_life_s_;
  double slow_half_life_s_;
  double safety_;
  double fast_ = 0;
  double slow_ = 0;
  double total_weight_s_ = 0;
};

}  // namespace

std::unique_ptr<ThroughputPredictor> make_ewma(const BuildContext&, const OptionMap& options) {
  const double fast = options.get_double("fast_half_life_s", 3.0);
  const double slow = options.get_double("slow_half_life_s", 8.0);
  const double safety = options.get_double("safety", 0.9);
  // Beyond these a sample's weight against the half-life rounds to nothing
  // (0.5^(w/h) == 1 in double) and the bias correction divides 0 by 0.
  for (double half_life_s : {fast, slow}) {
    if (!(half_life_s >= kMinHalfLifeS && half_life_s <= kMaxHalfLifeS)) {
      throw Error(fmt::format("{}: half-lives must be in [{:g}, {:g}] s, got {}", options.owner(), kMinHalfLifeS,
                              kMaxHalfLifeS, half_life_s));
    }
  }
  if (!(safety > 0 && safety <= 1)) throw Error(fmt::format("{}: option safety must be in (0, 1]", options.owner()));
  return std::make_unique<Ewma>(fast, slow, safety);
}

}  // namespace streamopt::predict
