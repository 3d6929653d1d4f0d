// Loading and running learned rung policies (see rung_policy.hpp).
#include "model/rung_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include "core/text_io.hpp"
#include "model/rung_features.hpp"
#include "streamopt/error.hpp"

namespace streamopt::model {

namespace {

std::string joined_feature_names() {
  std::string out;
  for (const auto& name : rung_feature_names()) out += (out.empty() ? "" : ",") + name;
  return out;
}

const ModelFile& checked(const ModelFile& file) {
  file.expect_kind("rung_policy");
  if (file.text("feature_version") != std::to_string(kRungFeatureVersion)) {
    throw Error(fmt::format("{}: the policy was trained on feature set version {}, this build computes version {}; "
                            "retrain it with this streamopt",
                            file.source(), detail::sanitize(file.text("feature_version")), kRungFeatureVersion));
  }
  if (file.text("features") != joined_feature_names()) {
    throw Error(fmt::format("{}: the policy's feature names differ from this build's; retrain it with this streamopt",
                            file.source()));
  }
  return file;
}

}  // namespace

std::string rung_policy_head_prefix(std::size_t index) {
  return index == 0 ? std::string("head") : fmt::format("head{}", index);
}

RungPolicy::RungPolicy(const ModelFile& file) : algorithm_(checked(file).text("algorithm")) {
  const std::size_t heads = file.has("heads") ? file.count("heads") : 1;
  if (heads == 0 || heads > kMaxEnsembleHeads) {
    throw Error(fmt::format("{}: model 'heads' must be 1 to {}", file.source(), kMaxEnsembleHeads));
  }
  heads_.reserve(heads);
  for (std::size_t k = 0; k < heads; ++k) {
    const Mlp& head = heads_.emplace_back(file, rung_policy_head_prefix(k));
    if (head.input_size() != rung_feature_count() || head.output_size() != 1) {
      throw Error(fmt::format("{}: the policy head '{}' must map {} features to 1 score (it maps {} to {})",
                              file.source(), rung_policy_head_prefix(k), rung_feature_count(), head.input_size(),
                              head.output_size()));
    }
  }
}

std::shared_ptr<const RungPolicy> RungPolicy::load(const std::filesystem::path& path) {
  static std::mutex mutex;
  using Key = std::tuple<std::string, std::uintmax_t, std::filesystem::file_time_type>;
  static std::map<Key, std::shared_ptr<const RungPolicy>> cache;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto mtime = ec ? std::filesystem::file_time_type{} : std::filesystem::last_write_time(path, ec);
  if (ec) return std::make_shared<const RungPolicy>(ModelFile::load(path));  // load() names the problem
  const Key key{std::filesystem::absolute(path).string(), size, mtime};
  {
    const std::lock_guard lock(mutex);
    if (const auto it = cache.find(key); it != cache.end()) return it->second;
  }
  auto policy = std::make_shared<const RungPolicy>(ModelFile::load(path));
  const std::lock_guard lock(mutex);
  return cache.emplace(key, std::move(policy)).first->second;
}

void RungPolicy::score(const std::vector<float>& features, std::size_t rungs, Scratch& scratch,
                       std::vector<double>& scores) const {
  const auto width = static_cast<Eigen::Index>(rung_feature_count());
  scratch.input = Eigen::Map<const Matrix>(features.data(), static_cast<Eigen::Index>(rungs), width);
  scores.assign(rungs, 0.0);
  if (rungs == 0) return;
  const auto out = [&](std::size_t r) { return double{scratch.output(static_cast<Eigen::Index>(r), 0)}; };
  for (const Mlp& head : heads_) {
    head.forward(scratch.input, scratch.output, scratch.mlp);
    if (heads_.size() == 1) {
      for (std::size_t r = 0; r < rungs; ++r) scores[r] = out(r);
      return;
    }
    // This head's log-softmax over the rungs, averaged over the heads.
    double top = out(0);
    for (std::size_t r = 1; r < rungs; ++r) top = std::max(top, out(r));
    double sum = 0;
    for (std::size_t r = 0; r < rungs; ++r) sum += std::exp(out(r) - top);
    const double log_norm = top + std::log(sum);
    for (std::size_t r = 0; r < rungs; ++r) scores[r] += (out(r) - log_norm) / static_cast<double>(heads_.size());
  }
}

void write_rung_policy_header(ModelFile& file, const std::string& algorithm, const std::string& command) {
  file.set_text("kind", "rung_policy");
  file.set_text("algorithm", algorithm);
  file.set_text("feature_version", std::to_string(kRungFeatureVersion));
  file.set_text("features", joined_feature_names());
  file.set_text("command", command);
}

ModelFile make_rung_policy_ensemble(const std::vector<ModelFile>& members, const std::string& command) {
  if (members.empty()) throw Error("ensemble: no member models");
  ModelFile out;
  std::size_t heads = 0;
  for (const ModelFile& member : members) {
    const RungPolicy policy(member);  // checks the member whole
    if (heads == 0) {
      write_rung_policy_header(out, policy.algorithm(), command);
    } else if (policy.algorithm() != out.text("algorithm")) {
      throw Error(fmt::format("ensemble: {} was trained by {}, the first member by {}; members share one algorithm",
                              member.source(), policy.algorithm(), out.text("algorithm")));
    }
    if (heads + policy.head_count() > kMaxEnsembleHeads) {
      throw Error(fmt::format("ensemble: more than {} heads (at {})", kMaxEnsembleHeads, member.source()));
    }
    for (std::size_t k = 0; k < policy.head_count(); ++k) {
      copy_mlp(member, rung_policy_head_prefix(k), out, rung_policy_head_prefix(heads++));
    }
  }
  out.set_text("heads", std::to_string(heads));
  return out;
}

}  // namespace streamopt::model
