// Features of the learned throughput predictors (learned_features.hpp).
// Columns (kPredictorFeatureVersion 1), with lag 1 the most recent download:
//   log_tput_1..8     ln(throughput / 1 Mbit/s)
//   log_time_1..8     ln(download time / 1 s)
//   log_size_1..8     ln(size / 1 MB)
//     lags beyond the history repeat its oldest download (a short history
//     looks like a steady one; `count` tells the model how long it is)
//   count             usable downloads seen, capped at 8, divided by 8
//   gap_s             seconds between the end of the previous download and
//                     the start of the last one (the player's idle time; 0
//                     with one download)
//   log_hm5, log_hm8  ln of the harmonic mean of the last 5 / 8 throughputs
//   log_ewma_fast     EWMA of log throughput, weight 0.5 on the newest
//   log_ewma_slow     EWMA of log throughput, weight 0.2 on the newest
//   log_min8, log_max8, log_std8  min, max and standard deviation of the
//                     log throughputs of the last 8
#include "predict/learned_features.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt::predict {

namespace {

constexpr double kBitsPerMbit = 1e6;
constexpr double kBytesPerMb = 1e6;
constexpr std::size_t kShortWindow = 5;
constexpr double kFastEwmaWeight = 0.5;
constexpr double kSlowEwmaWeight = 0.2;

std::vector<std::string> make_names() {
  std::vector<std::string> names;
  for (const char* base : {"log_tput", "log_time", "log_size"}) {
    for (std::size_t lag = 1; lag <= kPredictorHistory; ++lag)
      names.push_back(fmt::format("{}_{}", base, lag));
  }
  for (const char* name : {"count", "gap_s", "log_hm5", "log_hm8", "log_ewma_fast", "log_ewma_slow",
                           "log_min8", "log_max8", "log_std8"}) {
    names.emplace_back(name);
  }
  return names;
}

// ln of the harmonic mean of the newest `window` throughputs.
double log_harmonic(const std::deque<DownloadReport>& history, std::size_t window) {
  const std::size_t n = std::min(window, history.size());
  double inverse_sum = 0;
  for (std::size_t i = history.size() - n; i < history.size(); ++i)
    inverse_sum += 1.0 / history[i].throughput_bps();
  return log_mbps(static_cast<double>(n) / inverse_sum);
}

}  // namespace

const std::vector<std::string>& predictor_feature_names() {
  static const std::vector<std::string> names = make_names();
  return names;
}

std::size_t predictor_feature_count() { return predictor_feature_names().size(); }

double log_mbps(double throughput_bps) { return std::log(throughput_bps / kBitsPerMbit); }

double bps_from_log_mbps(double log_mbps) { return std::exp(log_mbps) * kBitsPerMbit; }

void predictor_features(const std::deque<DownloadReport>& all, std::vector<float>& out) {
  // The newest kPredictorHistory usable downloads, oldest first.
  std::deque<DownloadReport> history;
  for (const auto& r : all) {
    if (!r.usable_sample()) continue;
    history.push_back(r);
    if (history.size() > kPredictorHistory) history.pop_front();
  }
  if (history.empty())
    throw Error("learned predictor features: the history holds no usable download");
  out.assign(predictor_feature_count(), 0.0F);
  const std::size_t n = history.size();
  std::size_t column = 0;
  auto lagged =
      [&](std::size_t lag) -> const DownloadReport& {  // lag 1 = newest; padded with the oldest
    return history[n - std::min(lag, n)];
  };
  for (std::size_t lag = 1; lag <= kPredictorHistory; ++lag) {
    out[column++] = static_cast<float>(log_mbps(lagged(lag).throughput_bps()));
  }
  for (std::size_t lag = 1; lag <= kPredictorHistory; ++lag) {
    out[column++] = static_cast<float>(std::log(lagged(lag).measured_time_s()));
  }
  for (std::size_t lag = 1; lag <= kPredictorHistory; ++lag) {
    out[column++] =
        static_cast<float>(std::log(static_cast<double>(lagged(lag).size_bytes) / kBytesPerMb));
  }
  out[column++] =
      static_cast<float>(static_cast<double>(n) / static_cast<double>(kPredictorHistory));
  out[column++] = n < 2 ? 0.0F
                        : static_cast<float>(std::max(
                              0.0, history[n - 1].start_time_s - history[n - 2].end_time_s()));
  out[column++] = static_cast<float>(log_harmonic(history, kShortWindow));
  out[column++] = static_cast<float>(log_harmonic(history, kPredictorHistory));
  double fast = 0, slow = 0, low = INFINITY, high = -INFINITY, sum = 0, sum_sq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = log_mbps(history[i].throughput_bps());
    fast = i == 0 ? x : kFastEwmaWeight * x + (1 - kFastEwmaWeight) * fast;
    slow = i == 0 ? x : kSlowEwmaWeight * x + (1 - kSlowEwmaWeight) * slow;
    low = std::min(low, x);
    high = std::max(high, x);
    sum += x;
    sum_sq += x * x;
  }
  const double mean = sum / static_cast<double>(n);
  out[column++] = static_cast<float>(fast);
  out[column++] = static_cast<float>(slow);
  out[column++] = static_cast<float>(low);
  out[column++] = static_cast<float>(high);
  out[column++] =
      static_cast<float>(std::sqrt(std::max(0.0, sum_sq / static_cast<double>(n) - mean * mean)));
}

}  // namespace streamopt::predict
