#pragma once
// What the learned throughput predictors (gbdt, rf, mlp) share: the model
// file's header checks and the predictor around a regressor of the
// features (learned_features.hpp) to ln(next throughput / 1 Mbit/s).

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "model/model_file.hpp"
#include "streamopt/options.hpp"
#include "streamopt/predictor.hpp"

namespace streamopt::predict {

// The `kind` of every learned throughput predictor's model file.
inline constexpr std::string_view kPredictorModelKind = "throughput_predictor";
// The `kind` of a learned fetch-time predictor's model file (ttp).
inline constexpr std::string_view kFetchTimeModelKind = "fetch_time_predictor";

// Writes the header entries of a predictor model: `kind`, `algorithm`, the
// feature set version and names, the target.
void write_predictor_header(model::ModelFile& file, std::string_view algorithm,
                            std::string_view kind = kPredictorModelKind);

// The model of `algorithm` from option `model` (a path) or the shipped
// models/<algorithm>.sopt, its header checked: Error naming the file when
// the kind, algorithm, feature version or feature names differ.
model::ModelFile load_predictor_model(const OptionMap& options, const std::string& algorithm,
                                      std::string_view kind = kPredictorModelKind);

// Maps one feature row to ln(throughput / 1 Mbit/s).
using LogRegressor = std::function<double(std::span<const float>)>;

// A predictor over `regressor`: the estimate is exp(regressor(features)) in
// bit/s once a usable download was seen; the conservative estimate divides
// it by 1 + the largest relative error of its last `error_window`
// predictions (RobustMPC's discount, so it tightens when the model is off).
std::unique_ptr<ThroughputPredictor> make_learned_predictor(std::string name,
                                                            LogRegressor regressor,
                                                            std::size_t error_window);

}  // namespace streamopt::predict
