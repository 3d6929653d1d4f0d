// Fetch-time (transmission-time) predictors: the seam a learned TTP such as
// Puffer's Fugu fills. Two simple ones ship:
// - `throughput`: a point mass at size x 8 / the estimate (or the
//   conservative estimate with `conservative=true`) of any throughput
//   predictor;
// - `empirical`: the last N usable throughput samples taken as equally
//   likely rates, so a segment's fetch time has N equally likely values
//   (the non-parametric distribution stochastic MPC takes the expectation
//   over: it weighs slow samples by the time they cost, where a mean
//   throughput would not).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "predict/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

double FetchTimeDistribution::expected_s() const {
  if (time_s.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (std::size_t i = 0; i < time_s.size(); ++i) sum += time_s[i] * probability[i];
  return sum;
}

double FetchTimeDistribution::quantile_s(double q) const {
  if (time_s.empty()) return std::numeric_limits<double>::quiet_NaN();
  double cumulative = 0;
  for (std::size_t i = 0; i < time_s.size(); ++i) {
    cumulative += probability[i];
    if (cumulative >= q) return time_s[i];
  }
  return time_s.back();
}

namespace predict {
namespace {

double fetch_s(std::uint64_t size_bytes, double rate_bps) { return static_cast<double>(size_bytes) * 8.0 / rate_bps; }

class FromThroughput final : public TransmissionTimePredictor {
 public:
  FromThroughput(std::unique_ptr<ThroughputPredictor> inner, bool conservative)
      : inner_(std::move(inner)), conservative_(conservative) {}
  void observe(const DownloadReport& report) override {
    inner_->observe(report);
    update_rate();
  }
  [[nodiscard]] bool ready() const override { return rate_bps_ > 0; }
  [[nodiscard]] FetchTimeDistribution predict(std::uint64_t size_bytes) const override {
    if (!ready()) return {};
    return {{fetch_s(size_bytes, rate_bps_)}, {1.0}};
  }
  [[nodiscard]] double expected_s(std::uint64_t size_bytes) const override {
    return ready() ? fetch_s(size_bytes, rate_bps_) : std::numeric_limits<double>::quiet_NaN();
  }
  void reset() override {
    inner_->reset();
    update_rate();
  }
  [[nodiscard]] std::string name() const override { return "throughput"; }

 private:
  // The inner prediction changes only with observe() and reset(): ask it
  // then, not once per candidate size of every plan.
  void update_rate() {
    const Prediction p = inner_->predict();
    rate_bps_ = p.valid ? (conservative_ ? p.conservative_bps : p.estimate_bps) : 0.0;
  }
  std::unique_ptr<ThroughputPredictor> inner_;
  bool conservative_;
  double rate_bps_ = 0;
};

class Empirical final : public TransmissionTimePredictor {
 public:
  explicit Empirical(std::size_t window) : window_(window) {}
  void observe(const DownloadReport& report) override {
    if (report.usable_sample()) push_window(rates_bps_, report.throughput_bps(), window_);
  }
  [[nodiscard]] bool ready() const override { return !rates_bps_.empty(); }
  [[nodiscard]] FetchTimeDistribution predict(std::uint64_t size_bytes) const override {
    FetchTimeDistribution d;
    for (double rate : rates_bps_) d.time_s.push_back(fetch_s(size_bytes, rate));
    std::sort(d.time_s.begin(), d.time_s.end());
    d.probability.assign(d.time_s.size(), 1.0 / static_cast<double>(d.time_s.size()));
    return d;
  }
  [[nodiscard]] double expected_s(std::uint64_t size_bytes) const override {
    if (rates_bps_.empty()) return std::numeric_limits<double>::quiet_NaN();
    double sum = 0;
    for (double rate : rates_bps_) sum += fetch_s(size_bytes, rate);
    return sum / static_cast<double>(rates_bps_.size());
  }
  void reset() override { rates_bps_.clear(); }
  [[nodiscard]] std::string name() const override { return "empirical"; }

 private:
  std::size_t window_;
  std::deque<double> rates_bps_;
};

}  // namespace

std::unique_ptr<TransmissionTimePredictor> make_fetch_time_from_throughput(const BuildContext& context,
                                                                          const OptionMap& options) {
  const bool conservative = options.get_bool("conservative", false);
  return std::make_unique<FromThroughput>(context.make_predictor(options.get_string("predictor", "harmonic")),
                                          conservative);
}

std::unique_ptr<TransmissionTimePredictor> make_empirical_fetch_time(const BuildContext&, const OptionMap& options) {
  return std::make_unique<Empirical>(window_option(options, "window", 8));
}

}  // namespace predict
}  // namespace streamopt
