// PPO for the rung policies (docs/learning.md "PPO"): Schulman et al. 2017's
// clipped objective with GAE advantages, a value loss and an entropy bonus
// annealed over the run, as Pensieve-PPO trains Pensieve's actor-critic.
// The actor is the shared per-rung head (its scores are the logits of a
// softmax over the ladder); the critic averages a per-rung value net.
// One of the learn component's LibTorch translation units.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "learn/torch_rung_nets.hpp"
#include "streamopt/error.hpp"
#include "streamopt/learn.hpp"

namespace streamopt::learn {

namespace {

void check(const PpoOptions& o) {
  if (o.epochs == 0 || o.batch == 0) throw Error("ppo: epochs and batch must be >= 1");
  if (!(o.clip > 0 && o.clip < 1)) throw Error("ppo: clip must be in (0, 1)");
  if (!(o.lambda >= 0 && o.lambda <= 1)) throw Error("ppo: lambda must be in [0, 1]");
  if (!(o.entropy_start >= 0) || !(o.entropy_end >= 0)) throw Error("ppo: the entropy bonus must be >= 0");
}

}  // namespace

TrainResult train_ppo(const PpoOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  check(o);
  const RlSetup setup("ppo", o);
  const Manifest& manifest = setup.manifest;
  SessionBatch batch(setup.split.train, manifest, o.sim, setup.qoe, o.sessions, o.seed, setup.split.train_weight);
  RungNets nets = make_rung_nets(o, batch);
  torch::optim::Adam optimizer(nets.parameters(), torch::optim::AdamOptions(o.learning_rate));
  TrainResult result;
  result.first_iteration = nets.iteration;
  result.repeated_traces = setup.split.repeated;

  const auto S = static_cast<std::int64_t>(o.sessions);
  const auto T = static_cast<std::int64_t>(o.steps);
  const auto R = static_cast<std::int64_t>(manifest.rung_count());
  const auto W = static_cast<std::int64_t>(model::rung_feature_count());
  std::vector<std::size_t> actions(o.sessions);
  std::vector<float> reward;
  std::vector<std::uint8_t> done;
  double loss_first = 0, loss_last = 0;
  bool first_loss = true;

  while (nets.iteration < o.iterations) {
    // Roll out T lockstep steps with the current policy (sampled).
    torch::Tensor obs = torch::empty({T, S, R, W});
    torch::Tensor act = torch::empty({T, S}, torch::kLong);
    torch::Tensor logp = torch::empty({T, S});
    torch::Tensor values = torch::empty({T + 1, S});
    torch::Tensor rewards = torch::empty({T, S});
    torch::Tensor nonterminal = torch::empty({T, S});
    {
      torch::NoGradGuard no_grad;
      for (std::int64_t t = 0; t < T; ++t) {
        const torch::Tensor x = nets.input(batch.features(), R);
        obs[t] = x;
        const torch::Tensor log_probs = torch::log_softmax(nets.scores(x), -1);
        const torch::Tensor a = torch::multinomial(log_probs.exp(), 1).squeeze(-1);
        act[t] = a;
        logp[t] = log_probs.gather(-1, a.unsqueeze(-1)).squeeze(-1);
        values[t] = nets.state_value(x);
        const auto aa = a.accessor<std::int64_t, 1>();
        for (std::int64_t i = 0; i < S; ++i) actions[static_cast<std::size_t>(i)] = static_cast<std::size_t>(aa[i]);
        batch.step(actions, reward, done);
        for (std::int64_t i = 0; i < S; ++i) {
          rewards[t][i] = reward[static_cast<std::size_t>(i)] * static_cast<float>(o.reward_scale);
          nonterminal[t][i] = done[static_cast<std::size_t>(i)] ? 0.0f : 1.0f;
        }
      }
      values[T] = nets.state_value(nets.input(batch.features(), R));
    }

    // Generalised advantage estimates and the value targets.
    torch::Tensor adv = torch::zeros({T, S});
    {
      torch::Tensor gae = torch::zeros({S});
      for (std::int64_t t = T - 1; t >= 0; --t) {
        const torch::Tensor delta = rewards[t] + o.gamma * values[t + 1] * nonterminal[t] - values[t];
        gae = delta + o.gamma * o.lambda * nonterminal[t] * gae;
        adv[t] = gae;
      }
    }
    const torch::Tensor returns = (adv + values.slice(0, 0, T)).reshape({T * S});
    const torch::Tensor flat_obs = obs.reshape({T * S, R, W});
    const torch::Tensor flat_act = act.reshape({T * S});
    const torch::Tensor flat_logp = logp.reshape({T * S});
    torch::Tensor flat_adv = adv.reshape({T * S});
    flat_adv = (flat_adv - flat_adv.mean()) / (flat_adv.std() + 1e-8);

    // Clipped-objective updates.
    const double progress = static_cast<double>(nets.iteration) / static_cast<double>(o.iterations);
    const double entropy_weight = o.entropy_start + (o.entropy_end - o.entropy_start) * progress;
    const std::int64_t n = T * S;
    const auto step = static_cast<std::int64_t>(o.batch);
    double total = 0;
    std::size_t steps = 0;
    for (std::size_t epoch = 0; epoch < o.epochs; ++epoch) {
      const torch::Tensor order = torch::randperm(n, torch::kLong);
      for (std::int64_t start = 0; start < n; start += step) {
        const torch::Tensor idx = order.slice(0, start, std::min(n, start + step));
        const torch::Tensor x = flat_obs.index_select(0, idx);
        const torch::Tensor log_probs = torch::log_softmax(nets.scores(x), -1);
        const torch::Tensor new_logp = log_probs.gather(-1, flat_act.index_select(0, idx).unsqueeze(-1)).squeeze(-1);
        const torch::Tensor ratio = (new_logp - flat_logp.index_select(0, idx)).exp();
        const torch::Tensor a = flat_adv.index_select(0, idx);
        const torch::Tensor policy_loss =
            -torch::min(ratio * a, torch::clamp(ratio, 1.0 - o.clip, 1.0 + o.clip) * a).mean();
        const torch::Tensor value_loss = (nets.state_value(x) - returns.index_select(0, idx)).pow(2).mean();
        const torch::Tensor entropy = -(log_probs.exp() * log_probs).sum(-1).mean();
        const torch::Tensor loss = policy_loss + o.value_weight * value_loss - entropy_weight * entropy;
        optimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(nets.parameters(), 0.5);
        optimizer.step();
        total += loss.item<double>();
        ++steps;
      }
    }
    loss_last = total / static_cast<double>(steps);
    if (first_loss) loss_first = loss_last, first_loss = false;
    ++nets.iteration;
    nets.decisions += static_cast<std::size_t>(n);

    if (nets.iteration % o.validate_every == 0 || nets.iteration == o.iterations) {
      TrainProgress p;
      p.loss_first = loss_first;
      p.loss = loss_last;
      p.train_qoe = batch.take_finished_qoe_per_segment();
      first_loss = true;
      if (validate_and_keep("ppo", o, nets, setup, started, p, result)) break;
    }
  }
  if (result.history.empty()) throw Error("ppo: no iteration ran (iterations already reached by the checkpoint?)");
  return result;
}

}  // namespace streamopt::learn
