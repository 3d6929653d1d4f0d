// `equal`: every session gets the same bitrate cap, headroom x capacity / n.
#include <algorithm>

#include "alloc/builtin.hpp"

namespace streamopt::alloc {

namespace {

void equal_shares(double budget_bps, std::span<const EdgeSession> sessions, std::span<double> shares_bps) {
  if (sessions.empty()) return;
  std::fill(shares_bps.begin(), shares_bps.end(), budget_bps / static_cast<double>(sessions.size()));
}

}  // namespace

std::unique_ptr<BandwidthAllocator> make_equal(const OptionMap& options) {
  return make_share_allocator("equal", options, equal_shares);
}

}  // namespace streamopt::alloc
