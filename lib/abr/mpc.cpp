// MPC and RobustMPC (Yin, Jindal, Sekar, Sinopoli, SIGCOMM 2015). Each
// decision plans the next `horizon` segments against a throughput prediction
// (by default the harmonic mean of the last 5 downloads; any registered
// predictor with `predictor=`; RobustMPC divides it by 1 + the largest recent
// prediction error), maximising the session's QoE model, and takes the plan's
// first rung.
//
// The search is a memoised value function over (step, discretised buffer,
// last rung), as in Puffer's MPC: the buffer is snapped to `buffer_step_s`
// at every step, so horizon 10 with 20 rungs stays cheap. Its work is
// bounded by horizon x buffer bins x rungs^2 <= kMaxSearchWork, checked when
// the controller is built. The memo table is per thread, not per session, so
// an edge holding thousands of sessions pays for one table per worker
// thread (abr/plan_memo.hpp). `buffer_step_s=0` enumerates every sequence exactly.
//
// Preset `pensieve` reproduces Pensieve's mpc.py: exhaustive search, the
// objective in Mbps (bitrate - 4.3 rebuffer - |switches|) summed over the
// plan, no buffer cap, segment sizes looked up one index ahead (the
// reference's off-by-one), and ties going to the last sequence in
// lexicographic order.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "abr/builtin.hpp"
#include "abr/plan_memo.hpp"
#include "predict/builtin.hpp"
#include "streamopt/error.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Largest memoised search accepted: horizon x buffer bins x rungs^2 value
// evaluations per decision (about 0.1 s on one core).
constexpr double kMaxSearchWork = 5e7;
// Largest exhaustive search accepted (buffer_step_s=0): rungs^horizon plans.
constexpr double kMaxExhaustivePlans = 1e8;

struct MpcParams {
  std::size_t horizon = 5;
  double buffer_step_s = 0.25;
  double max_buffer_s = 60.0;
  bool pensieve = false;
};

class Mpc final : public AbrController {
 public:
  // Plans with `predictor` or, when given, with the expected fetch times of
  // `fetch_time` (then `predictor` is null).
  Mpc(std::shared_ptr<const Manifest> manifest, const std::string& qoe_spec, MpcParams params,
      std::unique_ptr<ThroughputPredictor> predictor, std::unique_ptr<TransmissionTimePredictor> fetch_time,
      bool robust)
      : manifest_(std::move(manifest)),
        params_(params),
        qoe_(qoe_spec, *manifest_),
        predictor_(std::move(predictor)),
        fetch_time_(std::move(fetch_time)),
        robust_(robust) {
    const std::size_t rungs = manifest_->rung_count();
    if (params_.buffer_step_s > 0) {
      inverse_step_ = 1.0 / params_.buffer_step_s;
      bins_ = static_cast<std::size_t>(
                  std::ceil((params_.max_buffer_s + manifest_->segment_duration_s()) / params_.buffer_step_s)) +
              1;
    }
    download_s_.resize(params_.horizon * rungs);
    utility_.resize(params_.horizon * rungs);
  }

  // The utility kind of the QoE model it plans with.
  [[nodiscard]] QoeKind qoe_kind() const { return qoe_.kind(); }

