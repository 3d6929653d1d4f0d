// Imitation learning of a rung policy by DAgger from the lookahead oracle or
// a registry controller (docs/learning.md "Imitation"): see train_imitation
// in learn.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "learn/policy_training.hpp"
#include "learn/rung_dataset.hpp"
#include "learn/torch_policy.hpp"
#include "model/rung_features.hpp"
#include "model/rung_policy.hpp"
#include "streamopt/error.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::learn {

namespace {

using Clock = std::chrono::steady_clock;

// Plays one session: the policy decides (the expert instead with
// probability `beta`, always when there is no policy) and every decision
// is labelled with the expert's values of each rung (a soft target). The
// expert is `expert` when given (it sees every download), else the
// lookahead oracle.
RungDataset collect_session(const NetworkTrace& trace, const Manifest& manifest, const ImitationOptions& o,
                            const QoeModel& qoe, std::unique_ptr<AbrController> expert,
                            const std::shared_ptr<const model::RungPolicy>& policy, double beta, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  SimulatedPlayer player(trace, manifest, o.sim, qoe);
  model::DownloadHistory history(model::kFeatureHistory);
  std::vector<float> rows;
  model::RungPolicy::Scratch scratch;
  std::vector<double> scores;
  RungDataset data;
  while (!player.done()) {
    Decision d;
    d.rung = player.forced_rung();
    if (d.rung == kNoRung) {
      const PlayerState state = player.state();
      model::rung_features(state, manifest, qoe, history, rows);
      if (!expert) {
        data.add(rows, lookahead_oracle_values(player, manifest, qoe, o.expert, o.expert_grid), o.expert_temperature);
      } else {
        const Decision e = expert->decide(state);
        if (e.reasons.scores.size() == manifest.rung_count()) {
          data.add(rows, e.reasons.scores, o.expert_temperature);
          data.label.back() = static_cast<std::uint8_t>(e.rung);
        } else {
          data.add(rows, manifest.rung_count(), e.rung);
        }
      }
      d.rung = data.label.back();
      if (policy && coin(rng) >= beta) {
        policy->score(rows, manifest.rung_count(), scratch, scores);
        d.rung = static_cast<std::size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
      }
    }
    const DownloadReport report = player.play(d);
    if (expert) expert->on_download(report);
    history.observe(report);
  }
  return data;
}

}  // namespace

TrainResult train_imitation(const ImitationOptions& o) {
  const auto started = Clock::now();
  if (o.iterations == 0) throw Error("imitation: iterations must be >= 1");
  const Manifest manifest = check_policy_training("imitation", o.minutes, o.sim, o.video, o.out);
  const QoeModel qoe(o.qoe, manifest);
  const TraceSplit split = split_traces("imitation", o.traces, o.val, o.val_fraction, o.seed);
  const std::vector<NetworkTrace>& train = split.train;
  const unsigned threads = resolve_threads(o.threads);
  const auto shared_manifest = std::make_shared<const Manifest>(manifest);
  const auto make_expert = [&]() -> std::unique_ptr<AbrController> {
    if (o.expert_abr.empty()) return nullptr;
    return Registry::builtin().make_abr(o.expert_abr, shared_manifest, o.qoe);
  };
  try {
    (void)make_expert();
  } catch (const Error& e) {
    throw Error(fmt::format("imitation: expert: {}", e.what()));
  }

  TrainResult result;
  result.repeated_traces = split.repeated;
  RungDataset data;
  std::shared_ptr<const model::RungPolicy> policy;
  const double budget_s = o.minutes * 60.0;
  for (std::size_t it = 1; it <= o.iterations; ++it) {
    // Roll out (the expert alone in iteration 1) and label every decision.
    const double beta = it == 1 ? 1.0 : std::pow(0.5, static_cast<double>(it - 1));
    std::vector<RungDataset> per_trace(train.size());
    parallel_for(train.size(), threads, [&](std::size_t i) {
      per_trace[i] = collect_session(train[i], manifest, o, qoe, make_expert(), policy, beta,
                                     o.seed * 1000003 + it * 7919 + i);
    });
    for (const auto& d : per_trace) data.append(d);

    // Refit on every label so far, then score on the validation traces.
    model::ModelFile file;
    model::write_rung_policy_header(file, "imitation", o.command);
    file.set_text("seed", std::to_string(o.seed));
    file.set_text("iteration", std::to_string(it));
    PolicyFitOptions fit_options;
    fit_options.hidden = o.hidden;
    fit_options.epochs = o.epochs;
    fit_options.seed = o.seed + it;
    fit_options.threads = threads;
    const PolicyFit fit = fit_rung_policy(data, fit_options, file);
    policy = std::make_shared<const model::RungPolicy>(file);
    const double val_qoe = validation_qoe(split.val, manifest, o.sim, o.qoe, policy, threads);
    file.set_text("validation_qoe_per_segment", fmt::format("{:.6f}", val_qoe));

    TrainProgress p;
    p.iteration = it;
    p.iterations = o.iterations;
    p.samples = data.size();
    p.loss_first = fit.loss_first;
    p.loss = fit.loss_last;
    p.val_qoe = val_qoe;
    if (result.history.empty() || val_qoe > result.best_val_qoe) {
      result.best_val_qoe = val_qoe;
      result.best_iteration = it;
      file.save(o.out);
    }
    p.best_val_qoe = result.best_val_qoe;
    p.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
    const double per_iteration_s = p.elapsed_s / static_cast<double>(it);
    p.eta_s = std::min(per_iteration_s * static_cast<double>(o.iterations - it), std::max(0.0, budget_s - p.elapsed_s));
    result.history.push_back(p);
    if (o.progress) o.progress(p);
    if (p.elapsed_s >= budget_s) break;
  }
  return result;
}

}  // namespace streamopt::learn
