#pragma once
// Simulated sessions played in lockstep for the reinforcement-learning
// trainers (ppo, dqn): every step, each session waits for one decision; the
// trainer scores all of them in one batch, and the batch plays them. A
// session that ends restarts at once on another training trace, chosen (in
// proportion to the traces' weights) and rotated (started at a random
// sample) by the batch's seeded generator, so a run is deterministic for a
// seed.

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "model/download_history.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/simulator.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::learn {

// `trace` started at sample `first` and wrapped around (a trace that loops,
// as the simulators loop it, seen from another point).
NetworkTrace rotate_trace(const NetworkTrace& trace, std::size_t first);

class SessionBatch {
 public:
  // `sessions` sessions of `manifest` over `traces` (not copied: they must
  // outlive the batch), each trace drawn in proportion to its entry of
  // `weights` (one per trace, each > 0; empty = all alike). Error when there
  // are no traces or sessions, or the weights do not fit.
  SessionBatch(const std::vector<NetworkTrace>& traces, const Manifest& manifest, const SimConfig& sim,
               const QoeModel& qoe, std::size_t sessions, std::uint64_t seed, const std::vector<double>& weights = {});

  // Sessions played at once.
  [[nodiscard]] std::size_t sessions() const { return players_.size(); }
  // Rungs of every decision (the manifest's ladder).
  [[nodiscard]] std::size_t rungs() const { return manifest_.rung_count(); }
  // Every session's feature rows for its next decision: sessions x rungs x
  // rung_feature_count(), row-major.
  [[nodiscard]] const std::vector<float>& features() const { return features_; }

  // Plays `actions[i]` in session i; `reward[i]` is that segment's QoE and
  // `done[i]` says the session ended with it (it has restarted on a new
  // trace, so features() is the new session's first decision).
  void step(const std::vector<std::size_t>& actions, std::vector<float>& reward, std::vector<std::uint8_t>& done);

  // Mean QoE per segment of the sessions finished since the last call (0 if
  // none), scored as evaluation scores a session (the first segment left out).
  double take_finished_qoe_per_segment();

 private:
  // Draws session i's next trace (a random training trace, rotated to a random sample).
  void draw_trace(std::size_t i);
  // Restarts session i on a newly drawn trace.
  void start(std::size_t i);
  // Plays forced rungs until session i waits for a decision, then writes its rows.
  void advance(std::size_t i);

  const std::vector<NetworkTrace>& traces_;
  const Manifest& manifest_;
  SimConfig sim_;
  const QoeModel& qoe_;
  std::mt19937_64 rng_;
  bool weighted_ = false;                       // false: every trace alike
  std::discrete_distribution<std::size_t> pick_;  // the weighted draw
  std::vector<NetworkTrace> rotated_;
  std::vector<SimulatedPlayer> players_;
  std::vector<model::DownloadHistory> histories_;
  std::vector<float> features_, rows_;
  double finished_qoe_per_segment_ = 0;  // sum over the finished sessions
  std::size_t finished_sessions_ = 0;
};

}  // namespace streamopt::learn
