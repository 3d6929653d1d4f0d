#pragma once
// A regression tree ensemble run without XGBoost: the sum of every tree's
// leaf plus a base score, as XGBoost's gbtree booster predicts for
// `reg:squarederror` (gradient-boosted trees and its random-forest mode
// alike). Loaded from a model file's entries under a prefix
// (docs/formats.md "Model files"):
//   PREFIX.base_score    f32 [1]
//   PREFIX.offsets       i32 [T+1]  tree t holds nodes offsets[t] .. offsets[t+1]-1
//   PREFIX.feature       i32 [N]    split feature (ignored at leaves)
//   PREFIX.left          i32 [N]    left child within the tree, -1 at a leaf
//   PREFIX.right         i32 [N]    right child within the tree, -1 at a leaf
//   PREFIX.default_left  i32 [N]    1: a missing (NaN) feature goes left
//   PREFIX.value         f32 [N]    split threshold (x < value goes left), or the leaf value
// Node 0 of each tree is its root; children come after their parent.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/model_file.hpp"

namespace streamopt::model {

// The nodes of every tree, flattened (the layout above, node indices local to a tree).
struct TreeArrays {
  float base_score = 0;
  std::vector<std::int32_t> offsets{0};
  std::vector<std::int32_t> feature, left, right, default_left;
  std::vector<float> value;
};

class TreeEnsemble {
 public:
  // Reads and checks the trees under `prefix` for inputs of `feature_count`
  // columns (shapes agree, children lie inside their tree after their
  // parent, features in range, values finite); Error naming the file and
  // entry otherwise.
  TreeEnsemble(const ModelFile& file, const std::string& prefix, std::size_t feature_count);

  // The ensemble's output for one row of `feature_count` features (NaN = missing).
  [[nodiscard]] double predict(std::span<const float> features) const;
  // Trees in the ensemble.
  [[nodiscard]] std::size_t tree_count() const { return trees_.offsets.size() - 1; }

 private:
  TreeArrays trees_;
};

// Writes `trees` under `prefix` (for the trainers and tests).
void write_trees(ModelFile& file, const std::string& prefix, const TreeArrays& trees);

}  // namespace streamopt::model
