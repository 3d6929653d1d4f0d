#include "streamopt/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace streamopt::stats {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

double weighted_percentile_sorted(const std::vector<Weighted>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  double total = 0;
  for (const auto& s : sorted) total += s.weight;
  const double target = q * total;
  double cumulative = 0;
  for (const auto& s : sorted) {
    cumulative += s.weight;
    if (cumulative >= target) return s.value;
  }
  return sorted.back().value;
}

double weighted_percentile(std::vector<Weighted> samples, double q) {
  std::sort(samples.begin(), samples.end(), [](const Weighted& a, const Weighted& b) { return a.value < b.value; });
  return weighted_percentile_sorted(samples, q);
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

double coefficient_of_variation(const std::vector<double>& values) {
  const double m = mean(values);
  if (!(m != 0)) return kNaN;
  double var = 0;
  for (double v : values) var += (v - m) * (v - m);
  var /= static_cast<double>(values.size());
  return std::sqrt(var) / m;
}

double jain_index(const std::vector<double>& values) {
  double sum = 0, sum_sq = 0;
  for (double v : values) {
    sum += v;
    sum_sq += v * v;
  }
  return sum_sq > 0 ? sum * sum / (static_cast<double>(values.size()) * sum_sq) : kNaN;
}

}  // namespace streamopt::stats
