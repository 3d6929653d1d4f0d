// The mlp predictor's trainer on LibTorch (torch_regression.hpp).
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

  // Normalisation from these (training) rows; constant columns pass through.
  const torch::Tensor mean = inputs.mean(0);
  const torch::Tensor stddev = inputs.std(0, /*unbiased=*/false);
  const torch::Tensor scale = torch::where(stddev > 1e-6, 1.0 / stddev, torch::ones_like(stddev));
  const torch::Tensor normalised = (inputs - mean) * scale;

  torch::nn::Sequential net = make_mlp(w, static_cast<std::int64_t>(options.hidden), 1);
  const EpochLosses losses =
      fit_epochs(net, n, options.epochs, options.batch, options.learning_rate, [&](const torch::Tensor& idx) {
        return torch::nn::functional::l1_loss(net->forward(normalised.index_select(0, idx)),
                                              targets.index_select(0, idx));
      });
  write_torch_mlp(file, "mlp", net, tensor_values(mean), tensor_values(scale));
  return RegressionFit{losses.first, losses.last};
}

}  // namespace streamopt::learn
