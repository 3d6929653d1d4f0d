#pragma once
// The player model of one session, shared by the simulator and the oracle.
// Copying a PlaybackSession snapshots it, which is how the oracle branches.

#include "sim/link.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

class PlaybackSession {
 public:
  // Validates the config against the manifest; the trace must be valid and
  // outlive the session.
  PlaybackSession(const NetworkTrace& trace, const Manifest& manifest, const SimConfig& config);

  // Segments in the session.
  [[nodiscard]] std::size_t total_segments() const { return total_; }
  // Player clock, seconds since the session started.
  [[nodiscard]] double clock_s() const { return clock_s_; }
  // Buffered media, seconds.
  [[nodiscard]] double buffer_s() const;
  // Whether playback has started (waits are only honoured then).
  [[nodiscard]] bool playing() const { return playing_; }
  // Time to first frame so far.
  [[nodiscard]] double startup_delay_s() const { return startup_delay_s_; }

  // Waits `delay_s` (clamped to the buffer; ignored before playback), then
  // fetches `segment` at `rung`, then waits while the buffer is above the
  // cap. Returns the record without its QoE terms.
  SegmentRecord fetch(std::size_t segment, std::size_t rung, double delay_s);

 private:
  void idle(double seconds);
  const Manifest* manifest_;
  const SimConfig* config_;
  std::size_t total_;
  bool pensieve_;
  PensieveLink pensieve_link_;
  LoopingLink looping_link_;
  double clock_s_ = 0;
  double buffer_ms_ = 0;  // pensieve mode keeps the reference's unit
  double buffer_s_ = 0;
  bool playing_;
  double startup_delay_s_ = 0;
};

}  // namespace streamopt::sim
