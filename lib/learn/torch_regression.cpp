// The mlp and ttp predictors' trainers on LibTorch (torch_regression.hpp).
#include "learn/torch_regression.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "learn/torch_mlp.hpp"
#include "streamopt/error.hpp"

namespace streamopt::learn {

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

  const Normalisation norm(inputs);
  const torch::Tensor& normalised = norm.normalised;

  torch::nn::Sequential net = make_mlp(w, static_cast<std::int64_t>(options.hidden), 1);
  const EpochLosses losses =
      fit_epochs(net, n, options.epochs, options.batch, options.learning_rate, [&](const torch::Tensor& idx) {
        return torch::nn::functional::l1_loss(net->forward(normalised.index_select(0, idx)),
                                              targets.index_select(0, idx));
      });
  write_torch_mlp(file, "mlp", net, tensor_values(norm.mean), tensor_values(norm.scale));
  return RegressionFit{losses.first, losses.last};
}

RegressionFit fit_mlp_classifier(const std::vector<float>& x, const std::vector<std::int64_t>& labels,
                                 std::size_t columns, std::size_t classes, const RegressionFitOptions& options,
                                 model::ModelFile& file, const std::string& prefix) {
  if (columns == 0 || classes < 2 || labels.empty() || x.size() != labels.size() * columns) {
    throw Error(fmt::format("{} fit: {} values for {} rows of {} columns, {} classes", prefix, x.size(),
                            labels.size(), columns, classes));
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= static_cast<std::int64_t>(classes)) {
      throw Error(fmt::format("{} fit: row {} has class {} (expected 0..{})", prefix, i, labels[i], classes - 1));
    }
  }
  torch::manual_seed(options.seed);
  torch::set_num_threads(static_cast<int>(std::max(1u, options.threads)));
  const auto n = static_cast<std::int64_t>(labels.size());
  const torch::Tensor inputs =
      torch::from_blob(const_cast<float*>(x.data()), {n, static_cast<std::int64_t>(columns)}, torch::kFloat32).clone();
  const torch::Tensor targets = torch::from_blob(const_cast<std::int64_t*>(labels.data()), {n}, torch::kLong).clone();
  const Normalisation norm(inputs);
  torch::nn::Sequential net = make_mlp(static_cast<std::int64_t>(columns), static_cast<std::int64_t>(options.hidden),
                                       static_cast<std::int64_t>(classes));
  const EpochLosses losses =
      fit_epochs(net, n, options.epochs, options.batch, options.learning_rate, [&](const torch::Tensor& idx) {
        return torch::nn::functional::cross_entropy(net->forward(norm.normalised.index_select(0, idx)),
                                                    targets.index_select(0, idx));
      });
  write_torch_mlp(file, prefix, net, tensor_values(norm.mean), tensor_values(norm.scale));
  return RegressionFit{losses.first, losses.last};
}

}  // namespace streamopt::learn
