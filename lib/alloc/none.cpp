// `none`: no allocation; the players share the link as their downloads
// happen to overlap (the baseline every allocator is measured against).
#include "alloc/builtin.hpp"

namespace streamopt::alloc {

namespace {

class NoAllocator final : public BandwidthAllocator {
 public:
  [[nodiscard]] std::string name() const override { return "none"; }

 protected:
  void do_allocate(double, std::span<const EdgeSession>, std::span<EdgeAllocation> out) override {
    for (auto& a : out) a = EdgeAllocation{};
  }
};

}  // namespace

std::unique_ptr<BandwidthAllocator> make_none(const OptionMap&) { return std::make_unique<NoAllocator>(); }

}  // namespace streamopt::alloc
