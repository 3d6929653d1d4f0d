// Imitation learning of a rung policy by DAgger from the lookahead oracle
// (docs/learning.md "Imitation"): see train_imitation in learn.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include "abr/builtin.hpp"
#include "learn/rung_dataset.hpp"
#include "learn/torch_policy.hpp"
#include "model/rung_features.hpp"
#include "model/rung_policy.hpp"
#include "streamopt/error.hpp"
#include "streamopt/evaluate.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::learn {

namespace {

using Clock = std::chrono::steady_clock;

// Plays one session: the policy decides (the expert instead with
// probability `beta`, always when there is no policy) and every decision
// is labelled with the expert's values of each rung (a soft target).
RungDataset collect_session(const NetworkTrace& trace, const Manifest& manifest, const ImitationOptions& o,
                            const QoeModel& qoe, const std::shared_ptr<const model::RungPolicy>& policy, double beta,
                            std::uint64_t seed) {
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
      const std::vector<double> values = lookahead_oracle_values(player, manifest, qoe, o.expert, o.expert_grid);
      data.add(rows, values, o.expert_temperature);
      d.rung = data.label.back();
      if (policy && coin(rng) >= beta) {
        policy->score(rows, manifest.rung_count(), scratch, scores);
        d.rung = static_cast<std::size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
      }
    }
    history.observe(player.play(d));
  }
  return data;
}

// Runs `work(i)` for i in [0, n) on `threads` threads.
template <class Work>
void parallel_for(std::size_t n, unsigned threads, const Work& work) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  const unsigned count = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(n)));
  std::exception_ptr failure;
  std::mutex failure_mutex;
  for (unsigned t = 0; t < count; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) {
        try {
          work(i);
        } catch (...) {
          const std::lock_guard lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

std::vector<NetworkTrace> read_traces(const std::vector<std::filesystem::path>& files) {
  std::vector<NetworkTrace> traces;
  traces.reserve(files.size());
  for (const auto& f : files) traces.push_back(read_trace(f));
  return traces;
}

// Mean QoE per segment of `policy` over `traces`.
double validation_qoe(const std::vector<NetworkTrace>& traces, const Manifest& manifest, const ImitationOptions& o,
                      const std::shared_ptr<const model::RungPolicy>& policy, unsigned threads) {
  Registry registry = Registry::builtin();
  registry.add_abr("candidate", "the policy being trained", [policy](const BuildContext& c, const OptionMap&) {
    return abr::make_learned_policy("imitation", c, policy);
  });
  EvaluationConfig config;
  config.algorithms = {parse_spec("candidate")};
  config.sim = o.sim;
  config.qoe = o.qoe;
  config.threads = threads;
  config.registry = &registry;
  const EvaluationResult result = evaluate({TraceSet{"val", traces}}, manifest, config);
  return result.rows.front().qoe_per_segment;
}

}  // namespace

TrainResult train_imitation(const ImitationOptions& o) {
  const auto started = Clock::now();
  if (o.traces.empty()) throw Error("imitation: no training traces");
  if (!(o.minutes > 0) || !std::isfinite(o.minutes)) throw Error("imitation: --minutes must be > 0");
  if (o.iterations == 0) throw Error("imitation: iterations must be >= 1");
  if (o.sim.mode == SimMode::live) throw Error("imitation: live mode is not supported (the expert has no live oracle)");
  // Fail before the long work, not at the first save.
  if (const auto dir = o.out.parent_path(); !dir.empty() && !std::filesystem::is_directory(dir)) {
    throw Error(fmt::format("imitation: the directory of --out ({}) does not exist", dir.string()));
  }
  const Manifest manifest = Manifest::load(o.video);
  if (manifest.rung_count() < model::kMinPolicyRungs || manifest.rung_count() > model::kMaxPolicyRungs) {
    throw Error(fmt::format("imitation: learned policies take ladders of {} to {} rungs ({} has {})",
                            model::kMinPolicyRungs, model::kMaxPolicyRungs, o.video.string(), manifest.rung_count()));
  }
  const QoeModel qoe(o.qoe, manifest);

  // Training and validation traces: held back by a seeded shuffle when no
  // validation set is given (whole traces, so no session is in both).
  std::vector<std::filesystem::path> train_files = o.traces, val_files = o.val;
  if (val_files.empty()) {
    std::mt19937_64 rng(o.seed);
    std::shuffle(train_files.begin(), train_files.end(), rng);
    const auto held = static_cast<std::size_t>(std::ceil(o.val_fraction * static_cast<double>(train_files.size())));
    if (held == 0 || held >= train_files.size()) {
      throw Error(fmt::format("imitation: cannot hold back {} of {} traces for validation; pass --val",
                              o.val_fraction, train_files.size()));
    }
    val_files.assign(train_files.end() - static_cast<std::ptrdiff_t>(held), train_files.end());
    train_files.resize(train_files.size() - held);
  }
  const std::vector<NetworkTrace> train = read_traces(train_files);
  const std::vector<NetworkTrace> val = read_traces(val_files);
  const unsigned threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());

  TrainResult result;
  RungDataset data;
  std::shared_ptr<const model::RungPolicy> policy;
  const double budget_s = o.minutes * 60.0;
  for (std::size_t it = 1; it <= o.iterations; ++it) {
    // Roll out (the expert alone in iteration 1) and label every decision.
    const double beta = it == 1 ? 1.0 : std::pow(0.5, static_cast<double>(it - 1));
    std::vector<RungDataset> per_trace(train.size());
    parallel_for(train.size(), threads, [&](std::size_t i) {
      per_trace[i] = collect_session(train[i], manifest, o, qoe, policy, beta, o.seed * 1000003 + it * 7919 + i);
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
    const double val_qoe = validation_qoe(val, manifest, o, policy, threads);
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
