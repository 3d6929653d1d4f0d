#pragma once
// The learned predictors' LibTorch code, kept to this one translation unit:
// fitting the `mlp` predictor's regressor and the `ttp` predictor's
// classifier.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/model_file.hpp"

namespace streamopt::learn {

// How the regressor is fitted.
struct RegressionFitOptions {
  std::size_t hidden = 32;      // two hidden layers of this width
  std::size_t epochs = 60;      // passes over the training rows
  std::size_t batch = 256;      // rows per step
  double learning_rate = 1e-3;  // Adam
  std::uint64_t seed = 1;       // initial weights and batch order
  unsigned threads = 1;         // LibTorch intra-op threads
};

// What one fit reached (mean absolute error of the log target).
struct RegressionFit {
  double loss_first = 0;  // over the first epoch
  double loss_last = 0;   // over the last epoch
};

// Fits an MLP (ReLU, two hidden layers) from `x` (rows x columns,
// row-major) to `y` with the L1 loss, so that exp of its output is the
// conditional median (what minimises the absolute error in bit/s as well);
// inputs normalised with the mean and standard deviation of `x` (the
// training split). Writes it into `file` under the prefix "mlp"
// (model/mlp.hpp layout). Error on empty input.
RegressionFit fit_mlp_regressor(const std::vector<float>& x, const std::vector<float>& y,
                                std::size_t columns, const RegressionFitOptions& options,
                                model::ModelFile& file);

// Fits an MLP classifier from `x` (rows x columns, row-major) to `labels`
// (one class in [0, classes) per row) with softmax cross-entropy, inputs
// normalised as fit_mlp_regressor's; writes it under `prefix` (one logit
// per class). Returns the mean cross-entropy (nats) of the first and last
// epoch. Error on empty input or a label out of range.
RegressionFit fit_mlp_classifier(const std::vector<float>& x, const std::vector<std::int64_t>& labels,
                                 std::size_t columns, std::size_t classes, const RegressionFitOptions& options,
                                 model::ModelFile& file, const std::string& prefix);

}  // namespace streamopt::learn
