// What the continuous-share allocators (equal, proportional, maxmin) share.
#include <fmt/format.h>

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

void write_shares(std::span<const double> shares_bps, std::span<EdgeAllocation> out) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = EdgeAllocation{shares_bps[i], shares_bps[i]};
}

}  // namespace streamopt::alloc
