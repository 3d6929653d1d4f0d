// The offline-optimal oracle: a forward dynamic program over segments.
// States after segment k are snapshots of the player (clock, buffer, trace
// position) with the QoE collected so far. Children of every state for every
// rung are grouped by (last rung, clock bin); inside a group, states within
// one buffer bin keep only the best QoE, and a state survives only if no
// state with at least as much buffer has a higher QoE (Pareto pruning).
#include "streamopt/oracle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/playback.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

namespace {

struct Node {
  sim::PlaybackSession session;
  double score;           // QoE of segments 2..k (the table's convention)
  std::size_t rung;
  std::size_t parent;     // index into the previous layer
  std::int64_t time_bin;
  std::int64_t buffer_bin;
  std::size_t first_rung;  // the rung of the plan's first segment
};

// Keeps the states of children[begin, end) (one rung, one clock bin, sorted
// by buffer bin descending then score descending) that no other state
// dominates: (1) more buffer and no less QoE is at least as good; (2) extra
// buffer can save at most that many seconds of future stalls, so a state
// with less buffer whose QoE exceeds another's by the rebuffer penalty of the
// buffer difference is at least as good.
void prune_group(std::vector<Node>& children, std::size_t begin, std::size_t end,
                 double rebuffer_penalty_per_s, std::vector<Node>& kept) {
  std::vector<std::size_t> front;  // rule 1 survivors, buffer descending, score ascending
  double best_score = -std::numeric_limits<double>::infinity();
  for (std::size_t i = begin; i < end; ++i) {
    const bool same_bin = i > begin && children[i].buffer_bin == children[i - 1].buffer_bin;
    if (same_bin || children[i].score <= best_score) continue;
    best_score = children[i].score;
    front.push_back(i);
  }
  double best_potential = -std::numeric_limits<double>::infinity();
  for (auto it = front.rbegin(); it != front.rend(); ++it) {  // buffer ascending
    Node& node = children[*it];
    const double potential = node.score + rebuffer_penalty_per_s * node.session.buffer_s();
    if (potential <= best_potential) continue;
    best_potential = potential;
    kept.push_back(std::move(node));
  }
}

// Replays a fixed plan: the oracle's answer, played through `simulate`.
class PlanController final : public AbrController {
 public:
  explicit PlanController(std::vector<std::size_t> plan) : plan_(std::move(plan)) {}
  void on_download(const DownloadReport&) override {}
  Decision decide(const PlayerState& state) override {
    Decision d;
    d.rung = plan_.at(state.next_segment);
    d.reasons.rule = "oracle";
    d.reasons.buffer_s = state.buffer_s;
    return d;
  }
  void reset() override {}
  [[nodiscard]] std::string name() const override { return "oracle"; }

