// DQN for the rung policies (docs/learning.md "DQN"): double DQN (van
// Hasselt et al. 2016) with a dueling head (Wang et al. 2016), n-step
// returns, the Huber loss and a uniform replay; exploration is
// epsilon-greedy, annealed linearly. Q(s, r) = V(s) + A(s, r) - mean A(s, .)
// where A is the shared per-rung head and V the rung-averaged value net, so
// the greedy rung is A's best and the engine runs A as the policy's head.
// One of the learn component's LibTorch translation units.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <random>

#include "learn/torch_rung_nets.hpp"
#include "streamopt/error.hpp"
#include "streamopt/learn.hpp"

namespace streamopt::learn {

namespace {

void check(const DqnOptions& o) {
  if (o.batch == 0 || o.n_step == 0 || o.target_sync == 0 || o.updates_per_step == 0) {
    throw Error("dqn: batch, n_step, target_sync and updates_per_step must be >= 1");
  }
  if (o.replay < o.batch || o.warmup > o.replay) throw Error("dqn: need batch <= warmup <= replay");
  if (!(o.epsilon_start >= 0 && o.epsilon_start <= 1 && o.epsilon_end >= 0 && o.epsilon_end <= 1)) {
    throw Error("dqn: epsilon must be in [0, 1]");
  }
}

// Q-values of inputs [..., rungs, width]: the dueling combination.
torch::Tensor q_values(RungNets& nets, const torch::Tensor& x) {
  const torch::Tensor a = nets.scores(x);
  return nets.state_value(x).unsqueeze(-1) + a - a.mean(-1, /*keepdim=*/true);
}

// A circular store of n-step transitions (raw feature rows).
class Replay {
 public:
  Replay(std::size_t capacity, std::size_t row_floats)
      : capacity_(capacity), row_(row_floats), obs_(capacity * row_floats), next_(capacity * row_floats),
        action_(capacity), ret_(capacity), discount_(capacity) {}

  void add(const float* obs, std::size_t action, float ret, const float* next, float discount) {
    std::copy(obs, obs + row_, obs_.begin() + static_cast<std::ptrdiff_t>(head_ * row_));
    std::copy(next, next + row_, next_.begin() + static_cast<std::ptrdiff_t>(head_ * row_));
    action_[head_] = static_cast<std::int64_t>(action);
    ret_[head_] = ret;
    discount_[head_] = discount;
    head_ = (head_ + 1) % capacity_;
    size_ = std::min(size_ + 1, capacity_);
  }
  [[nodiscard]] std::size_t size() const { return size_; }

  // A uniform sample of `n` transitions: obs, action, return, next obs, discount (0 = terminal).
  void sample(std::size_t n, std::mt19937_64& rng, std::vector<float>& obs, std::vector<std::int64_t>& action,
              std::vector<float>& ret, std::vector<float>& next, std::vector<float>& discount) const {
    obs.resize(n * row_);
    next.resize(n * row_);
    action.resize(n);
    ret.resize(n);
    discount.resize(n);
    std::uniform_int_distribution<std::size_t> pick(0, size_ - 1);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = pick(rng);
      std::copy_n(obs_.begin() + static_cast<std::ptrdiff_t>(j * row_), row_,
                  obs.begin() + static_cast<std::ptrdiff_t>(i * row_));
      std::copy_n(next_.begin() + static_cast<std::ptrdiff_t>(j * row_), row_,
                  next.begin() + static_cast<std::ptrdiff_t>(i * row_));
      action[i] = action_[j];
      ret[i] = ret_[j];
      discount[i] = discount_[j];
    }
  }

