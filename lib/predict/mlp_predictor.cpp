// A multilayer perceptron regressor (trained with LibTorch,
// lib/learn/torch_regression.cpp) on the learned-predictor features, run with
// Eigen (model/mlp.hpp); its input normalisation, fitted on the training
// split, is part of the model. Options: model=FILE (default: the shipped
// models/mlp.sopt), error_window=5.
#include <fmt/format.h>

#include <memory>

#include "model/mlp.hpp"
#include "predict/builtin.hpp"
#include "predict/learned_features.hpp"
#include "predict/learned_predictor.hpp"
#include "streamopt/error.hpp"

namespace streamopt::predict {

namespace {

// One row in, one ln-Mbit/s value out (the matrices are reused per call).
class MlpRegressor {
 public:
  explicit MlpRegressor(std::shared_ptr<const model::Mlp> mlp)
      : mlp_(std::move(mlp)), input_(1, mlp_->input_size()) {}
  double operator()(std::span<const float> x) {
    for (std::size_t i = 0; i < x.size(); ++i) input_(0, static_cast<Eigen::Index>(i)) = x[i];
    mlp_->forward(input_, output_, scratch_);
    return output_(0, 0);
  }

 private:
  std::shared_ptr<const model::Mlp> mlp_;
  model::Matrix input_, output_;
  model::MlpScratch scratch_;  // per session: the model is shared
};

}  // namespace

std::unique_ptr<ThroughputPredictor> make_mlp_predictor(const BuildContext&,
                                                        const OptionMap& options) {
  const auto file = load_predictor_model(options, "mlp");
  auto mlp = std::make_shared<const model::Mlp>(file, "mlp");
  if (mlp->input_size() != predictor_feature_count() || mlp->output_size() != 1) {
    throw Error(fmt::format("{}: the mlp must map {} features to 1 output (it maps {} to {})",
                            file.source(), predictor_feature_count(), mlp->input_size(),
                            mlp->output_size()));
  }
  return make_learned_predictor("mlp", MlpRegressor(std::move(mlp)),
                                window_option(options, "error_window", 5));
}

}  // namespace streamopt::predict
