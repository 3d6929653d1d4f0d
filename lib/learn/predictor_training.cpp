// Training the learned throughput predictors (learn.hpp train_predictor):
// the dataset's training split fits gbdt/rf (XGBoost, tree_trainer.hpp) or
// mlp (LibTorch, torch_regression.hpp); the validation split scores the
// model through the engine's own inference; the model file records the
// feature set, the command, the split sizes, the scores and the importance.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <thread>

#include "learn/torch_regression.hpp"
#include "learn/tree_trainer.hpp"
#include "model/mlp.hpp"
#include "model/tree_ensemble.hpp"
#include "predict/learned_features.hpp"
#include "predict/learned_predictor.hpp"
#include "streamopt/error.hpp"
#include "streamopt/learn.hpp"

namespace streamopt::learn {

namespace {

// Rows of one split.
struct Rows {
  std::vector<float> x, y;
};

Rows split_rows(const PredictorDataset& data, std::uint8_t split) {
  const std::size_t w = data.feature_names.size();
  Rows rows;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    if (data.split[r] != split) continue;
    rows.x.insert(rows.x.end(), data.features.begin() + static_cast<std::ptrdiff_t>(r * w),
                  data.features.begin() + static_cast<std::ptrdiff_t>((r + 1) * w));
    rows.y.push_back(data.target_log_mbps[r]);
  }
  return rows;
}

// Mean absolute error in bit/s of log-Mbit/s predictions.
double mae_bps(const std::vector<double>& predicted_log, const std::vector<float>& actual_log) {
  if (actual_log.empty()) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < actual_log.size(); ++i) {
    sum += std::fabs(predict::bps_from_log_mbps(predicted_log[i]) -
                     predict::bps_from_log_mbps(actual_log[i]));
  }
  return sum / static_cast<double>(actual_log.size());
}

// Mean squared error of log predictions.
double mse_log(const std::vector<double>& predicted_log, const std::vector<float>& actual_log) {
  double sum = 0;
  for (std::size_t i = 0; i < actual_log.size(); ++i)
    sum += std::pow(predicted_log[i] - actual_log[i], 2);
  return actual_log.empty() ? 0 : sum / static_cast<double>(actual_log.size());
}

using BatchModel = std::function<std::vector<double>(const std::vector<float>&)>;

// Each feature's importance as the rise of the validation MSE when its
// column is shuffled (seeded), as shares of the total rise.
std::vector<double> permutation_importance(const BatchModel& model, const Rows& val,
                                           std::size_t width, std::uint64_t seed) {
  const double base = mse_log(model(val.x), val.y);
  std::vector<double> rise(width, 0.0);
  std::mt19937_64 rng(seed);
  const std::size_t n = val.y.size();
  for (std::size_t c = 0; c < width; ++c) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<float> shuffled = val.x;
    for (std::size_t i = 0; i < n; ++i) shuffled[i * width + c] = val.x[order[i] * width + c];
    rise[c] = std::max(0.0, mse_log(model(shuffled), val.y) - base);
  }
  return rise;
}

std::vector<std::pair<std::string, double>> ranked_shares(const std::vector<std::string>& names,
                                                          const std::vector<double>& raw) {
  double total = 0;
  for (double v : raw) total += v;
  std::vector<std::pair<std::string, double>> ranked;
  for (std::size_t i = 0; i < names.size(); ++i)
    ranked.emplace_back(names[i], total > 0 ? raw[i] / total : 0.0);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return ranked;
}

}  // namespace

