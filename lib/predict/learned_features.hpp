#pragma once
// The input of the learned throughput predictors (docs/learning.md
// "Predictors"): one row of features from the downloads a predictor has
// observed this session. The engine's predictors (gbdt, rf, mlp) compute it
// for inference and the trainers and `streamopt dataset build` for their
// tables, through this one function, so a model always sees what it was
// trained on. The target is the natural log of the next download's
// throughput in Mbit/s.

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "streamopt/types.hpp"

namespace streamopt::predict {

// Version of the predictor feature set; a model file records it and the
// engine refuses another (the columns' meaning would differ).
inline constexpr int kPredictorFeatureVersion = 1;
// Downloads the features look back over (the lags).
inline constexpr std::size_t kPredictorHistory = 8;

// The names of the feature columns, in order (recorded in model files and
// dataset headers).
const std::vector<std::string>& predictor_feature_names();
// Columns per row.
std::size_t predictor_feature_count();

// Writes predictor_feature_count() features of `history` (oldest first, the
// last kPredictorHistory usable downloads count) into `out` (resized).
// History must hold at least one usable download; Error otherwise.
void predictor_features(const std::deque<DownloadReport>& history, std::vector<float>& out);

// The training target of a download: ln(throughput / 1 Mbit/s).
double log_mbps(double throughput_bps);
// The inverse of log_mbps: bits per second.
double bps_from_log_mbps(double log_mbps);

}  // namespace streamopt::predict
