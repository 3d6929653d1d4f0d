#pragma once
// What the reinforcement-learning trainers' LibTorch units (ppo.cpp,
// dqn.cpp) share: the policy's head (a score per rung row, the form the
// engine runs) with a value net mean-pooled over the rung rows (a state
// value for a ladder of any size), started fresh or from a model file, and
// the validation step that keeps the best model and writes the checkpoint.
// Include only from those units: it includes torch.

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "learn/policy_training.hpp"
#include "learn/session_batch.hpp"
#include "learn/torch_mlp.hpp"
#include "model/rung_features.hpp"
#include "model/rung_policy.hpp"
#include "streamopt/error.hpp"
#include "streamopt/learn.hpp"

namespace streamopt::learn {

struct RungNets {
  torch::nn::Sequential head;   // rung row -> score (PPO: logit; DQN: advantage)
  torch::nn::Sequential value;  // rung row -> value, averaged over the rungs
  torch::Tensor mean, scale;    // input normalisation: (x - mean) * scale
  std::size_t iteration = 0;    // iterations done (a checkpoint's, when resumed)
  std::size_t decisions = 0;    // decisions trained on so far

  // `features` (sessions x rungs x width, row-major) normalised, as a tensor of that shape.
  [[nodiscard]] torch::Tensor input(const std::vector<float>& features, std::int64_t rungs) const {
    const auto width = static_cast<std::int64_t>(model::rung_feature_count());
    const auto sessions = static_cast<std::int64_t>(features.size()) / (rungs * width);
    return (torch::from_blob(const_cast<float*>(features.data()), {sessions, rungs, width}, torch::kFloat32) - mean) *
           scale;
  }
  // Per-rung scores of inputs [..., rungs, width] -> [..., rungs].
  torch::Tensor scores(const torch::Tensor& x) { return head->forward(x).squeeze(-1); }
  // State values of inputs [..., rungs, width] -> [...].
  torch::Tensor state_value(const torch::Tensor& x) { return value->forward(x).squeeze(-1).mean(-1); }
  // The parameters of both nets.
  [[nodiscard]] std::vector<torch::Tensor> parameters() const {
    std::vector<torch::Tensor> p = head->parameters();
    for (const auto& v : value->parameters()) p.push_back(v);
    return p;
  }
  // The engine's policy file: the head under "head".
  [[nodiscard]] model::ModelFile policy_file(const std::string& algorithm, const RlOptions& o) {
    model::ModelFile file;
    model::write_rung_policy_header(file, algorithm, o.command);
    file.set_text("seed", std::to_string(o.seed));
    file.set_text("iteration", std::to_string(iteration));
    file.set_text("decisions", std::to_string(decisions));
    write_torch_mlp(file, "head", head, tensor_values(mean), tensor_values(scale));
    return file;
  }
  // The checkpoint: the policy file with the value net and the progress.
  [[nodiscard]] model::ModelFile checkpoint_file(model::ModelFile policy) {
    write_torch_mlp(policy, "value", value, tensor_values(mean), tensor_values(scale));
    policy.set_text("checkpoint_iteration", std::to_string(iteration));
    policy.set_text("checkpoint_decisions", std::to_string(decisions));
    return policy;
  }
};

// What a run of an RL trainer starts from: the checked title, the QoE model
// of its rewards, the trace split and the thread count (LibTorch's too),
// with LibTorch's generator seeded.
struct RlSetup {
  const Manifest manifest;
  const QoeModel qoe;
  const TraceSplit split;
  const unsigned threads;
  RlSetup(const std::string& trainer, const RlOptions& o)
      : manifest(check_policy_training(trainer, o.minutes, o.sim, o.video, o.out)),
        qoe(o.qoe, manifest),
        split(split_traces(trainer, o.traces, o.val, o.val_fraction, o.seed, o.trace_weights)),
        threads(resolve_threads(o.threads)) {
    if (o.sessions == 0 || o.steps == 0 || o.iterations == 0 || o.validate_every == 0) {
      throw Error(trainer + ": sessions, steps, iterations and validate_every must be >= 1");
    }
    if (!(o.gamma > 0 && o.gamma <= 1)) throw Error(trainer + ": gamma must be in (0, 1]");
    if (!(o.learning_rate > 0) || !(o.reward_scale > 0)) {
      throw Error(trainer + ": learning rate and reward scale must be > 0");
    }
    torch::manual_seed(o.seed);
    torch::set_num_threads(static_cast<int>(threads));
  }
  RlSetup(const RlSetup&) = delete;
  RlSetup& operator=(const RlSetup&) = delete;
};

// An independent copy of `net` (same weights; DQN's target net).
inline torch::nn::Sequential copy_of(const torch::nn::Sequential& net) {
  return torch::nn::Sequential(std::dynamic_pointer_cast<torch::nn::SequentialImpl>(net->clone()));
}

// The checkpoint beside `out`: OUT.ckpt.
inline std::filesystem::path checkpoint_path(const std::filesystem::path& out) {
  return std::filesystem::path(out.string() + ".ckpt");
}

// The nets to train: from `o.init` when given (a rung policy's head, e.g.
// the imitation model, and the value net too when it is a checkpoint),
// else fresh, with the input normalisation fitted on a warm-up of uniformly
// random decisions in `batch`.
inline RungNets make_rung_nets(const RlOptions& o, SessionBatch& batch) {
  RungNets nets;
  const auto width = static_cast<std::int64_t>(model::rung_feature_count());
  const auto hidden = static_cast<std::int64_t>(o.hidden);
  if (!o.init.empty()) {
    const model::ModelFile file = model::ModelFile::load(o.init);
    const model::RungPolicy check(file);  // kind, feature set, head shape
    std::vector<float> m, s, vm, vs;
    nets.head = read_torch_mlp(file, "head", m, s);
    nets.value = file.has("value.layers") ? read_torch_mlp(file, "value", vm, vs)
                                          : make_mlp(width, nets.head[0]->as<torch::nn::Linear>()->weight.size(0), 1);
    nets.mean = torch::tensor(m);
    nets.scale = torch::tensor(s);
    if (file.has("checkpoint_iteration")) {
      nets.iteration = file.count("checkpoint_iteration");
      nets.decisions = file.count("checkpoint_decisions");
    }
    return nets;
  }
  nets.head = make_mlp(width, hidden, 1);
  nets.value = make_mlp(width, hidden, 1);
  std::vector<float> rows;
  std::vector<std::size_t> actions(batch.sessions());
  std::vector<float> reward;
  std::vector<std::uint8_t> done;
  std::mt19937_64 rng(o.seed);
  for (int step = 0; step < 32; ++step) {
    rows.insert(rows.end(), batch.features().begin(), batch.features().end());
    for (auto& a : actions) a = std::uniform_int_distribution<std::size_t>(0, batch.rungs() - 1)(rng);
    batch.step(actions, reward, done);
  }
  const torch::Tensor x =
      torch::from_blob(rows.data(), {static_cast<std::int64_t>(rows.size()) / width, width}, torch::kFloat32);
  const Normalisation norm(x);
  nets.mean = norm.mean;
  nets.scale = norm.scale;
  return nets;
}

// One validation of the current head: scores it on the validation traces,
// keeps it in `o.out` when it is the best so far, writes the checkpoint
// (head, value net, progress) and reports progress. Returns true when the
// time budget is spent.
inline bool validate_and_keep(const std::string& algorithm, const RlOptions& o, RungNets& nets, const RlSetup& setup,
                              std::chrono::steady_clock::time_point started, TrainProgress p, TrainResult& result) {
  const std::size_t iterations = o.iterations;
  torch::NoGradGuard no_grad;
  model::ModelFile file = nets.policy_file(algorithm, o);
  const auto policy = std::make_shared<const model::RungPolicy>(file);
  p.val_qoe = validation_qoe(setup.split.val, setup.manifest, o.sim, o.qoe, policy, setup.threads);
  file.set_text("validation_qoe_per_segment", fmt::format("{:.6f}", p.val_qoe));
  if (result.history.empty() || p.val_qoe > result.best_val_qoe) {
    result.best_val_qoe = p.val_qoe;
    result.best_iteration = nets.iteration;
    file.save(o.out);
  }
  nets.checkpoint_file(std::move(file)).save(checkpoint_path(o.out));

  p.iteration = nets.iteration;
  p.iterations = iterations;
  p.samples = nets.decisions;
  p.best_val_qoe = result.best_val_qoe;
  p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double budget_s = o.minutes * 60.0;
  const std::size_t done_here = std::max<std::size_t>(1, nets.iteration - result.first_iteration);
  const double per_iteration_s = p.elapsed_s / static_cast<double>(done_here);
  p.eta_s = std::min(per_iteration_s * static_cast<double>(iterations - std::min(iterations, nets.iteration)),
                     std::max(0.0, budget_s - p.elapsed_s));
  result.history.push_back(p);
  if (o.progress) o.progress(p);
  return p.elapsed_s >= budget_s;
}

}  // namespace streamopt::learn
