// `ttp`: a learned transmission-time predictor in the style of Puffer's Fugu
// (Yan et al., NSDI 2020): for a candidate segment size, a distribution over
// its fetch time (request to last byte) in 21 bins, from an MLP trained with
// cross-entropy (lib/learn/torch_regression.cpp) and run here with Eigen.
//
// Input: the learned predictors' features of the downloads observed so far
// (learned_features.hpp) plus ln(size / 1 MB) of the candidate. Output: a
// softmax over bins of the fetch's effective rate size x 8 / time; the
// model file stores each bin's representative rate (`bin_rate_bps`), so bin
// j means a fetch time of size x 8 / bin_rate_bps[j]. Bins of rate rather
// than of seconds keep one set of bins right for a 100 kB and a 10 MB
// segment; with the size as an input the model still learns what size does
// to the rate (round trips dominate small fetches). Fugu's inputs also hold
// the connection's tcp_info, which a player does not see; streamopt's hold
// only what a player measures.
//
// Options: model=FILE (default: the shipped models/ttp.sopt).
#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "model/download_history.hpp"
#include "model/mlp.hpp"
#include "predict/builtin.hpp"
#include "predict/learned_features.hpp"
#include "predict/learned_predictor.hpp"
#include "streamopt/error.hpp"

namespace streamopt::predict {

namespace {

// The loaded model (the MLP is shared; each session has its own scratch).
struct TtpModel {
  std::shared_ptr<const model::Mlp> mlp;
  std::vector<double> bin_rate_bps;
};

class Ttp final : public TransmissionTimePredictor {
 public:
  explicit Ttp(TtpModel model) : model_(std::move(model)), input_(1, model_.mlp->input_size()) {}

  void observe(const DownloadReport& report) override {
    if (!report.usable_sample()) return;
    history_.observe(report);
    predictor_features(history_.reports(), features_);
    for (std::size_t i = 0; i < features_.size(); ++i) input_(0, static_cast<Eigen::Index>(i)) = features_[i];
  }

  [[nodiscard]] bool ready() const override { return !history_.reports().empty(); }

  [[nodiscard]] FetchTimeDistribution predict(std::uint64_t size_bytes) const override {
    FetchTimeDistribution d;
    if (!ready() || size_bytes == 0) return d;
    input_(0, input_.cols() - 1) = static_cast<float>(std::log(static_cast<double>(size_bytes) / 1e6));
    model_.mlp->forward(input_, output_, scratch_);
    // Softmax, shifted by the largest logit; bins are ascending in rate, so
    // descending in time: walk them backwards to give ascending times.
    const auto bins = static_cast<Eigen::Index>(model_.bin_rate_bps.size());
    const float top = output_.row(0).maxCoeff();
    const double bits = static_cast<double>(size_bytes) * 8.0;
    double sum = 0;
    for (Eigen::Index j = bins - 1; j >= 0; --j) {
      d.time_s.push_back(bits / model_.bin_rate_bps[static_cast<std::size_t>(j)]);
      d.probability.push_back(std::exp(static_cast<double>(output_(0, j) - top)));
      sum += d.probability.back();
    }
    for (double& p : d.probability) p /= sum;
    return d;
  }

  void reset() override { history_.clear(); }
  [[nodiscard]] std::string name() const override { return "ttp"; }

 private:
  TtpModel model_;
  model::DownloadHistory history_{kPredictorHistory};
  std::vector<float> features_;
  // Per session (the model is shared); mutable: predict() is logically const.
  mutable model::Matrix input_, output_;
  mutable model::MlpScratch scratch_;
};

}  // namespace

std::unique_ptr<TransmissionTimePredictor> make_ttp(const BuildContext&, const OptionMap& options) {
  const auto file = load_predictor_model(options, "ttp", kFetchTimeModelKind);
  TtpModel m;
  m.mlp = std::make_shared<const model::Mlp>(file, "ttp");
  const auto& rates = file.floats("bin_rate_bps");
  for (float r : rates.values) {
    if (!(r > 0) || !std::isfinite(r)) throw Error(fmt::format("{}: bin_rate_bps holds {} (must be > 0)", file.source(), r));
    if (!m.bin_rate_bps.empty() && !(r > m.bin_rate_bps.back())) {
      throw Error(fmt::format("{}: bin_rate_bps must ascend", file.source()));
    }
    m.bin_rate_bps.push_back(r);
  }
  if (m.mlp->input_size() != predictor_feature_count() + 1 || m.mlp->output_size() != m.bin_rate_bps.size() ||
      m.bin_rate_bps.size() < 2) {
    throw Error(fmt::format("{}: the ttp must map {} features + ln(size) to one logit per bin ({} bins); it maps {} to {}",
                            file.source(), predictor_feature_count(), m.bin_rate_bps.size(), m.mlp->input_size(),
                            m.mlp->output_size()));
  }
  return std::make_unique<Ttp>(std::move(m));
}

}  // namespace streamopt::predict
