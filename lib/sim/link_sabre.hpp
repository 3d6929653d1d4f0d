#pragma once
// Sabre's network model (UMass-LIDS/sabre, sabre.py, class NetworkModel):
// the trace is a list of periods (duration, bandwidth, latency) that repeats
// from the start when it runs out. A request first spends one latency (a
// latency period boundary rescales what is left of it by the new period's
// latency), then its bits at each period's bandwidth. Idle time moves the
// same clock.

#include <cstddef>
#include <vector>

#include "streamopt/trace.hpp"

namespace streamopt::sim {

class SabreLink {
 public:
  // One period of the trace.
  struct Period {
    double duration_s = 0;
    double bandwidth_bps = 0;
    double latency_s = 0;
  };
  // Periods from a trace: sample i (i >= 1) is the period from time_s[i-1] to
  // time_s[i] at throughput_bps[i] and latency_s[i] (0 without latencies).
  // Throws `Error` when no period has both a duration and some bandwidth.
  explicit SabreLink(const NetworkTrace& trace);
  // Builds the link from periods directly (tests); same check.
  explicit SabreLink(std::vector<Period> periods);

  // Spends one request latency; returns its seconds.
  double latency_s();
  // Spends the time `bits` take at the periods' bandwidths; returns seconds.
  double transfer_s(double bits);
  // Downloads up to `bits` but stops once at least `min_bits` were received
  // and at least `min_s` passed (Sabre's progress step); returns the bits
  // received and the seconds spent.
  struct Step {
    double bits = 0;
    double seconds = 0;
  };
  Step transfer_step(double bits, double min_bits, double min_s);
  // Lets `seconds` pass idle.
  void idle(double seconds);
  // Seconds since the session started.
  [[nodiscard]] double clock_s() const { return clock_s_; }

 private:
  void next_period();
  std::vector<Period> periods_;
  std::size_t index_ = 0;
  double time_to_next_s_ = 0;
  double clock_s_ = 0;
};

}  // namespace streamopt::sim
