#pragma once
// A learned rung policy as the engine runs it: a model file of kind
// "rung_policy" holding an MLP head that scores every rung's feature row
// (rung_features.hpp); the highest score wins. The imitation, PPO and DQN
// trainers all write this form (a policy's logits, or Q-values). An
// ensemble (`make_rung_policy_ensemble`) holds several heads and scores a
// rung by the mean of their log-softmax over the ladder.

#include <memory>
#include <string>
#include <vector>

#include "model/mlp.hpp"
#include "model/model_file.hpp"

namespace streamopt::model {

class RungPolicy {
 public:
  // Checks the kind, the feature set (names and version must be this
  // build's) and the heads (one output each); Error naming the file otherwise.
  explicit RungPolicy(const ModelFile& file);

  // Loads a file once per process (cached by path, size and modification time).
  static std::shared_ptr<const RungPolicy> load(const std::filesystem::path& path);

  // Working memory of `score`, one per caller (see MlpScratch).
  struct Scratch {
    Matrix input, output;
    MlpScratch mlp;
  };

  // Scores rows of features (rungs x rung_feature_count(), row-major) into
  // `scores` (one per rung): the head's outputs, or for an ensemble the
  // mean over its heads of each head's log-softmax over the rungs.
  // Thread-safe: one policy serves many sessions, each with its own `scratch`.
  void score(const std::vector<float>& features, std::size_t rungs, Scratch& scratch,
             std::vector<double>& scores) const;

  // What trained it ("imitation", "ppo", "dqn").
  [[nodiscard]] const std::string& algorithm() const { return algorithm_; }
  // Heads it holds (1 unless an ensemble).
  [[nodiscard]] std::size_t head_count() const { return heads_.size(); }

 private:
  std::vector<Mlp> heads_;
  std::string algorithm_;
};

// Most heads an ensemble holds.
inline constexpr std::size_t kMaxEnsembleHeads = 64;

// The model-file prefix of head `index` ("head", then "head1", "head2", ...).
std::string rung_policy_head_prefix(std::size_t index);

// The entries a trainer writes besides the head ("head" MLP prefix).
void write_rung_policy_header(ModelFile& file, const std::string& algorithm, const std::string& command);

// One rung policy holding every head of `members` (rung policies of one
// algorithm; an ensemble member adds all its heads), at most
// kMaxEnsembleHeads. Error naming the member that does not fit.
ModelFile make_rung_policy_ensemble(const std::vector<ModelFile>& members, const std::string& command);

}  // namespace streamopt::model
