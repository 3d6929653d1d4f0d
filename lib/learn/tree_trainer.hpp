#pragma once
// Tree ensembles fitted with XGBoost's C API (libxgboost 1.7) and exported
// into the engine's tree layout (model/tree_ensemble.hpp), so a player runs
// them without XGBoost. Regression with squared error on row-major float
// rows.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/tree_ensemble.hpp"

namespace streamopt::learn {

// What to fit.
struct TreeFitOptions {
  bool random_forest =
      false;  // false: gradient boosting; true: one round of bagged trees (XGBoost's RF mode)
  std::size_t trees = 100;  // boosting rounds (gbdt) or parallel trees (rf)
  std::size_t max_depth = 5;
  double learning_rate = 0.1;  // gbdt only (rf uses 1)
  double subsample = 0.8;      // share of rows per tree
  double colsample = 0.8;      // share of columns: per tree (gbdt) or per split (rf)
  std::uint64_t seed = 1;
  unsigned threads = 1;
};

// A fitted ensemble.
struct TreeFit {
  model::TreeArrays trees;          // exported for the engine
  std::vector<double> gain;         // XGBoost's total gain per feature column
  std::vector<float> probe_output;  // XGBoost's own predictions of the probe rows
};

// Fits on `x` (rows x columns, row-major) and `y` (rows), exports the trees
// and predicts `probe` (any rows x columns) with XGBoost itself. Throws
// Error with XGBoost's message on failure, or on empty input.
TreeFit fit_trees(const std::vector<float>& x, const std::vector<float>& y, std::size_t columns,
                  const TreeFitOptions& options, const std::vector<float>& probe = {});

}  // namespace streamopt::learn
