// Sliding-window weighted percentile as in ExoPlayer's DefaultBandwidthMeter:
// each sample weighs sqrt(bytes); the oldest weight is trimmed beyond a cap;
// the estimate is the weighted median, the conservative one a lower percentile.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "predict/builtin.hpp"
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
    if (report.download_time_s <= 0 || report.size_bytes == 0) return;
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
    std::vector<Sample> sorted(samples_.begin(), samples_.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const Sample& a, const Sample& b) { return a.value < b.value; });
    return {at(sorted, percentile_), at(sorted, conservative_percentile_), true};
  }
  void reset() override {
    samples_.clear();
    total_weight_ = 0;
  }
  [[nodiscard]] std::string name() const override { return "percentile"; }

 private:
  struct Sample {
    double value;
    double weight;
  };
  [[nodiscard]] double at(const std::vector<Sample>& sorted, double percentile) const {
    const double target = percentile * total_weight_;
    double cumulative = 0;
    for (const auto& s : sorted) {
      cumulative += s.weight;
      if (cumulative >= target) return s.value;
    }
    return sorted.back().value;
  }
  double max_weight_;
  double percentile_;
  double conservative_percentile_;
  std::deque<Sample> samples_;
  double total_weight_ = 0;
};

}  // namespace

std::unique_ptr<ThroughputPredictor> make_sliding_percentile(const OptionMap& options) {
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