  void on_download(const DownloadReport& report) override {
    if (fetch_time_) {
      fetch_time_->observe(report);
    } else {
      predictor_->observe(report);
    }
  }

  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.rule = robust_ ? "robust_mpc" : "mpc";
    d.reasons.buffer_s = state.buffer_s;
    const std::size_t last = state.last_rung < manifest_->rung_count() ? state.last_rung : 0;
    steps_ = std::min(params_.horizon, state.segments_left);
    const Prediction p = fetch_time_ ? Prediction{} : predictor_->predict();
    if (fetch_time_ ? !fetch_time_->ready() : !p.valid) {
      d.rung = 0;
      d.reasons.rule = "start";
      return d;
    }
    if (fetch_time_) {
      // The rate the expected fetch time of the next segment's bottom rung implies.
      const auto size = manifest_->segment_size_bytes(std::min(state.next_segment, manifest_->segment_count() - 1), 0);
      d.reasons.estimate_bps = static_cast<double>(size) * 8.0 / fetch_time_->expected_s(size);
      if (steps_ == 0 || !(d.reasons.estimate_bps > 0)) return d;
      prepare(state.next_segment, [&](std::uint64_t bytes) { return fetch_time_->expected_s(bytes); });
    } else {
      d.reasons.estimate_bps = p.estimate_bps;
      d.reasons.conservative_bps = p.conservative_bps;
      const double bandwidth_bps = robust_ ? p.conservative_bps : p.estimate_bps;
      if (steps_ == 0 || !(bandwidth_bps > 0)) return d;
      prepare(state.next_segment,
              [bandwidth_bps](std::uint64_t bytes) { return static_cast<double>(bytes) * 8.0 / bandwidth_bps; });
    }
    d.reasons.scores.assign(manifest_->rung_count(), kNegInf);
    if (params_.pensieve) {
      search_pensieve(state.buffer_s, last, d);
    } else {
      search_dp(state.buffer_s, last, d);
    }
    d.rung = d.reasons.plan.front();
    return d;
  }

  void reset() override {
    if (fetch_time_) {
      fetch_time_->reset();
    } else {
      predictor_->reset();
    }
  }
  [[nodiscard]] std::string name() const override { return robust_ ? "robust_mpc" : "mpc"; }

 private:
  // Download time and utility of every (step, rung) of this plan.
  template <class FetchS>
  void prepare(std::size_t next_segment, FetchS fetch_s) {
    const std::size_t rungs = manifest_->rung_count();
    const std::size_t last_segment = manifest_->segment_count() - 1;
    for (std::size_t k = 0; k < steps_; ++k) {
      const std::size_t offset = params_.pensieve ? 1 : 0;
      const std::size_t segment = std::min(next_segment + k + offset, last_segment);
      for (std::size_t r = 0; r < rungs; ++r) {
        download_s_[k * rungs + r] = fetch_s(manifest_->segment_size_bytes(segment, r));
        utility_[k * rungs + r] = qoe_.utility(r, segment);
      }
    }
  }

  // --- Pensieve preset: exhaustive, reference arithmetic and tie-breaking.
  void search_pensieve(double buffer_s, std::size_t last, Decision& d) {
    plan_.assign(steps_, 0);
    best_plan_.clear();
    best_reward_ = kNegInf;
    enumerate(0, buffer_s, last, 0.0, 0.0, 0.0, d.reasons.scores);
    d.reasons.plan = best_plan_;
    d.reasons.objective = best_reward_;
  }

  void enumerate(std::size_t k, double buffer_s, std::size_t last, double bitrate_kbps_sum,
                 double smooth_kbps_sum, double rebuffer_s, std::vector<double>& first_scores) {
    const std::size_t rungs = manifest_->rung_count();
    if (k == steps_) {
      const double reward = bitrate_kbps_sum / 1000.0 - qoe_.rebuffer_penalty_per_s() * rebuffer_s -
                            smooth_kbps_sum / 1000.0;
      if (reward >= best_reward_) {
        best_reward_ = reward;
        best_plan_ = plan_;
      }
      first_scores[plan_[0]] = std::max(first_scores[plan_[0]], reward);
      return;
    }
    for (std::size_t r = 0; r < rungs; ++r) {
      const double download_s = download_s_[k * rungs + r];
      double next_buffer = buffer_s;
      double next_rebuffer = rebuffer_s;
      if (next_buffer < download_s) {
        next_rebuffer += download_s - next_buffer;
        next_buffer = 0;
      } else {
        next_buffer -= download_s;
      }
      next_buffer += manifest_->segment_duration_s();
      const double kbps = manifest_->bitrate_bps(r) / 1000.0;
      const double last_kbps = manifest_->bitrate_bps(last) / 1000.0;
      plan_[k] = r;
      enumerate(k + 1, next_buffer, r, bitrate_kbps_sum + kbps,
                smooth_kbps_sum + std::fabs(kbps - last_kbps), next_rebuffer, first_scores);
    }
  }

  // --- Default: QoE-model objective, buffer capped, memoised value function.
  void search_dp(double buffer_s, std::size_t last, Decision& d) {
    memo_ = &thread_plan_memo();
    if (params_.buffer_step_s > 0) memo_->begin(steps_ * bins_ * manifest_->rung_count());
    const std::size_t rungs = manifest_->rung_count();
    double best = kNegInf;
    std::size_t best_rung = 0;
    for (std::size_t r = 0; r < rungs; ++r) {
      const double v = step_value(0, buffer_s, last, r);
      d.reasons.scores[r] = v;
      if (v > best) {
        best = v;
        best_rung = r;
      }
    }
    d.reasons.objective = best;
    // Recover the plan by following the argmax from the first choice.
    d.reasons.plan.clear();
    d.reasons.plan.push_back(best_rung);
    double b = buffer_s;
    std::size_t prev = last;
    std::size_t r = best_rung;
    for (std::size_t k = 0; k + 1 < steps_; ++k) {
      b = next_buffer(b, download_s_[k * rungs + r]);
      prev = r;
      double best_next = kNegInf;
      for (std::size_t n = 0; n < rungs; ++n) {
        const double v = step_value(k + 1, b, prev, n);
        if (v > best_next) {
          best_next = v;
          r = n;
        }
      }
      d.reasons.plan.push_back(r);
    }
    memo_->end();
    memo_ = nullptr;
  }

  // Buffer after a download of download_s from buffer b: drained (not below
  // 0), one segment added, capped, snapped to the grid.
  [[nodiscard]] double next_buffer(double b, double download_s) const {
    double next = std::max(0.0, b - download_s) + manifest_->segment_duration_s();
    next = std::min(next, params_.max_buffer_s);
    if (params_.buffer_step_s > 0) next = std::round(next * inverse_step_) * params_.buffer_step_s;
    return next;
  }

  // QoE of fetching rung r at step k (buffer b, previous rung prev) plus the
  // best continuation.
  double step_value(std::size_t k, double b, std::size_t prev, std::size_t r) {
    const std::size_t rungs = manifest_->rung_count();
    const double download_s = download_s_[k * rungs + r];
    const double u = utility_[k * rungs + r];
    double value = u - qoe_.rebuffer_penalty_per_s() * std::max(0.0, download_s - b) -
                   qoe_.smoothness_weight() * std::fabs(u - utility_[k * rungs + prev]);
    if (k + 1 < steps_) value += future_value(k + 1, next_buffer(b, download_s), r);
    return value;
  }

  // Best total from step k on, memoised on (k, buffer bin, last rung).
  double future_value(std::size_t k, double b, std::size_t last) {
    const std::size_t rungs = manifest_->rung_count();
    std::size_t slot = 0;
    if (params_.buffer_step_s > 0) {
      const auto bin = std::min(bins_ - 1, static_cast<std::size_t>(std::lround(b * inverse_step_)));
      slot = (k * bins_ + bin) * rungs + last;
      if (memo_->has(slot)) return memo_->value[slot];
    }
    double best = kNegInf;
    for (std::size_t r = 0; r < rungs; ++r) best = std::max(best, step_value(k, b, last, r));
    if (params_.buffer_step_s > 0) memo_->put(slot, best);
    return best;
  }

  std::shared_ptr<const Manifest> manifest_;
  MpcParams params_;
  QoeModel qoe_;
  std::unique_ptr<ThroughputPredictor> predictor_;
  std::unique_ptr<TransmissionTimePredictor> fetch_time_;
  bool robust_;
  std::size_t steps_ = 0;
  std::size_t bins_ = 0;
  double inverse_step_ = 0;
  std::vector<double> download_s_;
  std::vector<double> utility_;
  PlanMemo* memo_ = nullptr;  // this thread's table, during a search
  std::vector<std::size_t> plan_;
  std::vector<std::size_t> best_plan_;
  double best_reward_ = kNegInf;
};

