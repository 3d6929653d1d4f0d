// Sliding-window weighted percentile as in ExoPlayer's DefaultBandwidthMeter:
// each sample weighs sqrt(bytes); the oldest weight is trimmed beyond a cap;
// the estimate is the weighted median, the conservative one a lower percentile.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "predict/builtin.hpp"
#include "streamopt/stats.hpp"
#include "streamopt/error.hpp"

namespace streamopt::predict {
namespace {

class SlidingPercentile final : public ThroughputPredictor {
 public:
  SlidingPercentile(double max_weight, double percentile, double conservative_percentile)
      : max_weight_(max_weight),
        percentile_(percentile),
        conservative_percentile_(conservative_percentile) {}
  void observe(const DownloadReport& report) override {
    if (!report.usable_sample()) return;
    const double weight = std::sqrt(static_cast<double>(report.size_bytes));
    samples_.push_back({report.throughput_bps(), weight});
    total_weight_ += weight;
    while (total_weight_ > max_weight_ && samples_.size() > 1) {
      auto& oldest = samples_.front();
      const double excess = total_weight_ - max_weight_;
      if (oldest.weight <= excess) {
        total_weight_ -= oldest.weight;
        samples_.pop_front();
      } else {
        oldest.weight -= excess;
        total_weight_ -= excess;
      }
    }
  }
  [[nodiscard]] Prediction predict() const override {
    if (samples_.empty()) return {};
    std::vector<stats::Weighted> sorted(samples_.begin(), samples_.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const stats::Weighted& a, const stats::Weighted& b) { return a.value < b.value; });
    return {stats::weighted_percentile_sorted(sorted, percentile_),
            stats::weighted_percentile_sorted(sorted, conservative_percentile_), true};
  }
  void reset() override {
    samples_.clear();
    total_weight_ = 0;
  }
  [[nodiscard]] std::string name() const override { return "percentile"; }

 private:
  double max_weight_;
  double percentile_;
  double conservative_percentile_;
  std::deque<stats::Weighted> samples_;
  double total_weight_ = 0;
};

}  // namespace

std::unique_ptr<ThroughputPredictor> make_sliding_percentile(const BuildContext&, const OptionMap& options) {
  const double max_weight = options.get_double("max_weight", 2000.0);
  const double percentile = options.get_double("percentile", 0.5);
  const double conservative = options.get_double("conservative_percentile", 0.2);
  if (!(max_weight > 0)) throw Error(fmt::format("{}: option max_weight must be > 0", options.owner()));
  for (double p : {percentile, conservative}) {
    if (!(p >= 0 && p <= 1)) throw Error(fmt::format("{}: percentiles must be in [0, 1]", options.owner()));
  }
  if (conservative > percentile) {
    throw Error(fmt::format("{}: conservative_percentile must not exceed percentile", options.owner()));
  }
  return std::make_unique<SlidingPercentile>(max_weight, percentile, conservative);
}

}  // namespace streamopt::predict
