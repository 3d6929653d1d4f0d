// `proportional`: shares in proportion to weight x demand, where a session's
// demand is the top bitrate its device can use: a TV showing a 4K ladder
// gets more than a phone capped at 720p, in the spirit of SAND's
// (ISO/IEC 23009-5) shared-resource assignment by device class.
#include "alloc/builtin.hpp"

namespace streamopt::alloc {

namespace {

void proportional_shares(double budget_bps, std::span<const EdgeSession> sessions, std::span<double> shares_bps) {
  double total = 0;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    shares_bps[i] = sessions[i].weight * sessions[i].bitrates_bps[top_usable_rung(sessions[i])];
    total += shares_bps[i];
  }
  for (double& s : shares_bps) s = total > 0 ? budget_bps * s / total : 0.0;
}

}  // namespace

std::unique_ptr<BandwidthAllocator> make_proportional(const OptionMap& options) {
  return make_share_allocator("proportional", options, proportional_shares);
}

}  // namespace streamopt::alloc
