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

// Rows of one split. With `with_size` (ttp) each row also holds
// ln(size / 1 MB) of its download as a last column and `rate` the
// download's effective rate size x 8 / download time (bit/s).
struct Rows {
  std::vector<float> x, y;
  std::vector<double> rate_bps;
};

Rows split_rows(const PredictorDataset& data, std::uint8_t split, bool with_size) {
  const std::size_t w = data.feature_names.size();
  Rows rows;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    if (data.split[r] != split) continue;
    rows.x.insert(rows.x.end(), data.features.begin() + static_cast<std::ptrdiff_t>(r * w),
                  data.features.begin() + static_cast<std::ptrdiff_t>((r + 1) * w));
    if (with_size) rows.x.push_back(static_cast<float>(std::log(double(data.size_bytes[r]) / 1e6)));
    rows.y.push_back(data.target_log_mbps[r]);
    rows.rate_bps.push_back(double(data.size_bytes[r]) * 8.0 / double(data.download_s[r]));
  }
  return rows;
}

// The ttp's bins of effective rate (docs/learning.md "ttp"): 19 between
// 20 edges spaced geometrically from 0.1 to 50 Mbit/s, one below and one
// above; each bin's representative rate is the geometric middle of its
// edges (the outer ones half a step beyond the outer edges).
constexpr std::size_t kTtpBins = 21;
constexpr double kTtpLowestEdgeBps = 0.1e6;
constexpr double kTtpHighestEdgeBps = 50e6;

double ttp_step() { return std::pow(kTtpHighestEdgeBps / kTtpLowestEdgeBps, 1.0 / double(kTtpBins - 2)); }

std::vector<float> ttp_bin_rates_bps() {
  std::vector<float> rates;
  const double step = ttp_step();
  for (std::size_t j = 0; j < kTtpBins; ++j)
    rates.push_back(static_cast<float>(kTtpLowestEdgeBps * std::pow(step, double(j) - 0.5)));
  return rates;
}

std::int64_t ttp_bin(double rate_bps) {
  const double position = std::log(rate_bps / kTtpLowestEdgeBps) / std::log(ttp_step());
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(position)) + 1, 0, kTtpBins - 1);
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
  if (algo != "gbdt" && algo != "rf" && algo != "mlp" && algo != "ttp") {
    throw Error(fmt::format("train: unknown predictor algorithm '{}' (gbdt, rf, mlp or ttp)", algo));
  }
  const bool ttp = algo == "ttp";
  const unsigned threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const PredictorDataset data = build_predictor_dataset(options.data);
  std::vector<std::string> input_names = data.feature_names;
  if (ttp) input_names.emplace_back("log_size_mb");
  const std::size_t width = input_names.size();
  const Rows train = split_rows(data, 0, ttp), val = split_rows(data, 1, ttp);
  if (train.y.empty())
    throw Error("train: the training split holds no row (more traces, or a lower --val-fraction)");

  model::ModelFile file;
  predict::write_predictor_header(file, algo, ttp ? predict::kFetchTimeModelKind : predict::kPredictorModelKind);
  BatchModel batch;
  std::vector<double> raw_importance;
  double result_nll = 0;
  if (ttp) {
    RegressionFitOptions fit_options;
    fit_options.hidden = options.hidden;
    fit_options.epochs = options.epochs;
    fit_options.seed = options.data.seed;
    fit_options.threads = threads;
    std::vector<std::int64_t> labels;
    for (double rate : train.rate_bps) labels.push_back(ttp_bin(rate));
    const std::vector<float> rates = ttp_bin_rates_bps();
    const RegressionFit fit = fit_mlp_classifier(train.x, labels, width, kTtpBins, fit_options, file, "ttp");
    file.set_floats("bin_rate_bps", {static_cast<std::uint32_t>(kTtpBins)}, rates);
    file.set_text("target", "bin of the download's effective rate size x 8 / (request to last byte), 21 bins");
    file.set_text("inputs", "the features, then ln(candidate size / 1 MB)");
    file.set_text("train_loss", fmt::format("cross-entropy (nats): {:.4f} (first epoch) -> {:.4f} (last)",
                                            fit.loss_first, fit.loss_last));
    auto mlp = std::make_shared<model::Mlp>(file, "ttp");
    const auto logits = [mlp, width](const std::vector<float>& x) {
      const auto n = static_cast<Eigen::Index>(x.size() / width);
      model::Matrix in(n, static_cast<Eigen::Index>(width)), out;
      model::MlpScratch scratch;
      std::copy(x.begin(), x.end(), in.data());
      mlp->forward(in, out, scratch);
      return out;
    };
    // The point estimate a planner gets: the rate of the expected fetch
    // time, 1 / sum_j p_j / rate_j (any size).
    batch = [logits, rates](const std::vector<float>& x) {
      const model::Matrix out = logits(x);
      std::vector<double> log_rate(static_cast<std::size_t>(out.rows()));
      for (Eigen::Index r = 0; r < out.rows(); ++r) {
        const float top = out.row(r).maxCoeff();
        double sum = 0, inverse_rate = 0;
        for (Eigen::Index j = 0; j < out.cols(); ++j) {
          const double p = std::exp(double(out(r, j) - top));
          sum += p;
          inverse_rate += p / rates[static_cast<std::size_t>(j)];
        }
        log_rate[static_cast<std::size_t>(r)] = predict::log_mbps(sum / inverse_rate);
      }
      return log_rate;
    };
    const Rows& scored = val.y.empty() ? train : val;
    const model::Matrix out = logits(scored.x);
    double nll = 0;
    for (Eigen::Index r = 0; r < out.rows(); ++r) {
      const float top = out.row(r).maxCoeff();
      const double log_sum = std::log((out.row(r).array() - top).exp().sum()) + top;
      nll += log_sum - out(r, ttp_bin(scored.rate_bps[static_cast<std::size_t>(r)]));
    }
    result_nll = out.rows() > 0 ? nll / double(out.rows()) : 0;
    file.set_text("val_nll", fmt::format("{:.4f}", result_nll));
    raw_importance = permutation_importance(batch, scored, width, options.data.seed);
    file.set_text("importance_method", "permutation: rise of the validation MSE of the expected rate's ln(Mbit/s), shares");
  } else if (algo == "mlp") {
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
  result.repeated_traces = data.repeated_traces;
  result.val_nll = result_nll;
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
  result.importance = ranked_shares(input_names, raw_importance);

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
