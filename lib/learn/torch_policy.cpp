// LibTorch: fitting the rung policies' head and its reference forward pass
// (see torch_policy.hpp); one of the two LibTorch translation units (with torch_regression.cpp).
#include "learn/torch_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "learn/torch_mlp.hpp"
#include "model/rung_features.hpp"
#include "streamopt/error.hpp"

namespace streamopt::learn {

PolicyFit fit_rung_policy(const RungDataset& data, const PolicyFitOptions& options, model::ModelFile& file) {
  if (data.size() == 0) throw Error("imitation: no labelled decisions to learn from");
  const std::size_t width = model::rung_feature_count();
  torch::manual_seed(options.seed);
  torch::set_num_threads(static_cast<int>(std::max(1u, options.threads)));

  const auto rows = static_cast<std::int64_t>(data.features.size() / width);
  const Normalisation norm(
      torch::from_blob(const_cast<float*>(data.features.data()), {rows, static_cast<std::int64_t>(width)},
                       torch::kFloat32));
  const std::vector<float> mean = tensor_values(norm.mean), scale = tensor_values(norm.scale);

  // Decisions padded to the widest ladder, with a mask of the real rungs.
  const auto n = static_cast<std::int64_t>(data.size());
  const std::int64_t max_rungs = *std::max_element(data.rungs.begin(), data.rungs.end());
  const auto w = static_cast<std::int64_t>(width);
  torch::Tensor x = torch::zeros({n, max_rungs, w});
  torch::Tensor mask = torch::zeros({n, max_rungs}, torch::kBool);
  torch::Tensor y = torch::zeros({n, max_rungs});  // the expert's probabilities
  {
    auto xa = x.accessor<float, 3>();
    auto ma = mask.accessor<bool, 2>();
    auto ya = y.accessor<float, 2>();
    for (std::int64_t i = 0; i < n; ++i) {
      const std::size_t first = data.first_row[static_cast<std::size_t>(i)];
      for (std::int64_t r = 0; r < data.rungs[static_cast<std::size_t>(i)]; ++r) {
        ma[i][r] = true;
        ya[i][r] = data.target[first + static_cast<std::size_t>(r)];
        for (std::int64_t c = 0; c < w; ++c) {
          const std::size_t cc = static_cast<std::size_t>(c);
          xa[i][r][c] = (data.features[(first + static_cast<std::size_t>(r)) * width + cc] - mean[cc]) * scale[cc];
        }
      }
    }
  }

  torch::nn::Sequential net = make_mlp(w, static_cast<std::int64_t>(options.hidden), 1);
  const EpochLosses losses =
      fit_epochs(net, n, options.epochs, options.batch, options.learning_rate, [&](const torch::Tensor& idx) {
        const torch::Tensor logits =
            net->forward(x.index_select(0, idx)).squeeze(-1).masked_fill(mask.index_select(0, idx).logical_not(), -1e9);
        // Cross-entropy against the expert's soft targets (padding rungs have
        // target 0 and a -1e9 logit, so they add nothing).
        return -(y.index_select(0, idx) * torch::log_softmax(logits, -1)).sum(-1).mean();
      });
  write_torch_mlp(file, "head", net, mean, scale);
  return PolicyFit{losses.first, losses.last};
}

std::vector<float> torch_mlp_forward(const model::ModelFile& file, const std::string& prefix,
                                     const std::vector<float>& rows, std::size_t width) {
  const auto n = static_cast<std::int64_t>(rows.size() / width);
  const auto tensor = [](const model::FloatTensor& t) {
    std::vector<std::int64_t> shape(t.shape.begin(), t.shape.end());
    return torch::from_blob(const_cast<float*>(t.values.data()), shape, torch::kFloat32).clone();
  };
  torch::NoGradGuard no_grad;
  torch::Tensor h = torch::from_blob(const_cast<float*>(rows.data()), {n, static_cast<std::int64_t>(width)},
                                     torch::kFloat32)
                        .clone();
  h = (h - tensor(file.floats(prefix + ".input_mean"))) * tensor(file.floats(prefix + ".input_scale"));
  const std::size_t layers = file.count(prefix + ".layers");
  for (std::size_t i = 0; i < layers; ++i) {
    h = torch::nn::functional::linear(h, tensor(file.floats(fmt::format("{}.layer{}.weight", prefix, i))),
                                      tensor(file.floats(fmt::format("{}.layer{}.bias", prefix, i))));
    if (i + 1 < layers) h = torch::relu(h);
  }
  return tensor_values(h);
}

}  // namespace streamopt::learn
