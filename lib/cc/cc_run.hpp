#pragma once
// Private pieces shared by the link simulator (link_sim.cpp) and the metrics
// (cc_metrics.cpp).
#include <vector>

#include "sim/looped_capacity.hpp"
#include "streamopt/cc_sim.hpp"

namespace streamopt::cc {

// Piecewise-constant capacity of a trace, looped past its end; simulation
// time 0 is the trace's first sample.
class CapacityCurve : public sim::LoopedCapacity {
 public:
  // Throws `Error` if the trace is invalid or never has capacity.
  explicit CapacityCurve(const NetworkTrace& trace);
  // Times in [0, end_s) where the capacity changes by more than 10 %,
  // with the rates before and after.
  struct Step {
    double time_s, before_bps, after_bps;
  };
  [[nodiscard]] std::vector<Step> steps(double end_s) const;
};

// True while `f` sends at `t_s`: started, not stopped, not paused.
bool flow_sending(const FlowConfig& f, double t_s);

// What the simulator hands to the metrics besides the public result.
struct RawRun {
  std::vector<CcPacketRecord> packets;               // every packet, all flows
  std::vector<std::vector<double>> frame_delays_s;   // per flow, complete frames
  std::vector<std::vector<double>> encoded_bits_per_s; // per flow, encoder output per 1 s bin
  std::vector<std::vector<bool>> active_bins;        // per flow, 1 s bins with the flow sending
  std::vector<double> frames_captured, frames_skipped; // per flow
};

// RFC 8868 metrics of a finished run.
CcMetrics compute_cc_metrics(const CcCase& c, const CapacityCurve& capacity, const RawRun& raw,
                             const std::vector<CcIntervalRecord>& intervals,
                             const std::vector<std::string>& labels);

}  // namespace streamopt::cc
