#pragma once
// What the learn component's LibTorch translation units share (include only
// from them: it includes torch): the MLP shape the engine runs
// (model/mlp.hpp: two ReLU hidden layers, a linear output), the seeded
// mini-batch Adam loop, and writing a trained MLP into a model file.

#include <torch/torch.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/mlp.hpp"
#include "model/model_file.hpp"
#include "streamopt/error.hpp"

namespace streamopt::learn {

// Mean training loss over the first and the last epoch.
struct EpochLosses {
  double first = 0;
  double last = 0;
};

// inputs -> hidden (ReLU) -> hidden (ReLU) -> outputs.
inline torch::nn::Sequential make_mlp(std::int64_t inputs, std::int64_t hidden, std::int64_t outputs) {
  return torch::nn::Sequential(torch::nn::Linear(inputs, hidden), torch::nn::ReLU(), torch::nn::Linear(hidden, hidden),
                               torch::nn::ReLU(), torch::nn::Linear(hidden, outputs));
}

// Input normalisation fitted on the training rows: (x - mean) * scale with
// scale = 1 / standard deviation; constant columns pass through.
struct Normalisation {
  torch::Tensor mean, scale, normalised;
  explicit Normalisation(const torch::Tensor& inputs)
      : mean(inputs.mean(0)),
        scale(torch::where(inputs.std(0, /*unbiased=*/false) > 1e-6, 1.0 / inputs.std(0, /*unbiased=*/false),
                           torch::ones({inputs.size(1)}))),
        normalised((inputs - mean) * scale) {}
};

// `epochs` passes of Adam over `items` items in random mini-batches of
// `batch` (torch's generator: seed it first); `batch_loss(indices)` returns
// the mean loss of those items.
template <class BatchLoss>
EpochLosses fit_epochs(torch::nn::Sequential& net, std::int64_t items, std::size_t epochs, std::size_t batch,
                       double learning_rate, const BatchLoss& batch_loss) {
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(learning_rate));
  const auto step = static_cast<std::int64_t>(std::max<std::size_t>(1, batch));
  EpochLosses losses;
  for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(items, torch::kLong);
    double total = 0;
    for (std::int64_t start = 0; start < items; start += step) {
      const torch::Tensor idx = order.slice(0, start, std::min(items, start + step));
      const torch::Tensor loss = batch_loss(idx);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      total += loss.item<double>() * static_cast<double>(idx.size(0));
    }
    const double mean = total / static_cast<double>(items);
    if (epoch == 0) losses.first = mean;
    losses.last = mean;
  }
  return losses;
}

// The values of a tensor, row-major, as float32.
inline std::vector<float> tensor_values(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous().to(torch::kFloat32);
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// Writes an MLP made by make_mlp under `prefix` (model/mlp.hpp layout) with
// its input normalisation.
inline void write_torch_mlp(model::ModelFile& file, const std::string& prefix, torch::nn::Sequential& net,
                            const std::vector<float>& input_mean, const std::vector<float>& input_scale) {
  std::vector<std::vector<float>> weights, biases;
  for (const std::size_t layer : {0u, 2u, 4u}) {
    auto* linear = net[layer]->as<torch::nn::Linear>();
    weights.push_back(tensor_values(linear->weight));
    biases.push_back(tensor_values(linear->bias));
  }
  model::write_mlp(file, prefix, input_mean, input_scale, weights, biases);
}

// Reads the MLP stored under `prefix` in `file` (checked as the engine
// checks it) into a net of make_mlp's shape, and its input normalisation
// into `input_mean` / `input_scale`. Error when the stored MLP has another
// shape (not two hidden layers of one width).
inline torch::nn::Sequential read_torch_mlp(const model::ModelFile& file, const std::string& prefix,
                                            std::vector<float>& input_mean, std::vector<float>& input_scale) {
  const model::Mlp checked(file, prefix);
  const auto& w0 = file.floats(prefix + ".layer0.weight");
  if (file.count(prefix + ".layers") != 3 || w0.shape.size() != 2 ||
      file.floats(prefix + ".layer1.weight").shape != std::vector<std::uint32_t>{w0.shape[0], w0.shape[0]}) {
    throw Error(file.source() + ": '" + prefix + "' is not an MLP with two hidden layers of one width");
  }
  torch::nn::Sequential net = make_mlp(static_cast<std::int64_t>(checked.input_size()),
                                       static_cast<std::int64_t>(w0.shape[0]),
                                       static_cast<std::int64_t>(checked.output_size()));
  torch::NoGradGuard no_grad;
  for (const std::size_t layer : {0u, 2u, 4u}) {
    auto* linear = net[layer]->as<torch::nn::Linear>();
    const std::string name = prefix + ".layer" + std::to_string(layer / 2);
    const auto& w = file.floats(name + ".weight");
    const auto& b = file.floats(name + ".bias");
    linear->weight.copy_(torch::from_blob(const_cast<float*>(w.values.data()), linear->weight.sizes(), torch::kFloat32));
    linear->bias.copy_(torch::from_blob(const_cast<float*>(b.values.data()), linear->bias.sizes(), torch::kFloat32));
  }
  input_mean = file.floats(prefix + ".input_mean").values;
  input_scale = file.floats(prefix + ".input_scale").values;
  return net;
}

}  // namespace streamopt::learn
