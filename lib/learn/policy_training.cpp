// What the rung-policy trainers share (see policy_training.hpp).
#include "learn/policy_training.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "abr/builtin.hpp"
#include "model/rung_features.hpp"
#include "streamopt/error.hpp"
#include "streamopt/evaluate.hpp"

namespace streamopt::learn {

namespace {

std::vector<NetworkTrace> read_traces(const std::vector<std::filesystem::path>& files) {
  std::vector<NetworkTrace> traces;
  traces.reserve(files.size());
  for (const auto& f : files) traces.push_back(read_trace(f));
  return traces;
}

}  // namespace

TraceSplit split_traces(const std::string& trainer, const std::vector<std::filesystem::path>& traces,
                        const std::vector<std::filesystem::path>& val, double val_fraction, std::uint64_t seed) {
  if (traces.empty()) throw Error(trainer + ": no training traces");
  // Validation first, so a training trace that repeats a validation trace
  // (or an earlier training trace) is the one left out.
  TraceSplit split;
  std::vector<NetworkTrace> all = read_traces(val);
  split.repeated = drop_repeated_traces(all);
  const auto val_count = static_cast<std::ptrdiff_t>(all.size());
  for (auto& t : read_traces(traces)) all.push_back(std::move(t));
  split.repeated += drop_repeated_traces(all);  // the distinct validation traces stay first
  split.val.assign(std::make_move_iterator(all.begin()), std::make_move_iterator(all.begin() + val_count));
  split.train.assign(std::make_move_iterator(all.begin() + val_count), std::make_move_iterator(all.end()));
  if (split.train.empty()) throw Error(trainer + ": every training trace repeats a validation trace");
  if (val.empty()) {
    std::mt19937_64 rng(seed);
    std::shuffle(split.train.begin(), split.train.end(), rng);
    const auto held = static_cast<std::size_t>(std::ceil(val_fraction * static_cast<double>(split.train.size())));
    if (held == 0 || held >= split.train.size()) {
      throw Error(fmt::format("{}: cannot hold back {} of {} distinct traces for validation; pass --val", trainer,
                              val_fraction, split.train.size()));
    }
    const auto first_held = split.train.end() - static_cast<std::ptrdiff_t>(held);
    split.val.assign(std::make_move_iterator(first_held), std::make_move_iterator(split.train.end()));
    split.train.erase(first_held, split.train.end());
  }
  return split;
}

Manifest check_policy_training(const std::string& trainer, double minutes, const SimConfig& sim,
                               const std::filesystem::path& video, const std::filesystem::path& out) {
  if (!(minutes > 0) || !std::isfinite(minutes)) throw Error(trainer + ": --minutes must be > 0");
  if (sim.mode == SimMode::live) throw Error(trainer + ": live mode is not supported");
  // Fail before the long work, not at the first save.
  if (const auto dir = out.parent_path(); !dir.empty() && !std::filesystem::is_directory(dir)) {
    throw Error(fmt::format("{}: the directory of --out ({}) does not exist", trainer, dir.string()));
  }
  Manifest manifest = Manifest::load(video);
  if (manifest.rung_count() < model::kMinPolicyRungs || manifest.rung_count() > model::kMaxPolicyRungs) {
    throw Error(fmt::format("{}: learned policies take ladders of {} to {} rungs ({} has {})", trainer,
                            model::kMinPolicyRungs, model::kMaxPolicyRungs, video.string(), manifest.rung_count()));
  }
  return manifest;
}

double validation_qoe(const std::vector<NetworkTrace>& traces, const Manifest& manifest, const SimConfig& sim,
                      const std::string& qoe, const std::shared_ptr<const model::RungPolicy>& policy,
                      unsigned threads) {
  Registry registry = Registry::builtin();
  registry.add_abr("candidate", "the policy being trained", [policy](const BuildContext& c, const OptionMap&) {
    return abr::make_learned_policy(policy->algorithm(), c, policy);
  });
  EvaluationConfig config;
  config.algorithms = {parse_spec("candidate")};
  config.sim = sim;
  config.qoe = qoe;
  config.threads = threads;
  config.registry = &registry;
  const EvaluationResult result = evaluate({TraceSet{"val", traces}}, manifest, config);
  return result.rows.front().qoe_per_segment;
}

unsigned resolve_threads(unsigned threads) {
  return threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace streamopt::learn
