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
                        const std::vector<std::filesystem::path>& val, double val_fraction, std::uint64_t seed,
                        const std::vector<double>& weights) {
  if (traces.empty()) throw Error(trainer + ": no training traces");
  if (!weights.empty() && weights.size() != traces.size()) {
    throw Error(fmt::format("{}: {} trace weights for {} training traces", trainer, weights.size(), traces.size()));
  }
  for (const double w : weights) {
    if (!(w > 0) || !std::isfinite(w)) throw Error(fmt::format("{}: a trace weight must be > 0 (got {})", trainer, w));
  }
  // Validation first, so a training trace that repeats a validation trace
  // (or an earlier training trace) is the one left out.
  TraceSplit split;
  std::vector<NetworkTrace> all = read_traces(val);
  split.repeated = drop_repeated_traces(all);
  const std::size_t val_count = all.size();
  for (auto& t : read_traces(traces)) all.push_back(std::move(t));
  // The distinct traces, validation's first.
  const std::vector<std::size_t> repeated = repeated_traces(all);
  split.repeated += repeated.size();
  std::vector<std::size_t> train;  // positions in `all` of the distinct training traces
  for (std::size_t i = val_count, r = 0; i < all.size(); ++i) {
    while (r < repeated.size() && repeated[r] < i) ++r;
    if (r == repeated.size() || repeated[r] != i) train.push_back(i);
  }
  if (train.empty()) throw Error(trainer + ": every training trace repeats a validation trace");
  std::size_t held = 0;
  if (val.empty()) {
    std::mt19937_64 rng(seed);
    std::shuffle(train.begin(), train.end(), rng);
    held = static_cast<std::size_t>(std::ceil(val_fraction * static_cast<double>(train.size())));
    if (held == 0 || held >= train.size()) {
      throw Error(fmt::format("{}: cannot hold back {} of {} distinct traces for validation; pass --val", trainer,
                              val_fraction, train.size()));
    }
  }
  split.val.assign(std::make_move_iterator(all.begin()),
                   std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(val_count)));
  for (std::size_t k = 0; k < train.size(); ++k) {
    if (k + held < train.size()) {
      split.train.push_back(std::move(all[train[k]]));
      split.train_weight.push_back(weights.empty() ? 1.0 : weights[train[k] - val_count]);
    } else {
      split.val.push_back(std::move(all[train[k]]));  // the held-back share: the shuffle's last traces
    }
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
