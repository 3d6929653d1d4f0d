// The mlp predictor's trainer on LibTorch (torch_regression.hpp).
#include "learn/torch_regression.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "model/mlp.hpp"
#include "streamopt/error.hpp"

namespace streamopt::learn {

namespace {

std::vector<float> flat(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous().to(torch::kFloat32);
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace

RegressionFit fit_mlp_regressor(const std::vector<float>& x, const std::vector<float>& y,
                                std::size_t columns, const RegressionFitOptions& options,
                                model::ModelFile& file) {
  if (columns == 0 || y.empty() || x.size() != y.size() * columns) {
    throw Error(
        fmt::format("mlp fit: {} values for {} rows of {} columns", x.size(), y.size(), columns));
  }
  torch::manual_seed(options.seed);
  torch::set_num_threads(static_cast<int>(std::max(1u, options.threads)));
  const auto n = static_cast<std::int64_t>(y.size());
  const auto w = static_cast<std::int64_t>(columns);
  const torch::Tensor inputs =
      torch::from_blob(const_cast<float*>(x.data()), {n, w}, torch::kFloat32).clone();
  const torch::Tensor targets =
      torch::from_blob(const_cast<float*>(y.data()), {n, 1}, torch::kFloat32).clone();

  // Normalisation from these (training) rows; constant columns pass through.
  const torch::Tensor mean = inputs.mean(0);
  const torch::Tensor stddev = inputs.std(0, /*unbiased=*/false);
  const torch::Tensor scale = torch::where(stddev > 1e-6, 1.0 / stddev, torch::ones_like(stddev));
  const torch::Tensor normalised = (inputs - mean) * scale;

  const auto hidden = static_cast<std::int64_t>(options.hidden);
  torch::nn::Sequential net(torch::nn::Linear(w, hidden), torch::nn::ReLU(),
                            torch::nn::Linear(hidden, hidden), torch::nn::ReLU(),
                            torch::nn::Linear(hidden, 1));
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(options.learning_rate));
  const auto batch = static_cast<std::int64_t>(options.batch);
  RegressionFit fit;
  for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, torch::kLong);
    double total = 0;
    for (std::int64_t start = 0; start < n; start += batch) {
      const torch::Tensor idx = order.slice(0, start, std::min(n, start + batch));
      const torch::Tensor loss = torch::nn::functional::l1_loss(
          net->forward(normalised.index_select(0, idx)), targets.index_select(0, idx));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      total += loss.item<double>() * static_cast<double>(idx.size(0));
    }
    const double mean_loss = total / static_cast<double>(n);
    if (epoch == 0) fit.loss_first = mean_loss;
    fit.loss_last = mean_loss;
  }

  std::vector<std::vector<float>> weights, biases;
  for (const std::size_t layer : {0u, 2u, 4u}) {
    auto* linear = net[layer]->as<torch::nn::Linear>();
    weights.push_back(flat(linear->weight));
    biases.push_back(flat(linear->bias));
  }
  model::write_mlp(file, "mlp", flat(mean), flat(scale), weights, biases);
  return fit;
}

}  // namespace streamopt::learn
