// `qoe_fair`: max-min fairness of QoE rather than of bitrate, in the spirit
// of Minerva (Nathan et al., SIGCOMM 2019): sessions are compared by the
// utility their QoE model gives their rung (so a phone capped at 720p and a
// TV on a richer ladder are weighed by what they see, not by raw bits), and
// bandwidth is charged by what a rung needs given the session's buffer (a
// session low on buffer needs more than the bitrate to refill it). The cap
// sent to each player is its rung's bitrate; the target rates share the link
// in proportion to the needs.
#include <fmt/format.h>

#include <algorithm>
#include <queue>
#include <tuple>

#include "alloc/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::alloc {

NeedModel NeedModel::from(const OptionMap& options) {
  NeedModel m;
  m.target_buffer_s = options.get_double("target_buffer_s", m.target_buffer_s);
  m.refill_s = options.get_double("refill_s", m.refill_s);
  if (!(m.target_buffer_s >= 0 && m.target_buffer_s <= 3600)) {
    throw Error(fmt::format("{}: target_buffer_s = {} is not in [0, 3600]", options.owner(), m.target_buffer_s));
  }
  if (!(m.refill_s > 0 && m.refill_s <= 3600)) {
    throw Error(fmt::format("{}: refill_s = {} is not in (0, 3600]", options.owner(), m.refill_s));
  }
  return m;
}

double NeedModel::factor(const EdgeSession& session) const {
  return 1.0 + std::max(0.0, target_buffer_s - session.buffer_s) / refill_s;
}

std::vector<std::size_t> leximin_rungs(std::span<const EdgeSession> sessions, double budget_bps,
                                       const NeedModel& need) {
  const std::size_t n = sessions.size();
  std::vector<std::size_t> rungs(n, 0);
  std::vector<double> factors(n);
  double used = 0;
  for (std::size_t i = 0; i < n; ++i) {
    factors[i] = need.factor(sessions[i]);
    used += sessions[i].bitrates_bps[0] * factors[i];
  }
  if (used >= budget_bps) return rungs;
  // Min-heap on (utility, buffer, index): the worst-off session first.
  using Key = std::tuple<double, double, std::size_t>;
  std::vector<Key> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (top_usable_rung(sessions[i]) > 0) keys.emplace_back(session_utility(sessions[i], 0), sessions[i].buffer_s, i);
  }
  std::priority_queue<Key, std::vector<Key>, std::greater<>> heap(std::greater<>{}, std::move(keys));
  while (!heap.empty()) {
    const std::size_t i = std::get<2>(heap.top());
    heap.pop();
    const EdgeSession& s = sessions[i];
    const double extra = (s.bitrates_bps[rungs[i] + 1] - s.bitrates_bps[rungs[i]]) * factors[i];
    if (used + extra > budget_bps) continue;  // cannot rise: stays, the next lowest tries
    used += extra;
    ++rungs[i];
    if (rungs[i] < top_usable_rung(s)) heap.emplace(session_utility(s, rungs[i]), s.buffer_s, i);
  }
  return rungs;
}

void write_rungs(std::span<const EdgeSession> sessions, std::span<const std::size_t> rungs, const NeedModel& need,
                 double capacity_bps, std::span<EdgeAllocation> out) {
  double total = 0;
  for (std::size_t i = 0; i < sessions.size(); ++i) total += need.need_bps(sessions[i], rungs[i]);
  const double scale = total > 0 ? capacity_bps / total : 0.0;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    out[i] = EdgeAllocation{sessions[i].bitrates_bps[rungs[i]], need.need_bps(sessions[i], rungs[i]) * scale};
  }
}

namespace {

class QoeFairAllocator final : public BandwidthAllocator {
 public:
  QoeFairAllocator(double headroom, NeedModel need) : headroom_(headroom), need_(need) {}
  [[nodiscard]] std::string name() const override { return "qoe_fair"; }

 protected:
  void do_allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                   std::span<EdgeAllocation> out) override {
    const auto rungs = leximin_rungs(sessions, headroom_ * capacity_bps, need_);
    write_rungs(sessions, rungs, need_, capacity_bps, out);
  }

 private:
  double headroom_;
  NeedModel need_;
};

}  // namespace

std::unique_ptr<BandwidthAllocator> make_qoe_fair(const OptionMap& options) {
  const double headroom = headroom_option(options);
  return std::make_unique<QoeFairAllocator>(headroom, NeedModel::from(options));
}

}  // namespace streamopt::alloc
