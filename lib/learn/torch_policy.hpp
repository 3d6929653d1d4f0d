#pragma once
// The rung policies' LibTorch code, in one of the learn component's two
// LibTorch translation units (each including torch/torch.h compiles for
// ~30 s; the other is torch_regression.cpp): fitting the policies' MLP head,
// and LibTorch's own forward pass of a model file's MLP (the tests check the
// engine's Eigen inference against it).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "learn/rung_dataset.hpp"
#include "model/model_file.hpp"

namespace streamopt::learn {

// How the head is fitted.
struct PolicyFitOptions {
  std::size_t hidden = 64;      // two hidden layers of this width
  std::size_t epochs = 40;      // passes over the data
  std::size_t batch = 256;      // decisions per step
  double learning_rate = 1e-3;  // Adam
  std::uint64_t seed = 1;       // initial weights and batch order
  unsigned threads = 1;         // LibTorch intra-op threads
};

// What one fit reached.
struct PolicyFit {
  double loss_first = 0;  // mean cross-entropy over the first epoch
  double loss_last = 0;   // over the last epoch
};

// Fits a head scoring each rung's row so that the expert's rung wins
// (softmax cross-entropy over each decision's rungs against the expert's
// probabilities, RungDataset::target; inputs normalised with
// the data's mean and standard deviation) and writes it into `file` under
// the prefix "head" (model/mlp.hpp layout). Error on an empty dataset.
PolicyFit fit_rung_policy(const RungDataset& data, const PolicyFitOptions& options, model::ModelFile& file);

// LibTorch's forward pass of the MLP stored under `prefix` in `file` over
// `rows` (row-major, `width` wide): one output row per input row.
std::vector<float> torch_mlp_forward(const model::ModelFile& file, const std::string& prefix,
                                     const std::vector<float>& rows, std::size_t width);

}  // namespace streamopt::learn