PredictorTrainResult train_predictor(const PredictorTrainOptions& options) {
  const std::string& algo = options.algorithm;
  if (algo != "gbdt" && algo != "rf" && algo != "mlp") {
    throw Error(fmt::format("train: unknown predictor algorithm '{}' (gbdt, rf or mlp)", algo));
  }
  const unsigned threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const PredictorDataset data = build_predictor_dataset(options.data);
  const std::size_t width = data.feature_names.size();
  const Rows train = split_rows(data, 0), val = split_rows(data, 1);
  if (train.y.empty())
    throw Error("train: the training split holds no row (more traces, or a lower --val-fraction)");

  model::ModelFile file;
  predict::write_predictor_header(file, algo);
  BatchModel batch;
  std::vector<double> raw_importance;
  if (algo == "mlp") {
    RegressionFitOptions fit_options;
    fit_options.hidden = options.hidden;
    fit_options.epochs = options.epochs;
    fit_options.seed = options.data.seed;
    fit_options.threads = threads;
    const RegressionFit fit = fit_mlp_regressor(train.x, train.y, width, fit_options, file);
    file.set_text("train_loss",
                  fmt::format("L1 of ln(Mbit/s): {:.4f} (first epoch) -> {:.4f} (last)",
                              fit.loss_first, fit.loss_last));
    auto mlp = std::make_shared<model::Mlp>(file, "mlp");
    batch = [mlp, width](const std::vector<float>& x) {
      const auto n = static_cast<Eigen::Index>(x.size() / width);
      model::Matrix in(n, static_cast<Eigen::Index>(width)), out;
      model::MlpScratch scratch;
      std::copy(x.begin(), x.end(), in.data());
      mlp->forward(in, out, scratch);
      return std::vector<double>(out.data(), out.data() + out.size());
    };
    raw_importance =
        permutation_importance(batch, val.y.empty() ? train : val, width, options.data.seed);
    file.set_text("importance_method",
                  "permutation: rise of the validation MSE of ln(Mbit/s), shares");
  } else {
    TreeFitOptions fit_options;
    fit_options.random_forest = algo == "rf";
    fit_options.trees = options.trees > 0 ? options.trees : (algo == "rf" ? 50 : 100);
    fit_options.max_depth = options.max_depth > 0 ? options.max_depth : (algo == "rf" ? 8 : 5);
    if (algo == "rf") {
      fit_options.subsample = 0.63;
      fit_options.colsample = 0.5;
    }
    fit_options.seed = options.data.seed;
    fit_options.threads = threads;
    const TreeFit fit = fit_trees(train.x, train.y, width, fit_options);
    model::write_trees(file, "trees", fit.trees);
    file.set_text(
        "trees_params",
        fmt::format("{} trees, max_depth {}, learning_rate {}, subsample {}, colsample {}",
                    fit_options.trees, fit_options.max_depth,
                    fit_options.random_forest ? 1.0 : fit_options.learning_rate,
                    fit_options.subsample, fit_options.colsample));
    auto trees = std::make_shared<model::TreeEnsemble>(file, "trees", width);
    batch = [trees, width](const std::vector<float>& x) {
      std::vector<double> out(x.size() / width);
      for (std::size_t r = 0; r < out.size(); ++r)
        out[r] = trees->predict({x.data() + r * width, width});
      return out;
    };
    raw_importance = fit.gain;
    file.set_text("importance_method", "XGBoost total gain per feature, shares");
  }

  PredictorTrainResult result;
  result.train_rows = train.y.size();
  result.val_rows = val.y.size();
  result.train_mae_bps = mae_bps(batch(train.x), train.y);
  result.val_mae_bps = mae_bps(batch(val.x), val.y);
  const auto hm_column = static_cast<std::size_t>(
      std::find(data.feature_names.begin(), data.feature_names.end(), "log_hm5") -
      data.feature_names.begin());
  std::vector<double> harmonic;
  for (std::size_t r = 0; r < val.y.size(); ++r) harmonic.push_back(val.x[r * width + hm_column]);
  result.val_harmonic_mae_bps = mae_bps(harmonic, val.y);
  result.importance = ranked_shares(data.feature_names, raw_importance);

  std::string importance;
  for (const auto& [name, share] : result.importance)
    importance += fmt::format("{}={:.4f}\n", name, share);
  file.set_text("importance", importance);
  file.set_text("command", options.command);
  file.set_text("seed", std::to_string(options.data.seed));
  file.set_text("rows", fmt::format("train {} val {}", result.train_rows, result.val_rows));
  file.set_text("val_mae_bps", fmt::format("{:.0f} (harmonic mean of 5: {:.0f})",
                                           result.val_mae_bps, result.val_harmonic_mae_bps));
  file.save(options.out);
  return result;
}

}  // namespace streamopt::learn
