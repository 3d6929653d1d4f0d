// Stochastic MPC, the controller of Puffer's Fugu (Yan et al., NSDI 2020):
// MPC whose value function takes the expectation over a transmission-time
// predictor's distribution of each candidate segment's fetch time, instead
// of planning with one throughput number. It weighs a slow outcome by the
// stall it causes, where an expected fetch time averages it away, so it is
// cautious exactly when the spread of the forecast is wide.
//
// Value of fetching rung r at step k with buffer b after rung p:
//   u(r) - smoothness |u(r) - u(p)| + sum_j P_j [ -rebuffer max(0, t_j - b)
//                                               + V(k+1, max(0, b - t_j) + L, r) ]
// over the session's QoE model (u: its utility per rung; Fugu uses SSIM in
// dB), with V memoised on (step, buffer snapped to buffer_step_s, last
// rung) in the planning controllers' per-thread table (abr/plan_memo.hpp).
// Every step of the plan uses the distribution of the next fetch for its
// segment's sizes (Fugu trains one TTP per step ahead; streamopt's `ttp`
// predicts the next one).
//
// Options: ttp=SPEC (a fetch-time predictor, default `ttp`: the shipped
// learned one; `empirical` needs no model), horizon=15 (chosen on the
// fcc-hsdpa train split: 8, 10, 12, 15 scored 0.687, 0.719, 0.736, 0.743
// QoE/segment there), buffer_step_s=0.5,
// max_buffer_s=60, min_probability=1e-3 (outcomes below it are dropped and
// the rest renormalised, which bounds the work).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "abr/builtin.hpp"
#include "abr/plan_memo.hpp"
#include "streamopt/error.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Largest search accepted: horizon x buffer bins x rungs^2 x outcomes value
// evaluations per decision at most (the memo visits far fewer).
constexpr double kMaxSearchWork = 2e8;

struct StochasticParams {
  std::size_t horizon = 15;
  double buffer_step_s = 0.5;
  double max_buffer_s = 60.0;
  double min_probability = 1e-3;
};

// One possible fetch time and its probability.
struct Outcome {
  double time_s;
  double probability;
};

class StochasticMpc final : public AbrController {
 public:
  StochasticMpc(std::shared_ptr<const Manifest> manifest, const std::string& qoe_spec, StochasticParams params,
                std::unique_ptr<TransmissionTimePredictor> fetch_time)
      : manifest_(std::move(manifest)), params_(params), qoe_(qoe_spec, *manifest_), fetch_time_(std::move(fetch_time)) {
    bins_ = static_cast<std::size_t>(
                std::ceil((params_.max_buffer_s + manifest_->segment_duration_s()) / params_.buffer_step_s)) +
            1;
    const std::size_t cells = params_.horizon * manifest_->rung_count();
    utility_.resize(cells);
    first_.resize(cells + 1);
  }

  void on_download(const DownloadReport& report) override { fetch_time_->observe(report); }

  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.rule = "stochastic_mpc";
    d.reasons.buffer_s = state.buffer_s;
    if (!fetch_time_->ready()) {
      d.rung = 0;
      d.reasons.rule = "start";
      return d;
    }
    const std::size_t rungs = manifest_->rung_count();
    const std::size_t last = state.last_rung < rungs ? state.last_rung : 0;
    steps_ = std::min(params_.horizon, state.segments_left);
    const std::size_t next = std::min(state.next_segment, manifest_->segment_count() - 1);
    const double bottom_s = fetch_time_->expected_s(manifest_->segment_size_bytes(next, 0));
    d.reasons.estimate_bps = static_cast<double>(manifest_->segment_size_bytes(next, 0)) * 8.0 / bottom_s;
    if (steps_ == 0) return d;
    prepare(state.next_segment);