 private:
  std::size_t capacity_, row_, head_ = 0, size_ = 0;
  std::vector<float> obs_, next_;
  std::vector<std::int64_t> action_;
  std::vector<float> ret_, discount_;
};

// One session's decisions whose n-step return is not complete yet.
struct Pending {
  std::vector<float> obs;
  std::size_t action = 0;
  std::vector<float> rewards;  // scaled, one per segment since
};

void copy_parameters(const torch::nn::Sequential& from, torch::nn::Sequential& to) {
  torch::NoGradGuard no_grad;
  const auto src = from->parameters();
  auto dst = to->parameters();
  for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

}  // namespace

TrainResult train_dqn(const DqnOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  check(o);
  const RlSetup setup("dqn", o);
  const Manifest& manifest = setup.manifest;
  std::mt19937_64 rng(o.seed * 7919 + 17);
  std::uniform_real_distribution<double> coin(0.0, 1.0);

  SessionBatch batch(setup.split.train, manifest, o.sim, setup.qoe, o.sessions, o.seed, setup.split.train_weight);
  RungNets nets = make_rung_nets(o, batch);
  RungNets target = nets;
  target.head = copy_of(nets.head);
  target.value = copy_of(nets.value);
  torch::optim::Adam optimizer(nets.parameters(), torch::optim::AdamOptions(o.learning_rate));
  TrainResult result;
  result.first_iteration = nets.iteration;
  result.repeated_traces = setup.split.repeated;

  const std::size_t rungs = manifest.rung_count();
  const auto R = static_cast<std::int64_t>(rungs);
  const std::size_t row_floats = rungs * model::rung_feature_count();
  Replay replay(o.replay, row_floats);
  std::vector<std::deque<Pending>> pending(o.sessions);
  std::vector<std::size_t> actions(o.sessions);
  std::vector<float> reward, obs, next, ret, discount;
  std::vector<std::uint8_t> done;
  std::vector<std::int64_t> sampled_action;
  std::size_t updates = 0;
  double loss_total = 0, loss_first = 0;
  std::size_t loss_count = 0;
  bool first_loss = true;
  const auto gamma = static_cast<float>(o.gamma);

  // Completes the oldest pending decision of session i with `next_obs`
  // (discount 0 when the session ended).
  const auto emit = [&](std::size_t i, const float* next_obs, bool terminal) {
    Pending& p = pending[i].front();
    float r = 0, g = 1;
    for (const float x : p.rewards) r += g * x, g *= gamma;
    replay.add(p.obs.data(), p.action, r, next_obs, terminal ? 0.0f : g);
    pending[i].pop_front();
  };

  while (nets.iteration < o.iterations) {
    for (std::size_t s = 0; s < o.steps; ++s) {
      // Epsilon-greedy on the advantage head.
      const double fraction = std::min(1.0, static_cast<double>(nets.decisions) /
                                                static_cast<double>(std::max<std::size_t>(1, o.epsilon_decisions)));
      const double epsilon = o.epsilon_start + (o.epsilon_end - o.epsilon_start) * fraction;
      const std::vector<float> before = batch.features();
      {
        torch::NoGradGuard no_grad;
        const torch::Tensor best = nets.scores(nets.input(before, R)).argmax(-1);
        const auto b = best.accessor<std::int64_t, 1>();
        for (std::size_t i = 0; i < o.sessions; ++i) {
          actions[i] = coin(rng) < epsilon ? std::uniform_int_distribution<std::size_t>(0, rungs - 1)(rng)
                                           : static_cast<std::size_t>(b[static_cast<std::int64_t>(i)]);
        }
      }
      batch.step(actions, reward, done);
      nets.decisions += o.sessions;
      for (std::size_t i = 0; i < o.sessions; ++i) {
        const float* obs_i = before.data() + i * row_floats;
        pending[i].push_back(Pending{std::vector<float>(obs_i, obs_i + row_floats), actions[i], {}});
        for (auto& p : pending[i]) p.rewards.push_back(reward[i] * static_cast<float>(o.reward_scale));
        const float* next_i = batch.features().data() + i * row_floats;
        if (done[i]) {
          while (!pending[i].empty()) emit(i, next_i, true);
        } else if (pending[i].front().rewards.size() >= o.n_step) {
          emit(i, next_i, false);
        }
      }

      // Double-DQN updates from the replay.
      if (replay.size() < std::max(o.warmup, o.batch)) continue;
      for (std::size_t u = 0; u < o.updates_per_step; ++u) {
        replay.sample(o.batch, rng, obs, sampled_action, ret, next, discount);
        const torch::Tensor x = nets.input(obs, R);
        const torch::Tensor x_next = nets.input(next, R);
        const auto n = static_cast<std::int64_t>(o.batch);
        const torch::Tensor a = torch::from_blob(sampled_action.data(), {n}, torch::kLong);
        torch::Tensor y;
        {
          torch::NoGradGuard no_grad;
          const torch::Tensor best_next = q_values(nets, x_next).argmax(-1, /*keepdim=*/true);
          const torch::Tensor q_next = q_values(target, x_next).gather(-1, best_next).squeeze(-1);
          y = torch::from_blob(ret.data(), {n}, torch::kFloat32) +
              torch::from_blob(discount.data(), {n}, torch::kFloat32) * q_next;
        }
        const torch::Tensor q = q_values(nets, x).gather(-1, a.unsqueeze(-1)).squeeze(-1);
        const torch::Tensor loss = torch::nn::functional::smooth_l1_loss(q, y);
        optimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(nets.parameters(), 10.0);
        optimizer.step();
        loss_total += loss.item<double>();
        ++loss_count;
        if (++updates % o.target_sync == 0) {
          copy_parameters(nets.head, target.head);
          copy_parameters(nets.value, target.value);
        }
      }
    }
    ++nets.iteration;
    if (loss_count > 0 && first_loss) {
      loss_first = loss_total / static_cast<double>(loss_count);
      first_loss = false;
    }

    if (nets.iteration % o.validate_every == 0 || nets.iteration == o.iterations) {
      TrainProgress p;
      p.loss_first = loss_first;
      p.loss = loss_count > 0 ? loss_total / static_cast<double>(loss_count) : 0.0;
      loss_total = 0;
      loss_count = 0;
      first_loss = true;
      p.train_qoe = batch.take_finished_qoe_per_segment();
      if (validate_and_keep("dqn", o, nets, setup, started, p, result)) break;
    }
  }
  if (result.history.empty()) throw Error("dqn: no iteration ran (iterations already reached by the checkpoint?)");
  return result;
}

}  // namespace streamopt::learn
