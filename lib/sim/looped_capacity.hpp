#pragma once
// The one finish-time rule of a looped trace: a piecewise-constant rate
// (sample i holds over (t[i-1], t[i]]) repeating past its end, time 0 at the
// first sample. The standard playback link and the packet-level link
// simulator both ask it when a transfer finishes.

#include <string>
#include <vector>

#include "streamopt/trace.hpp"

namespace streamopt::sim {

class LoopedCapacity {
 public:
  // The trace's rates times `rate_scale` (e.g. the payload fraction). The
  // trace must be valid; a trace without any capacity is accepted here and
  // makes finish_s() throw.
  LoopedCapacity(const NetworkTrace& trace, double rate_scale);

  // True when the trace carries something in a pass.
  [[nodiscard]] bool has_capacity() const { return bits_per_period_ > 0; }
  // Rate in bits per second at time `t_s`.
  [[nodiscard]] double rate_bps(double t_s) const;
  // When `bytes` that start at `start_s` have all been carried. Whole passes
  // are skipped in O(1). Throws `Error` when the trace carries nothing.
  [[nodiscard]] double finish_s(double start_s, double bytes) const;
  // The first sample boundary (where the rate may change) after `t_s`.
  [[nodiscard]] double next_change_s(double t_s) const;
  // Bits carried over [a_s, b_s].
  [[nodiscard]] double bits_between(double a_s, double b_s) const;
  // Length of one pass over the trace.
  [[nodiscard]] double period_s() const { return period_s_; }
  // Name of the trace, for messages.
  [[nodiscard]] const std::string& name() const { return name_; }

 protected:
  std::vector<double> times_s_;  // relative to the first sample
  std::vector<double> rates_bps_;

 private:
  // Interval holding local time `local_s` (intervals (t[i-1], t[i]]).
  [[nodiscard]] std::size_t interval(double local_s) const;
  std::string name_;
  double period_s_ = 0;
  double bits_per_period_ = 0;
};

}  // namespace streamopt::sim
