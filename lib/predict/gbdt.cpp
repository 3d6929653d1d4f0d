// Gradient-boosted regression trees (Friedman 2001; trained with XGBoost,
// lib/learn/tree_trainer.cpp) on the learned-predictor features, evaluated
// here without XGBoost (model/tree_ensemble.hpp). Options: model=FILE
// (default: the shipped models/gbdt.sopt), error_window=5.
#include <memory>

#include "model/tree_ensemble.hpp"
#include "predict/builtin.hpp"
#include "predict/learned_features.hpp"
#include "predict/learned_predictor.hpp"

namespace streamopt::predict {

std::unique_ptr<ThroughputPredictor> make_gbdt(const BuildContext&, const OptionMap& options) {
  const auto file = load_predictor_model(options, "gbdt");
  auto trees =
      std::make_shared<const model::TreeEnsemble>(file, "trees", predictor_feature_count());
  return make_learned_predictor(
      "gbdt", [trees](std::span<const float> x) { return trees->predict(x); },
      window_option(options, "error_window", 5));
}

}  // namespace streamopt::predict
