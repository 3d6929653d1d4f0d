// `proportional`: shares in proportion to weight x demand, where a session's
// demand is the top bitrate its device can use: a TV showing a 4K ladder
// gets more than a phone capped at 720p, in the spirit of SAND's
// (ISO/IEC 23009-5) shared-resource assignment by device class.
#include <vector>

#include "alloc/builtin.hpp"

namespace streamopt::alloc {

namespace {

class ProportionalAllocator final : public BandwidthAllocator {
 public:
  explicit ProportionalAllocator(double headroom) : headroom_(headroom) {}
  [[nodiscard]] std::string name() const override { return "proportional"; }

 protected:
  void do_allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                   std::span<EdgeAllocation> out) override {
    std::vector<double> shares(sessions.size());
    double total = 0;
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      shares[i] = sessions[i].weight * sessions[i].bitrates_bps[top_usable_rung(sessions[i])];
      total += shares[i];
    }
    for (double& s : shares) s = total > 0 ? headroom_ * capacity_bps * s / total : 0.0;
    write_shares(shares, out);
  }

 private:
  double headroom_;
};

}  // namespace

std::unique_ptr<BandwidthAllocator> make_proportional(const OptionMap& options) {
  return std::make_unique<ProportionalAllocator>(headroom_option(options));
}

}  // namespace streamopt::alloc
