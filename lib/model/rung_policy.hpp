#pragma once
// A learned rung policy as the engine runs it: a model file of kind
// "rung_policy" holding one MLP head that scores every rung's feature row
// (rung_features.hpp); the highest score wins. The imitation, PPO and DQN
// trainers all write this form (a policy's logits, or Q-values).

#include <memory>
#include <string>
#include <vector>

#include "model/mlp.hpp"
#include "model/model_file.hpp"

namespace streamopt::model {

class RungPolicy {
 public:
  // Checks the kind, the feature set (names and version must be this
  // build's) and the head (one output); Error naming the file otherwise.
  explicit RungPolicy(const ModelFile& file);

  // Loads a file once per process (cached by path, size and modification time).
  static std::shared_ptr<const RungPolicy> load(const std::filesystem::path& path);

  // Working memory of `score`, one per caller (see MlpScratch).
  struct Scratch {
    Matrix input, output;
    MlpScratch mlp;
  };

  // Scores rows of features (rungs x rung_feature_count(), row-major) into
  // `scores` (one per rung). Thread-safe: one policy serves many sessions,
  // each with its own `scratch`.
  void score(const std::vector<float>& features, std::size_t rungs, Scratch& scratch,
             std::vector<double>& scores) const;

  // What trained it ("imitation", "ppo", "dqn").
  [[nodiscard]] const std::string& algorithm() const { return algorithm_; }

 private:
  Mlp head_;
  std::string algorithm_;
};

// The entries a trainer writes besides the head ("head" MLP prefix).
void write_rung_policy_header(ModelFile& file, const std::string& algorithm, const std::string& command);

}  // namespace streamopt::model