    memo_ = &thread_plan_memo();
    memo_->begin(steps_ * bins_ * rungs);
    d.reasons.scores.assign(rungs, kNegInf);
    double best = kNegInf;
    for (std::size_t r = 0; r < rungs; ++r) {
      d.reasons.scores[r] = step_value(0, state.buffer_s, last, r);
      if (d.reasons.scores[r] > best) {
        best = d.reasons.scores[r];
        d.rung = r;
      }
    }
    d.reasons.objective = best;
    d.reasons.plan = {d.rung};
    memo_->end();
    memo_ = nullptr;
    return d;
  }

  void reset() override { fetch_time_->reset(); }
  [[nodiscard]] std::string name() const override { return "stochastic_mpc"; }

 private:
  // The fetch-time outcomes and utility of every (step, rung) of this plan.
  void prepare(std::size_t next_segment) {
    const std::size_t rungs = manifest_->rung_count();
    const std::size_t last_segment = manifest_->segment_count() - 1;
    outcomes_.clear();
    for (std::size_t k = 0; k < steps_; ++k) {
      const std::size_t segment = std::min(next_segment + k, last_segment);
      for (std::size_t r = 0; r < rungs; ++r) {
        const std::size_t cell = k * rungs + r;
        utility_[cell] = qoe_.utility(r, segment);
        first_[cell] = outcomes_.size();
        const FetchTimeDistribution dist = fetch_time_->predict(manifest_->segment_size_bytes(segment, r));
        double kept = 0;
        for (std::size_t j = 0; j < dist.time_s.size(); ++j) {
          if (dist.probability[j] >= params_.min_probability) {
            outcomes_.push_back({dist.time_s[j], dist.probability[j]});
            kept += dist.probability[j];
          }
        }
        if (kept <= 0) {  // every outcome below the threshold: keep the expectation
          outcomes_.push_back({dist.expected_s(), 1.0});
          kept = 1.0;
        }
        for (std::size_t j = first_[cell]; j < outcomes_.size(); ++j) outcomes_[j].probability /= kept;
      }
    }
    first_[steps_ * rungs] = outcomes_.size();
  }

  // Buffer after a fetch of time_s from buffer b: drained (not below 0), one
  // segment added, capped.
  [[nodiscard]] double next_buffer(double b, double time_s) const {
    return std::min(std::max(0.0, b - time_s) + manifest_->segment_duration_s(), params_.max_buffer_s);
  }

  // Expected QoE of fetching rung r at step k (buffer b, previous rung
  // prev) plus the best continuation.
  double step_value(std::size_t k, double b, std::size_t prev, std::size_t r) {
    const std::size_t rungs = manifest_->rung_count();
    const std::size_t cell = k * rungs + r;
    const double u = utility_[cell];
    double value = u - qoe_.smoothness_weight() * std::fabs(u - utility_[k * rungs + prev]);
    for (std::size_t j = first_[cell]; j < first_[cell + 1]; ++j) {
      const Outcome& o = outcomes_[j];
      double v = -qoe_.rebuffer_penalty_per_s() * std::max(0.0, o.time_s - b);
      if (k + 1 < steps_) v += future_value(k + 1, next_buffer(b, o.time_s), r);
      value += o.probability * v;
    }
    return value;
  }

  // Best expected total from step k on, memoised on (k, buffer bin, last rung).
  double future_value(std::size_t k, double b, std::size_t last) {
    const std::size_t rungs = manifest_->rung_count();
    const auto bin = std::min(bins_ - 1, static_cast<std::size_t>(std::lround(b / params_.buffer_step_s)));
    const std::size_t slot = (k * bins_ + bin) * rungs + last;
    if (memo_->has(slot)) return memo_->value[slot];
    const double snapped = static_cast<double>(bin) * params_.buffer_step_s;
    double best = kNegInf;
    for (std::size_t r = 0; r < rungs; ++r) best = std::max(best, step_value(k, snapped, last, r));
    memo_->put(slot, best);
    return best;
  }

  std::shared_ptr<const Manifest> manifest_;
  StochasticParams params_;
  QoeModel qoe_;
  std::unique_ptr<TransmissionTimePredictor> fetch_time_;
  std::size_t steps_ = 0;
  std::size_t bins_ = 0;
  std::vector<double> utility_;       // per (step, rung)
  std::vector<std::size_t> first_;    // per (step, rung): its first outcome; one past the end at the back
  std::vector<Outcome> outcomes_;     // every cell's outcomes, cell after cell
  PlanMemo* memo_ = nullptr;          // this thread's table, during a search
};

}  // namespace

std::unique_ptr<AbrController> make_stochastic_mpc(const BuildContext& context, const OptionMap& options) {
  const Manifest& manifest = context.manifest();
  StochasticParams params;
  const double horizon = ranged_option(options, "horizon", double(params.horizon), 1, 30);
  if (horizon != std::floor(horizon)) throw Error(options.owner() + ": option horizon must be an integer");
  params.horizon = static_cast<std::size_t>(horizon);
  params.buffer_step_s = ranged_option(options, "buffer_step_s", params.buffer_step_s, 0.001, 60.0);
  params.max_buffer_s = ranged_option(options, "max_buffer_s", params.max_buffer_s, 0.1, 1e5);
  params.min_probability = ranged_option(options, "min_probability", params.min_probability, 0.0, 0.5);
  auto fetch_time = context.make_fetch_time(options.get_string("ttp", "ttp"));
  const double bins = (params.max_buffer_s + manifest.segment_duration_s()) / params.buffer_step_s + 1;
  const auto rungs = static_cast<double>(manifest.rung_count());
  // Outcomes per cell are not known before the first prediction; bound with
  // the 21 bins of a Fugu-style TTP.
  const double work = horizon * bins * rungs * rungs * 21;
  if (!(work <= kMaxSearchWork)) {
    throw Error(fmt::format("{}: search of horizon {} x {:.0f} buffer bins x {} rungs^2 x 21 outcomes = {:.3g} "
                            "steps is more than {:g}; raise buffer_step_s, lower horizon or max_buffer_s",
                            options.owner(), params.horizon, bins, manifest.rung_count(), work, kMaxSearchWork));
  }
  return std::make_unique<StochasticMpc>(context.shared_manifest(), context.qoe(), params, std::move(fetch_time));
}

}  // namespace streamopt::abr
