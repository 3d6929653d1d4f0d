// Learned rung policies (imitation, PPO, DQN, and ensembles of them): each
// decision computes one feature row per rung (lib/model/rung_features.hpp),
// scores the rows with the model's MLP head (or an ensemble's heads) in Eigen
// and fetches the best rung. Ladders of 2 to 16 rungs and any segment
// duration. The model comes from `model=FILE` or the shipped
// models/<name>.sopt (docs/learning.md).
#include <fmt/format.h>

#include <algorithm>

#include "abr/builtin.hpp"
#include "model/model_path.hpp"
#include "model/rung_features.hpp"
#include "model/rung_policy.hpp"
#include "streamopt/error.hpp"
#include "streamopt/qoe.hpp"

namespace streamopt::abr {

namespace {

class LearnedPolicy final : public AbrController {
 public:
  LearnedPolicy(std::string name, const BuildContext& context, std::shared_ptr<const model::RungPolicy> policy)
      : name_(std::move(name)),
        manifest_(context.shared_manifest()),
        qoe_(context.qoe(), *manifest_),
        policy_(std::move(policy)) {}

  void on_download(const DownloadReport& report) override { history_.observe(report); }

  Decision decide(const PlayerState& state) override {
    const std::size_t rungs = manifest_->rung_count();
    model::rung_features(state, *manifest_, qoe_, history_, features_);
    policy_->score(features_, rungs, scratch_, scores_);
    Decision d;
    d.rung = static_cast<std::size_t>(std::max_element(scores_.begin(), scores_.end()) - scores_.begin());
    d.reasons.rule = name_;
    d.reasons.buffer_s = state.buffer_s;
    d.reasons.scores = scores_;
    return d;
  }

  void reset() override { history_.clear(); }
  [[nodiscard]] std::string name() const override { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const Manifest> manifest_;
  QoeModel qoe_;
  std::shared_ptr<const model::RungPolicy> policy_;
  model::DownloadHistory history_{model::kFeatureHistory};
  std::vector<float> features_;
  model::RungPolicy::Scratch scratch_;
  std::vector<double> scores_;
};

}  // namespace

std::unique_ptr<AbrController> make_learned_policy(const std::string& algorithm, const BuildContext& context,
                                                   const OptionMap& options) {
  const std::string file = options.get_string("model", "");
  const auto path = file.empty() ? model::find_shipped_model(algorithm + ".sopt", algorithm)
                                 : std::filesystem::path(file);
  return make_learned_policy(algorithm, context, model::RungPolicy::load(path));
}

std::unique_ptr<AbrController> make_learned_policy(const std::string& algorithm, const BuildContext& context,
                                                   std::shared_ptr<const model::RungPolicy> policy) {
  const std::size_t rungs = context.manifest().rung_count();
  if (rungs < model::kMinPolicyRungs || rungs > model::kMaxPolicyRungs) {
    throw Error(fmt::format("{}: learned policies take ladders of {} to {} rungs (this one has {})", algorithm,
                            model::kMinPolicyRungs, model::kMaxPolicyRungs, rungs));
  }
  return std::make_unique<LearnedPolicy>(algorithm, context, std::move(policy));
}

}  // namespace streamopt::abr
