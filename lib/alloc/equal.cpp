// `equal`: every session gets the same bitrate cap, headroom x capacity / n.
#include <vector>

#include "alloc/builtin.hpp"

namespace streamopt::alloc {

namespace {

class EqualAllocator final : public BandwidthAllocator {
 public:
  explicit EqualAllocator(double headroom) : headroom_(headroom) {}
  [[nodiscard]] std::string name() const override { return "equal"; }

 protected:
  void do_allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                   std::span<EdgeAllocation> out) override {
    if (sessions.empty()) return;
    const double share = headroom_ * capacity_bps / static_cast<double>(sessions.size());
    const std::vector<double> shares(sessions.size(), share);
    write_shares(shares, out);
  }

 private:
  double headroom_;
};

}  // namespace

std::unique_ptr<BandwidthAllocator> make_equal(const OptionMap& options) {
  return std::make_unique<EqualAllocator>(headroom_option(options));
}

}  // namespace streamopt::alloc
