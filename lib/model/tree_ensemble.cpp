// Tree ensembles evaluated in the engine (tree_ensemble.hpp).
#include "model/tree_ensemble.hpp"

#include <fmt/format.h>

#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt::model {

namespace {

const std::vector<std::int32_t>& int_vector(const ModelFile& file, const std::string& name,
                                            std::size_t size) {
  const IntTensor& t = file.ints(name);
  if (t.shape.size() != 1 || t.values.size() != size) {
    throw Error(fmt::format("{}: {} must hold {} values (it has {})", file.source(), name, size,
                            t.values.size()));
  }
  return t.values;
}

}  // namespace

TreeEnsemble::TreeEnsemble(const ModelFile& file, const std::string& prefix,
                           std::size_t feature_count) {
  const FloatTensor& base = file.floats(prefix + ".base_score");
  if (base.values.size() != 1 || !std::isfinite(base.values[0])) {
    throw Error(fmt::format("{}: {}.base_score must be one finite value", file.source(), prefix));
  }
  trees_.base_score = base.values[0];
  const IntTensor& offsets = file.ints(prefix + ".offsets");
  if (offsets.shape.size() != 1 || offsets.values.size() < 2 || offsets.values.front() != 0) {
    throw Error(fmt::format("{}: {}.offsets must start at 0 and list at least one tree",
                            file.source(), prefix));
  }
  trees_.offsets = offsets.values;
  const auto nodes = static_cast<std::size_t>(trees_.offsets.back());
  trees_.feature = int_vector(file, prefix + ".feature", nodes);
  trees_.left = int_vector(file, prefix + ".left", nodes);
  trees_.right = int_vector(file, prefix + ".right", nodes);
  trees_.default_left = int_vector(file, prefix + ".default_left", nodes);
  const FloatTensor& value = file.floats(prefix + ".value");
  if (value.shape.size() != 1 || value.values.size() != nodes) {
    throw Error(fmt::format("{}: {}.value must hold {} values", file.source(), prefix, nodes));
  }
  trees_.value = value.values;
  for (std::size_t t = 0; t + 1 < trees_.offsets.size(); ++t) {
    const std::int32_t begin = trees_.offsets[t], end = trees_.offsets[t + 1];
    if (end <= begin)
      throw Error(fmt::format("{}: {}.offsets: tree {} is empty", file.source(), prefix, t));
    for (std::int32_t i = begin; i < end; ++i) {
      const auto n = static_cast<std::size_t>(i);
      const std::int32_t size = end - begin, local = i - begin;
      const bool leaf = trees_.left[n] < 0;
      const bool children_ok = leaf ? trees_.right[n] < 0
                                    : trees_.left[n] > local && trees_.left[n] < size &&
                                          trees_.right[n] > local && trees_.right[n] < size;
      if (!children_ok ||
          (!leaf && (trees_.feature[n] < 0 ||
                     static_cast<std::size_t>(trees_.feature[n]) >= feature_count)) ||
          !std::isfinite(trees_.value[n])) {
        throw Error(fmt::format("{}: {}: tree {} node {} is malformed (children, feature or value)",
                                file.source(), prefix, t, local));
      }
    }
  }
}

double TreeEnsemble::predict(std::span<const float> features) const {
  double sum = trees_.base_score;
  for (std::size_t t = 0; t + 1 < trees_.offsets.size(); ++t) {
    const std::size_t root = static_cast<std::size_t>(trees_.offsets[t]);
    std::size_t node = root;
    while (trees_.left[node] >= 0) {
      const float x = features[static_cast<std::size_t>(trees_.feature[node])];
      const bool go_left = std::isnan(x) ? trees_.default_left[node] != 0 : x < trees_.value[node];
      node = root + static_cast<std::size_t>(go_left ? trees_.left[node] : trees_.right[node]);
    }
    sum += trees_.value[node];
  }
  return sum;
}

void write_trees(ModelFile& file, const std::string& prefix, const TreeArrays& trees) {
  const auto n = static_cast<std::uint32_t>(trees.value.size());
  file.set_floats(prefix + ".base_score", {1}, {trees.base_score});
  file.set_ints(prefix + ".offsets", {static_cast<std::uint32_t>(trees.offsets.size())},
                trees.offsets);
  file.set_ints(prefix + ".feature", {n}, trees.feature);
  file.set_ints(prefix + ".left", {n}, trees.left);
  file.set_ints(prefix + ".right", {n}, trees.right);
  file.set_ints(prefix + ".default_left", {n}, trees.default_left);
  file.set_floats(prefix + ".value", {n}, trees.value);
}

}  // namespace streamopt::model
