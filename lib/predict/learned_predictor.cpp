// The learned throughput predictors' shared part (learned_predictor.hpp).
#include "predict/learned_predictor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "model/model_path.hpp"
#include "predict/builtin.hpp"
#include "model/download_history.hpp"
#include "predict/learned_features.hpp"
#include "streamopt/error.hpp"

namespace streamopt::predict {

namespace {

std::string joined_feature_names() {
  std::string names;
  for (const auto& n : predictor_feature_names()) names += (names.empty() ? "" : ",") + n;
  return names;
}

class LearnedPredictor final : public ThroughputPredictor {
 public:
  LearnedPredictor(std::string name, LogRegressor regressor, std::size_t error_window)
      : name_(std::move(name)), regressor_(std::move(regressor)), error_window_(error_window) {}

  void observe(const DownloadReport& report) override {
    if (!report.usable_sample()) return;
    const double actual = report.throughput_bps();
    if (estimate_bps_ > 0)
      push_window(errors_, std::fabs(estimate_bps_ - actual) / actual, error_window_);
    history_.observe(report);
    predictor_features(history_.reports(), features_);
    const double estimate = bps_from_log_mbps(regressor_(features_));
    // A model is fitted on real throughputs; never let a wild output through.
    estimate_bps_ = std::isfinite(estimate) && estimate > 0 ? estimate : actual;
  }

  [[nodiscard]] Prediction predict() const override {
    if (estimate_bps_ <= 0) return {};
    const double max_error =
        errors_.empty() ? 0.0 : *std::max_element(errors_.begin(), errors_.end());
    return {estimate_bps_, estimate_bps_ / (1.0 + max_error), true};
  }

  void reset() override {
    history_.clear();
    errors_.clear();
    estimate_bps_ = 0;
  }

  [[nodiscard]] std::string name() const override { return name_; }

 private:
  std::string name_;
  LogRegressor regressor_;
  std::size_t error_window_;
  model::DownloadHistory history_{kPredictorHistory};
  std::vector<float> features_;
  std::deque<double> errors_;
  double estimate_bps_ = 0;  // for the next download; 0 before any sample
};

}  // namespace

void write_predictor_header(model::ModelFile& file, std::string_view algorithm, std::string_view kind) {
  file.set_text("kind", std::string(kind));
  file.set_text("algorithm", std::string(algorithm));
  file.set_text("feature_version", std::to_string(kPredictorFeatureVersion));
  file.set_text("features", joined_feature_names());
  file.set_text("target", "ln(next throughput / 1 Mbit/s)");
}

model::ModelFile load_predictor_model(const OptionMap& options, const std::string& algorithm,
                                      std::string_view kind) {
  const std::string path = options.get_string("model", "");
  model::ModelFile file = model::ModelFile::load(
      path.empty() ? model::find_shipped_model(algorithm + ".sopt", algorithm)
                   : std::filesystem::path(path));
  file.expect_kind(kind);
  if (file.text("algorithm") != algorithm) {
    throw Error(fmt::format("{}: model is a {} predictor, expected {}", file.source(),
                            file.text("algorithm"), algorithm));
  }
  if (file.count("feature_version") != static_cast<std::size_t>(kPredictorFeatureVersion) ||
      file.text("features") != joined_feature_names()) {
    throw Error(fmt::format(
        "{}: model's feature set (version {}) is not this build's (version {}); retrain it",
        file.source(), file.text("feature_version"), kPredictorFeatureVersion));
  }
  return file;
}

std::unique_ptr<ThroughputPredictor> make_learned_predictor(std::string name,
                                                            LogRegressor regressor,
                                                            std::size_t error_window) {
  return std::make_unique<LearnedPredictor>(std::move(name), std::move(regressor), error_window);
}

}  // namespace streamopt::predict
