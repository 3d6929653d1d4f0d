// `utility`: the most total QoE utility under a fairness floor. The max-min
// (qoe_fair) allocation fixes the fair level L, the lowest utility any
// session reaches; every session is first raised to `floor` x L (or its top
// rung), then the remaining bandwidth buys the upgrades of most weighted
// utility per extra bit/s, greedily (optimal for concave utilities, as in
// the network utility maximisation literature, Kelly 1998).
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <queue>
#include <utility>

#include "alloc/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::alloc {

namespace {

class UtilityAllocator final : public BandwidthAllocator {
 public:
  UtilityAllocator(double headroom, NeedModel need, double floor) : headroom_(headroom), need_(need), floor_(floor) {}
  [[nodiscard]] std::string name() const override { return "utility"; }

 protected:
  void do_allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                   std::span<EdgeAllocation> out) override {
    const double budget = headroom_ * capacity_bps;
    const auto fair = leximin_rungs(sessions, budget, need_);
    double level = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < sessions.size(); ++i) level = std::min(level, session_utility(sessions[i], fair[i]));
    std::vector<std::size_t> rungs(sessions.size(), 0);
    double used = 0;
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      const EdgeSession& s = sessions[i];
      const std::size_t top = top_usable_rung(s);
      while (rungs[i] < top && session_utility(s, rungs[i]) < floor_ * level) ++rungs[i];
      used += need_.need_bps(s, rungs[i]);
    }
    if (used > budget) {  // the floor does not fit (floor near 1 with rounding): keep the fair rungs
      write_rungs(sessions, fair, need_, capacity_bps, out);
      return;
    }
    // Max-heap of (weighted utility gain per extra bit/s of the next rung, session).
    std::priority_queue<std::pair<double, std::size_t>> heap;
    const auto push_next = [&](std::size_t i) {
      const EdgeSession& s = sessions[i];
      if (rungs[i] >= top_usable_rung(s)) return;
      const double gain = s.weight * (session_utility(s, rungs[i] + 1) - session_utility(s, rungs[i]));
      const double cost = need_.need_bps(s, rungs[i] + 1) - need_.need_bps(s, rungs[i]);
      heap.emplace(gain / cost, i);
    };
    for (std::size_t i = 0; i < sessions.size(); ++i) push_next(i);
    while (!heap.empty()) {
      const std::size_t i = heap.top().second;
      heap.pop();
      const double extra = need_.need_bps(sessions[i], rungs[i] + 1) - need_.need_bps(sessions[i], rungs[i]);
      if (used + extra > budget) continue;
      used += extra;
      ++rungs[i];
      push_next(i);
    }
    write_rungs(sessions, rungs, need_, capacity_bps, out);
  }

 private:
  double headroom_;
  NeedModel need_;
  double floor_;
};

}  // namespace

std::unique_ptr<BandwidthAllocator> make_utility(const OptionMap& options) {
  const double headroom = headroom_option(options);
  const NeedModel need = NeedModel::from(options);
  const double floor = options.get_double("floor", 0.9);
  if (!(floor >= 0 && floor <= 1)) throw Error(fmt::format("utility: floor = {} is not in [0, 1]", floor));
  return std::make_unique<UtilityAllocator>(headroom, need, floor);
}

}  // namespace streamopt::alloc
