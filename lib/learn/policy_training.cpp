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

TraceSplit split_traces(const std::string& trainer, std::vector<std::filesystem::path> traces,
                        const std::vector<std::filesystem::path>& val, double val_fraction, std::uint64_t seed) {
  if (traces.empty()) throw Error(trainer + ": no training traces");
  std::vector<std::filesystem::path> val_files = val;
  if (val_files.empty()) {
    std::mt19937_64 rng(seed);
    std::shuffle(traces.begin(), traces.end(), rng);
    const auto held = static_cast<std::size_t>(std::ceil(val_fraction * static_cast<double>(traces.size())));
    if (held == 0 || held >= traces.size()) {
      throw Error(fmt::format("{}: cannot hold back {} of {} traces for validation; pass --val", trainer,
                              val_fraction, traces.size()));
    }
    val_files.assign(traces.end() - static_cast<std::ptrdiff_t>(held), traces.end());
    traces.resize(traces.size() - held);
  }
  return TraceSplit{read_traces(traces), read_traces(val_files)};
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
