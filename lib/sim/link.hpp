#pragma once
// Trace-driven links used by the simulator and the oracle. Each keeps its
// position on the trace; copying a link snapshots it (the oracle branches).

#include <cstdint>
#include <memory>

#include "sim/looped_capacity.hpp"

#include "streamopt/trace.hpp"

namespace streamopt::sim {

// Pensieve's fixed_env.py, in its own units (milliseconds, bytes) and in its
// order of floating-point operations, so that results match it bit for bit.
class PensieveLink {
 public:
  PensieveLink(const NetworkTrace& trace, double payload_fraction, double rtt_ms);
  // Downloads `bytes`; returns the delay in ms including the RTT.
  double download_ms(std::uint64_t bytes);
  // Lets the trace clock run for `ms` without downloading.
  void idle_ms(double ms);

 private:
  void next_sample();
  const NetworkTrace* trace_;
  double payload_fraction_;
  double rtt_ms_;
  std::size_t ptr_ = 1;
  double last_time_s_;
};

// The standard link: throughput x payload fraction, the RTT spent before the
// first byte, and the trace repeating seamlessly with the clock running on.
// Transfers finish by the shared looped-trace rule (LoopedCapacity), which
// copies of the link share.
class LoopingLink {
 public:
  LoopingLink(const NetworkTrace& trace, double payload_fraction, double rtt_s);
  // Downloads `bytes`; returns seconds from request to last byte.
  double download_s(std::uint64_t bytes);
  // Lets the clock run for `seconds`.
  void idle_s(double seconds) { clock_s_ += seconds; }
  // Link clock, seconds since the trace's first sample.
  [[nodiscard]] double clock_s() const { return clock_s_; }
  // The RTT spent before a download's first byte.
  [[nodiscard]] double rtt_s() const { return rtt_s_; }
  // The capacity the link carries bytes at (payload fraction applied).
  [[nodiscard]] const LoopedCapacity& capacity() const { return *capacity_; }

 private:
  std::shared_ptr<const LoopedCapacity> capacity_;
  double rtt_s_;
  double clock_s_ = 0;  // since the trace's first sample
};

}  // namespace streamopt::sim