 private:
  std::vector<std::size_t> plan_;
};

// What the DP found: the best plan, and per first rung the value of the
// best surviving plan that starts with it (-inf when none survived).
struct DpResult {
  std::vector<std::size_t> plan;
  std::vector<double> first_rung_value;
};

// The DP from `start` (its next segment, after `prev_rung`) up to segment
// `end` (exclusive): the best rung sequence by the QoE of the segments it
// plays (segments 2..N) plus `terminal_per_buffer_s` x the final buffer.
DpResult plan_dp(const sim::PlaybackSession& start, std::size_t prev_rung, std::size_t end,
                                 const Manifest& manifest, const SimConfig& config, const QoeModel& qoe,
                                 const OracleOptions& options, double terminal_per_buffer_s) {
  const std::size_t first = start.next_segment();
  const std::size_t rungs = manifest.rung_count();
  // Per segment: (rung, parent index) of every kept state.
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> layers;
  layers.reserve(end - first);
  std::vector<Node> current;
  for (std::size_t k = first; k < end; ++k) {
    std::vector<Node> children;
    const auto expand = [&](const Node* parent, std::size_t parent_index) {
      const auto& base = parent ? parent->session : start;
      const std::size_t prev = parent ? parent->rung : prev_rung;
      for (std::size_t r = 0; r < rungs; ++r) {
        if (k == 0 && config.initial_rung != kNoRung && r != config.initial_rung) continue;
        Node child{base, parent ? parent->score : 0.0, r, parent_index, 0, 0, parent ? parent->first_rung : r};
        const SegmentRecord rec = child.session.fetch(k, r, 0.0);
        if (scored_segment(k)) child.score += qoe.segment(r, prev, k, rec.rebuffer_s).total;
        child.time_bin = static_cast<std::int64_t>(std::floor(child.session.clock_s() / options.time_step_s));
        child.buffer_bin = static_cast<std::int64_t>(std::floor(child.session.buffer_s() / options.buffer_step_s));
        children.push_back(std::move(child));
      }
    };
    if (k == first) {
      expand(nullptr, 0);
    } else {
      for (std::size_t i = 0; i < current.size(); ++i) expand(&current[i], i);
    }
    // Group by (rung, clock bin), buffer descending, score descending.
    std::sort(children.begin(), children.end(), [](const Node& a, const Node& b) {
      if (a.rung != b.rung) return a.rung < b.rung;
      if (a.time_bin != b.time_bin) return a.time_bin < b.time_bin;
      if (a.buffer_bin != b.buffer_bin) return a.buffer_bin > b.buffer_bin;
      return a.score > b.score;
    });
    std::vector<Node> kept;
    for (std::size_t begin = 0; begin < children.size();) {
      std::size_t stop = begin + 1;
      while (stop < children.size() && children[stop].rung == children[begin].rung &&
             children[stop].time_bin == children[begin].time_bin) {
        ++stop;
      }
      prune_group(children, begin, stop, qoe.rebuffer_penalty_per_s(), kept);
      begin = stop;
    }
    auto& layer = layers.emplace_back();
    layer.reserve(kept.size());
    for (const auto& node : kept) layer.emplace_back(node.rung, node.parent);
    current = std::move(kept);
  }
  // Best final state, then walk the parents back.
  const auto value = [&](const Node& n) { return n.score + terminal_per_buffer_s * n.session.buffer_s(); };
  DpResult result;
  result.first_rung_value.assign(rungs, -std::numeric_limits<double>::infinity());
  std::size_t best = 0;
  for (std::size_t i = 0; i < current.size(); ++i) {
    if (value(current[i]) > value(current[best])) best = i;
    double& v = result.first_rung_value[current[i].first_rung];
    v = std::max(v, value(current[i]));
  }
  result.plan.resize(end - first);
  for (std::size_t i = result.plan.size(); i-- > 0;) {
    result.plan[i] = layers[i][best].first;
    best = layers[i][best].second;
  }
  return result;
}

void check_oracle_inputs(const SimConfig& config, const OracleOptions& options) {
  if (config.mode == SimMode::live) {
    throw Error("oracle: live mode is not supported (the plan's latency and playback rate have no offline optimum here)");
  }
  if (!(options.time_step_s > 0) || !(options.buffer_step_s > 0)) {
    throw Error("oracle: time_step_s and buffer_step_s must be > 0");
  }
}

}  // namespace

OracleResult solve_oracle(const NetworkTrace& trace, const Manifest& manifest, const SimConfig& config,
                          const QoeModel& qoe, const OracleOptions& options) {
  validate_trace(trace);
  check_oracle_inputs(config, options);
  const sim::PlaybackSession start(trace, manifest, config);
  std::vector<std::size_t> plan =
      plan_dp(start, kNoRung, start.total_segments(), manifest, config, qoe, options, 0.0).plan;
  PlanController controller(plan);
  OracleResult result;
  result.rungs = std::move(plan);
  result.session = simulate(trace, manifest, controller, config, qoe);
  return result;
}

std::vector<double> lookahead_oracle_values(const SimulatedPlayer& player, const Manifest& manifest,
                                            const QoeModel& qoe, const LookaheadOptions& lookahead,
                                            const OracleOptions& options) {
  const SimConfig& config = sim::PlayerAccess::config(player);
  check_oracle_inputs(config, options);
  if (player.done()) throw Error("lookahead oracle: the session is over");
  if (!(lookahead.terminal_value_per_buffer_s >= 0) || !std::isfinite(lookahead.terminal_value_per_buffer_s)) {
    throw Error("lookahead oracle: terminal_value_per_buffer_s must be finite and >= 0");
  }
  const auto& session = sim::PlayerAccess::session(player);
  const std::size_t total = session.total_segments();
  const std::size_t end = lookahead.horizon_segments == 0
                              ? total
                              : std::min(total, session.next_segment() + lookahead.horizon_segments);
  const double terminal = end == total ? 0.0 : lookahead.terminal_value_per_buffer_s;
  return plan_dp(session, sim::PlayerAccess::last_rung(player), end, manifest, config, qoe, options, terminal)
      .first_rung_value;
}

std::size_t lookahead_oracle_rung(const SimulatedPlayer& player, const Manifest& manifest, const QoeModel& qoe,
                                  const LookaheadOptions& lookahead, const OracleOptions& options) {
  const std::vector<double> values = lookahead_oracle_values(player, manifest, qoe, lookahead, options);
  return static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

SessionResult simulate_lookahead_oracle(const NetworkTrace& trace, const Manifest& manifest, const SimConfig& config,
                                        const QoeModel& qoe, const LookaheadOptions& lookahead,
                                        const OracleOptions& options) {
  SimulatedPlayer player(trace, manifest, config, qoe);
  while (!player.done()) {
    Decision d;
    d.rung = player.forced_rung();
    if (d.rung == kNoRung) d.rung = lookahead_oracle_rung(player, manifest, qoe, lookahead, options);
    (void)player.play(d);
  }
  return player.release_result();
}

}  // namespace streamopt
