// Piecewise-constant bottleneck capacity from a trace, looped: the shared
// finish-time rule (sim/looped_capacity) plus the capacity steps the metrics use.
#include <algorithm>
#include <cmath>

#include "cc/cc_run.hpp"
#include "streamopt/error.hpp"

namespace streamopt::cc {

namespace {
const NetworkTrace& validated(const NetworkTrace& trace) {
  validate_trace(trace);
  return trace;
}
}  // namespace

CapacityCurve::CapacityCurve(const NetworkTrace& trace) : LoopedCapacity(validated(trace), 1.0) {
  if (!has_capacity()) throw Error("capacity trace '" + trace.name + "' never has any capacity");
}

std::vector<CapacityCurve::Step> CapacityCurve::steps(double end_s) const {
  std::vector<Step> out;
  for (double base = 0; base < end_s; base += period_s()) {
    for (std::size_t i = 1; i + 1 < times_s_.size(); ++i) {
      const double t = base + times_s_[i];
      if (t >= end_s) return out;
      const double before = rates_bps_[i], after = rates_bps_[i + 1];
      if (std::fabs(after - before) > 0.1 * std::max(before, after)) out.push_back({t, before, after});
    }
  }
  return out;
}

}  // namespace streamopt::cc
