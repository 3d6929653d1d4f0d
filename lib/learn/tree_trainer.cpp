// Tree ensembles with XGBoost (tree_trainer.hpp). The trees are read back
// from XGBoost's JSON model (XGBoosterSaveModelToBuffer, format "json"):
// per tree the arrays left_children, right_children, split_indices,
// split_conditions (the leaf value at a leaf), default_left and
// loss_changes (the split's gain), and learner_model_param.base_score.
#include "learn/tree_trainer.hpp"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <nlohmann/json.hpp>
#include <numeric>
#include <string>

#include "core/json_fields.hpp"
#include "streamopt/error.hpp"

namespace streamopt::learn {

namespace {

void check(int status, const char* what) {
  if (status != 0) throw Error(fmt::format("XGBoost: {}: {}", what, XGBGetLastError()));
}

// Owns a DMatrix handle.
struct Matrix {
  DMatrixHandle handle = nullptr;
  Matrix(const std::vector<float>& x, std::size_t columns) {
    check(XGDMatrixCreateFromMat(x.data(), x.size() / columns, columns, NAN, &handle),
          "creating a DMatrix");
  }
  ~Matrix() { XGDMatrixFree(handle); }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
};

// Owns a booster handle.
struct Booster {
  BoosterHandle handle = nullptr;
  explicit Booster(DMatrixHandle train) {
    check(XGBoosterCreate(&train, 1, &handle), "creating a booster");
  }
  ~Booster() { XGBoosterFree(handle); }
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  void set(const char* key, const std::string& value) {
    check(XGBoosterSetParam(handle, key, value.c_str()), key);
  }
};

// Appends the JSON model's trees to `fit` (node indices stay tree-local).
void export_trees(const nlohmann::json& model, std::size_t columns, TreeFit& fit) {
  const auto& learner = model.at("learner");
  fit.trees.base_score =
      std::stof(learner.at("learner_model_param").at("base_score").get<std::string>());
  fit.gain.assign(columns, 0.0);
  for (const auto& tree : learner.at("gradient_booster").at("model").at("trees")) {
    const auto& left = tree.at("left_children");
    const auto& right = tree.at("right_children");
    const auto& feature = tree.at("split_indices");
    const auto& value = tree.at("split_conditions");
    const auto& default_left = tree.at("default_left");
    const auto& gain = tree.at("loss_changes");
    for (std::size_t i = 0; i < left.size(); ++i) {
      const int l = left[i].get<int>();
      fit.trees.left.push_back(l);
      fit.trees.right.push_back(right[i].get<int>());
      fit.trees.feature.push_back(l < 0 ? 0 : feature[i].get<int>());
      const bool missing_left = default_left[i].is_boolean() ? default_left[i].get<bool>()
                                                             : default_left[i].get<int>() != 0;
      fit.trees.default_left.push_back(missing_left ? 1 : 0);
      fit.trees.value.push_back(value[i].get<float>());
      if (l >= 0)
        fit.gain.at(static_cast<std::size_t>(feature[i].get<int>())) += gain[i].get<double>();
    }
    fit.trees.offsets.push_back(static_cast<std::int32_t>(fit.trees.left.size()));
  }
}

}  // namespace

TreeFit fit_trees(const std::vector<float>& x, const std::vector<float>& y, std::size_t columns,
                  const TreeFitOptions& options, const std::vector<float>& probe) {
  if (columns == 0 || y.empty() || x.size() != y.size() * columns || probe.size() % columns != 0) {
    throw Error(
        fmt::format("tree fit: {} values for {} rows of {} columns", x.size(), y.size(), columns));
  }
  Matrix train(x, columns);
  check(XGDMatrixSetFloatInfo(train.handle, "label", y.data(), y.size()), "setting labels");
  Booster booster(train.handle);
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
  booster.set("objective", "reg:squarederror");
  booster.set("tree_method", "hist");
  booster.set("base_score", fmt::format("{}", mean));
  booster.set("max_depth", std::to_string(options.max_depth));
  booster.set("subsample", fmt::format("{}", options.subsample));
  booster.set("seed", std::to_string(options.seed));
  booster.set("nthread", std::to_string(options.threads));
  booster.set("verbosity", "0");
  std::size_t rounds = options.trees;
  if (options.random_forest) {
    booster.set("num_parallel_tree", std::to_string(options.trees));
    booster.set("learning_rate", "1");
    booster.set("colsample_bynode", fmt::format("{}", options.colsample));
    rounds = 1;
  } else {
    booster.set("learning_rate", fmt::format("{}", options.learning_rate));
    booster.set("colsample_bytree", fmt::format("{}", options.colsample));
  }
  for (std::size_t i = 0; i < rounds; ++i) {
    check(XGBoosterUpdateOneIter(booster.handle, static_cast<int>(i), train.handle), "boosting");
  }
  bst_ulong length = 0;
  const char* buffer = nullptr;
  check(XGBoosterSaveModelToBuffer(booster.handle, R"({"format": "json"})", &length, &buffer),
        "saving the model");
  TreeFit fit;
  export_trees(detail::parse_json(std::string_view(buffer, length), "XGBoost model"), columns, fit);
  if (!probe.empty()) {
    Matrix probe_matrix(probe, columns);
    bst_ulong n = 0;
    const float* out = nullptr;
    check(XGBoosterPredict(booster.handle, probe_matrix.handle, 0, 0, 0, &n, &out), "predicting");
    fit.probe_output.assign(out, out + n);
  }
  return fit;
}

}  // namespace streamopt::learn
