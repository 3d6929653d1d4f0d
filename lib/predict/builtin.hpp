#pragma once
// Factories of the built-in predictors, registered in lib/builtin.cpp.

#include <deque>
#include <memory>

#include "streamopt/options.hpp"
#include "streamopt/predictor.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::predict {

std::unique_ptr<ThroughputPredictor> make_last_sample(const BuildContext& context, const OptionMap& options);
std::unique_ptr<ThroughputPredictor> make_harmonic_mean(const BuildContext& context, const OptionMap& options);
std::unique_ptr<ThroughputPredictor> make_ewma(const BuildContext& context, const OptionMap& options);
std::unique_ptr<ThroughputPredictor> make_sliding_percentile(const BuildContext& context, const OptionMap& options);
// Fetch-time predictors: `throughput` (a point mass from any throughput
// predictor) and `empirical` (the last N throughput samples, equally likely).
std::unique_ptr<TransmissionTimePredictor> make_fetch_time_from_throughput(const BuildContext& context,
                                                                          const OptionMap& options);
std::unique_ptr<TransmissionTimePredictor> make_empirical_fetch_time(const BuildContext& context,
                                                                    const OptionMap& options);
// The learned Fugu-style transmission-time predictor (model=FILE, shipped ttp.sopt).
std::unique_ptr<TransmissionTimePredictor> make_ttp(const BuildContext& context, const OptionMap& options);
// `robust` wraps the predictor named by option `inner` (default harmonic).
std::unique_ptr<ThroughputPredictor> make_robust(const BuildContext& context, const OptionMap& options);

// Learned predictors (docs/learning.md "Predictors"): model=FILE or the
// shipped models/<name>.sopt.
std::unique_ptr<ThroughputPredictor> make_gbdt(const BuildContext& context, const OptionMap& options);
std::unique_ptr<ThroughputPredictor> make_rf(const BuildContext& context, const OptionMap& options);
std::unique_ptr<ThroughputPredictor> make_mlp_predictor(const BuildContext& context, const OptionMap& options);

// Robust wrapper around any predictor, exposed for RobustMPC.
std::unique_ptr<ThroughputPredictor> make_robust_around(std::unique_ptr<ThroughputPredictor> inner,
                                                       std::size_t error_window, bool carry_history);

// Minimum of the last `window` throughput samples (the conservative estimate
// of the window predictors).
double window_min(const std::deque<double>& samples);

// Pushes a sample and drops the oldest beyond `window`.
void push_window(std::deque<double>& samples, double value, std::size_t window);

// Reads a positive window size option.
std::size_t window_option(const OptionMap& options, const char* key, std::size_t fallback);

}  // namespace streamopt::predict
