// Loading and running learned rung policies (see rung_policy.hpp).
#include "model/rung_policy.hpp"

#include <fmt/format.h>

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

RungPolicy::RungPolicy(const ModelFile& file) : head_(checked(file), "head"), algorithm_(file.text("algorithm")) {
  if (head_.input_size() != rung_feature_count() || head_.output_size() != 1) {
    throw Error(fmt::format("{}: the policy head must map {} features to 1 score (it maps {} to {})", file.source(),
                            rung_feature_count(), head_.input_size(), head_.output_size()));
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
  head_.forward(scratch.input, scratch.output, scratch.mlp);
  scores.resize(rungs);
  for (std::size_t r = 0; r < rungs; ++r) scores[r] = scratch.output(static_cast<Eigen::Index>(r), 0);
}

void write_rung_policy_header(ModelFile& file, const std::string& algorithm, const std::string& command) {
  file.set_text("kind", "rung_policy");
  file.set_text("algorithm", algorithm);
  file.set_text("feature_version", std::to_string(kRungFeatureVersion));
  file.set_text("features", joined_feature_names());
  file.set_text("command", command);
}

}  // namespace streamopt::model
