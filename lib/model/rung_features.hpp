#pragma once
// The observation of the learned rung policies (docs/learning.md
// "Features"): one row of features per rung of the next segment, so that one
// shared head scores ladders of any size (2 to 16 rungs) and any segment
// duration. The engine's controllers compute it for inference and the
// trainers for their datasets, through this one function.

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "model/download_history.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/types.hpp"

namespace streamopt::model {

// Version of the feature set; a model records it and the engine refuses
// another (the features' meaning would differ).
inline constexpr int kRungFeatureVersion = 1;
// Downloads the features look back over.
inline constexpr std::size_t kFeatureHistory = 8;
// Segments the per-rung value features look ahead.
inline constexpr std::size_t kFeatureLookahead = 5;
// Rungs a learned policy accepts.
inline constexpr std::size_t kMinPolicyRungs = 2;
inline constexpr std::size_t kMaxPolicyRungs = 16;

// The names of the features of one row, in order (recorded in model files).
const std::vector<std::string>& rung_feature_names();
// Features per row.
std::size_t rung_feature_count();

// Writes rung_count x rung_feature_count() features, row-major, into `out`
// (resized). `qoe` is the session's QoE model (the value features use it);
// `history` holds the session's last kFeatureHistory downloads.
void rung_features(const PlayerState& state, const Manifest& manifest, const QoeModel& qoe,
                   const DownloadHistory& history, std::vector<float>& out);

}  // namespace streamopt::model
