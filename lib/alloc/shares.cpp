// What the continuous-share allocators (equal, proportional, maxmin) share:
// the headroom option, and one class that runs a share rule.
#include <fmt/format.h>

#include <utility>

#include "alloc/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::alloc {

double headroom_option(const OptionMap& options) {
  const double headroom = options.get_double("headroom", 0.9);
  if (!(headroom > 0 && headroom <= 1)) {
    throw Error(fmt::format("{}: headroom = {} is not in (0, 1]", options.owner(), headroom));
  }
  return headroom;
}

namespace {

class ShareAllocator final : public BandwidthAllocator {
 public:
  ShareAllocator(std::string name, double headroom, ShareRule rule)
      : name_(std::move(name)), headroom_(headroom), rule_(rule) {}
  [[nodiscard]] std::string name() const override { return name_; }

 protected:
  void do_allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                   std::span<EdgeAllocation> out) override {
    std::vector<double> shares(sessions.size());
    rule_(headroom_ * capacity_bps, sessions, shares);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = EdgeAllocation{shares[i], shares[i]};
  }

 private:
  std::string name_;
  double headroom_;
  ShareRule rule_;
};

}  // namespace

std::unique_ptr<BandwidthAllocator> make_share_allocator(std::string name, const OptionMap& options, ShareRule rule) {
  return std::make_unique<ShareAllocator>(std::move(name), headroom_option(options), rule);
}

}  // namespace streamopt::alloc
