#pragma once
/// \file stats.hpp
/// Summary statistics used across streamopt: percentiles (plain and
/// weighted), means, coefficient of variation and Jain's fairness index.
/// One home, so every table computes them the same way.

#include <vector>

namespace streamopt::stats {

/// The q-quantile (q in [0, 1]) with linear interpolation between the closest
/// ranks (numpy's default). NaN for an empty input.
double percentile(std::vector<double> values, double q);

/// One value with its weight (e.g. a throughput sample weighted by bytes or
/// a trace interval weighted by its length).
struct Weighted {
  double value;   ///< the sample
  double weight;  ///< its weight (>= 0)
};

/// The smallest value whose cumulative weight, in ascending value order,
/// reaches q x the total weight (q in [0, 1]); `sorted` must be sorted by
/// value. NaN for an empty input. ExoPlayer's SlidingPercentile rule.
double weighted_percentile_sorted(const std::vector<Weighted>& sorted, double q);

/// As above on unsorted samples.
double weighted_percentile(std::vector<Weighted> samples, double q);

/// Arithmetic mean; NaN for an empty input.
double mean(const std::vector<double>& values);

/// Population standard deviation / mean; NaN when empty or the mean is 0.
double coefficient_of_variation(const std::vector<double>& values);

/// Jain's fairness index (sum x)^2 / (n sum x^2); NaN when empty or all 0.
double jain_index(const std::vector<double>& values);

}  // namespace streamopt::stats
