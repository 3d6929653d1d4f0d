// Last-sample predictor: the next download runs at the last measured rate.
#include <fmt/format.h>

#include <algorithm>

#include "predict/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::predict {

double window_min(const std::deque<double>& samples) {
  return *std::min_element(samples.begin(), samples.end());
}

void push_window(std::deque<double>& samples, double value, std::size_t window) {
  samples.push_back(value);
  while (samples.size() > window) samples.pop_front();
}

std::size_t window_option(const OptionMap& options, const char* key, std::size_t fallback) {
  const auto value = options.get_int(key, static_cast<std::int64_t>(fallback));
  if (value < 1 || value > 10000) {
    throw Error(fmt::format("{}: option {} must be in 1..10000, got {}", options.owner(), key, value));
  }
  return static_cast<std::size_t>(value);
}

namespace {

// Conservative estimate: minimum of the last `kConservativeWindow` samples.
constexpr std::size_t kConservativeWindow = 5;

class LastSample final : public ThroughputPredictor {
 public:
  explicit LastSample(std::size_t window) : window_(window) {}
  void observe(const DownloadReport& report) override {
    if (report.usable_sample()) push_window(samples_, report.throughput_bps(), window_);
  }
  [[nodiscard]] Prediction predict() const override {
    if (samples_.empty()) return {};
    return {samples_.back(), window_min(samples_), true};
  }
  void reset() override { samples_.clear(); }
  [[nodiscard]] std::string name() const override { return "last"; }

 private:
  std::size_t window_;
  std::deque<double> samples_;
};

}  // namespace

std::unique_ptr<ThroughputPredictor> make_last_sample(const BuildContext&, const OptionMap& options) {
  return std::make_unique<LastSample>(window_option(options, "conservative_window", kConservativeWindow));
}

}  // namespace streamopt::predict
