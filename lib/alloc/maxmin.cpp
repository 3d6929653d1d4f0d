// `maxmin`: max-min fair bitrate by water-filling. A session never gets more
// than its demand (the top bitrate its device can use); what it leaves is
// split among the others, so no share can grow without shrinking a smaller
// one (Bertsekas and Gallager, Data Networks, 6.5.2).
#include <algorithm>
#include <numeric>
#include <vector>

#include "alloc/builtin.hpp"

namespace streamopt::alloc {

namespace {

void maxmin_shares(double budget_bps, std::span<const EdgeSession> sessions, std::span<double> shares_bps) {
  const std::size_t n = sessions.size();
  std::vector<double> demand(n);
  for (std::size_t i = 0; i < n; ++i) demand[i] = sessions[i].bitrates_bps[top_usable_rung(sessions[i])];
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return demand[a] < demand[b]; });
  // Smallest demands first: each gets min(demand, an equal split of what is left).
  double left = budget_bps;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = order[k];
    shares_bps[i] = std::min(demand[i], left / static_cast<double>(n - k));
    left -= shares_bps[i];
  }
}

}  // namespace

std::unique_ptr<BandwidthAllocator> make_maxmin(const OptionMap& options) {
  return make_share_allocator("maxmin", options, maxmin_shares);
}

}  // namespace streamopt::alloc