std::unique_ptr<AbrController> build(const BuildContext& context, const OptionMap& options, bool robust) {
  const Manifest& manifest = context.manifest();
  MpcParams params;
  const auto preset = options.get_string("preset", "default");
  if (preset != "default" && preset != "pensieve") {
    throw Error(fmt::format("{}: option preset='{}' is not default or pensieve", options.owner(), preset));
  }
  params.pensieve = preset == "pensieve";
  params.horizon = static_cast<std::size_t>(ranged_option(options, "horizon", 5, 1, 20));
  if (options.has("horizon") && static_cast<double>(params.horizon) != options.get_double("horizon", 5)) {
    throw Error(options.owner() + ": option horizon must be an integer");
  }
  params.buffer_step_s = ranged_option(options, "buffer_step_s", params.pensieve ? 0.0 : 0.25, 0.0, 60.0);
  params.max_buffer_s = ranged_option(options, "max_buffer_s", 60.0, 0.1, 1e5);
  if (params.pensieve && params.buffer_step_s != 0) {
    throw Error(options.owner() + ": preset=pensieve fixes buffer_step_s=0");
  }
  const auto rungs = static_cast<double>(manifest.rung_count());
  const auto horizon = static_cast<double>(params.horizon);
  if (params.buffer_step_s == 0 && std::pow(rungs, horizon) > kMaxExhaustivePlans) {
    throw Error(fmt::format("{}: exhaustive search over {}^{} plans is more than {:g}; set buffer_step_s > 0",
                            options.owner(), manifest.rung_count(), params.horizon, kMaxExhaustivePlans));
  }
  if (params.buffer_step_s > 0) {
    const double bins = (params.max_buffer_s + manifest.segment_duration_s()) / params.buffer_step_s + 1;
    const double work = horizon * bins * rungs * rungs;
    if (!(work <= kMaxSearchWork)) {
      throw Error(fmt::format(
          "{}: search of horizon {} x {:.0f} buffer bins x {} rungs^2 = {:.3g} steps is more than {:g}; "
          "raise buffer_step_s, lower horizon or max_buffer_s",
          options.owner(), params.horizon, bins, manifest.rung_count(), work, kMaxSearchWork));
    }
  }
  std::unique_ptr<ThroughputPredictor> predictor;
  std::unique_ptr<TransmissionTimePredictor> fetch_time;
  if (options.has("ttp")) {
    if (robust || params.pensieve || options.has("predictor")) {
      throw Error(fmt::format("{}: option ttp plans with expected fetch times; it goes with mpc, without "
                              "predictor or preset=pensieve", options.owner()));
    }
    fetch_time = context.make_fetch_time(options.get_string("ttp", ""));
  } else {
    predictor = context.make_predictor(options.get_string("predictor", "harmonic"));
    if (robust) {
      const bool carry = options.get_bool("carry_history", false);
      predictor = predict::make_robust_around(std::move(predictor), 5, carry);
    }
  }
  auto mpc = std::make_unique<Mpc>(context.shared_manifest(), context.qoe(), params, std::move(predictor),
                                   std::move(fetch_time), robust);
  if (params.pensieve && mpc->qoe_kind() != QoeKind::lin) {
    throw Error(fmt::format("{}: preset=pensieve plans with QoE_lin; the session's QoE is '{}'",
                            options.owner(), context.qoe()));
  }
  return mpc;
}

}  // namespace

std::unique_ptr<AbrController> make_mpc(const BuildContext& context, const OptionMap& options) {
  return build(context, options, false);
}

std::unique_ptr<AbrController> make_robust_mpc(const BuildContext& context, const OptionMap& options) {
  return build(context, options, true);
}

}  // namespace streamopt::abr
