#pragma once
/// \file oracle.hpp
/// The offline-optimal oracle: the best rung sequence knowing the whole trace.

#include <cstddef>
#include <vector>

#include "streamopt/simulator.hpp"

namespace streamopt {

/// Grid of the oracle's dynamic program.
struct OracleOptions {
  double time_step_s = 0.5;     ///< states whose clocks fall in one bin are compared
  double buffer_step_s = 0.05;  ///< buffer tolerance of the Pareto pruning
};

/// Result of the oracle: the plan and its session, re-simulated exactly.
struct OracleResult {
  std::vector<std::size_t> rungs;  ///< one per segment
  SessionResult session;           ///< the plan played by `simulate`
};

/// Finds a rung sequence maximising the session QoE (sum of per-segment QoE
/// over segments 2..N, the evaluation table's convention)
/// under `config`'s simulator on `trace`. A forward dynamic program over
/// segments keeps, for each (last rung, clock bin), the states not dominated
/// in (QoE so far, buffer) (see docs/algorithms.md); the winning plan is played through `simulate` so
/// its numbers are exact. Throws `Error` as `simulate` does.
OracleResult solve_oracle(const NetworkTrace& trace, const Manifest& manifest,
                          const SimConfig& config, const QoeModel& qoe,
                          const OracleOptions& options = {});

}  // namespace streamopt
