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

/// The lookahead oracle's default DP grid: coarser than the full oracle's,
/// as it runs before every segment.
inline constexpr OracleOptions kLookaheadOracleGrid{1.0, 0.1};

/// How far the lookahead oracle plans and what it makes of the buffer left
/// at its horizon.
struct LookaheadOptions {
  std::size_t horizon_segments = 16;         ///< segments planned (0 = to the end of the session)
  double terminal_value_per_buffer_s = 0;    ///< QoE credited per second of buffer left at the horizon
};

/// The oracle's next rung from `player`'s current state, knowing the trace:
/// the dynamic program of `solve_oracle` from that state over the next
/// `horizon_segments`, final states valued at their QoE plus
/// `terminal_value_per_buffer_s` x their buffer (nothing past the end of the
/// session). The expert the imitation trainer learns from (Comyco's
/// "instant solver" shape). `manifest` and `qoe` are the player's. Throws
/// `Error` in live mode, when the session is over or on bad options.
std::size_t lookahead_oracle_rung(const SimulatedPlayer& player, const Manifest& manifest, const QoeModel& qoe,
                                  const LookaheadOptions& lookahead = {}, const OracleOptions& options = kLookaheadOracleGrid);

/// The lookahead oracle's value of each first rung: per rung, the value
/// (QoE over the horizon plus the buffer credit) of the best plan the DP kept
/// that starts with it; -infinity for a rung whose plans were all pruned
/// (dominated). `lookahead_oracle_rung` is its argmax; the imitation trainer
/// learns from the whole vector (soft targets).
std::vector<double> lookahead_oracle_values(const SimulatedPlayer& player, const Manifest& manifest,
                                            const QoeModel& qoe, const LookaheadOptions& lookahead = {},
                                            const OracleOptions& options = kLookaheadOracleGrid);

/// A whole session played by the lookahead oracle, replanning before every
/// segment (`evaluate --abr oracle_lookahead:horizon=16,buffer_value=0`):
/// how good the imitation trainer's expert is. Throws as `lookahead_oracle_rung`.
SessionResult simulate_lookahead_oracle(const NetworkTrace& trace, const Manifest& manifest, const SimConfig& config,
                                        const QoeModel& qoe, const LookaheadOptions& lookahead = {},
                                        const OracleOptions& options = kLookaheadOracleGrid);

}  // namespace streamopt
