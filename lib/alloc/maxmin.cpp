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

class MaxMinAllocator final : public BandwidthAllocator {
 public:
  explicit MaxMinAllocator(double headroom) : headroom_(headroom) {}
  [[nodiscard]] std::string name() const override { return "maxmin"; }

 protected:
  void do_allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                   std::span<EdgeAllocation> out) override {
    const std::size_t n = sessions.size();
    std::vector<double> demand(n);
    for (std::size_t i = 0; i < n; ++i) demand[i] = sessions[i].bitrates_bps[top_usable_rung(sessions[i])];
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return demand[a] < demand[b]; });
    // Smallest demands first: each gets min(demand, an equal split of what is left).
    std::vector<double> shares(n);
    double left = headroom_ * capacity_bps;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = order[k];
      const double level = left / static_cast<double>(n - k);
      shares[i] = std::min(demand[i], level);
      left -= shares[i];
    }
    write_shares(shares, out);
  }

 private:
  double headroom_;
};

}  // namespace

std::unique_ptr<BandwidthAllocator> make_maxmin(const OptionMap& options) {
  return std::make_unique<MaxMinAllocator>(headroom_option(options));
}

}  // namespace streamopt::alloc
