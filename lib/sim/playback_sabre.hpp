#pragma once
// Playback mode `sabre`: the semantics of Sabre (UMass-LIDS/sabre, sabre.py,
// commit 09b03bb), the simulator of the BOLA authors. The link is Sabre's
// (SabreLink: per-period bandwidth and latency). Playback starts as soon as
// the first segment (always rung 0, never abandoned) has arrived; the player
// waits before a request while the buffer plus one segment would exceed the
// cap (SimConfig::max_buffer_s, Sabre's 25 s). Abandonment is asked at
// Sabre's progress steps (after the latency and at least 12000 bits and 50 ms
// received); any rung the hook returns, the same one included, restarts the
// request from its first byte at that rung, and the new request may be
// abandoned again (Sabre lets a controller re-decide after abandoning).
// Statistics (fill_stats): Sabre's time-average played bitrate, total
// rebuffer and score.

#include <cstddef>
#include <cstdint>

#include "sim/download_context.hpp"
#include "sim/link_sabre.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

// Sabre's progress step: a download reports progress after at least this
// many bits and seconds (NetworkModel.min_progress_size / min_progress_time).
inline constexpr double kSabreProgressBits = 12000.0;
inline constexpr double kSabreProgressS = 0.05;
// Sabre's default gamma_p (seconds), the rebuffer weight of its score.
inline constexpr double kSabreGammaP = 5.0;

class SabrePlayback {
 public:
  SabrePlayback(const NetworkTrace& trace, const SimConfig& config);
  // Builds the mode on an explicit link (tests).
  SabrePlayback(SabreLink link, const SimConfig& config);
  [[nodiscard]] double buffer_s() const { return buffer_s_; }
  [[nodiscard]] bool playing() const { return playing_; }
  [[nodiscard]] double startup_delay_s() const { return startup_delay_s_; }
  // Lets `seconds` pass without downloading; the buffer drains by as much.
  void wait(double seconds);
  // Downloads `rec` as Sabre does (see the file comment) and fills the
  // record's times, stall, sleep, buffer, abandonment and transfer_time_s
  // (the last request's download time less its latency).
  void download(SegmentRecord& rec, const DownloadContext& context);
  // Sabre's metrics: mean_bitrate_bps = time-average played bitrate
  // (bitrate x segment time summed, over start-up + media + rebuffer time),
  // sabre_score = time-average utility ln(R/R_0) less gamma_p x rebuffer.
  void fill_stats(SessionStats& stats) const;

 private:
  // One request of `bits`; asks `context.abandon` at each progress step.
  // Returns the rung to restart at, or kNoRung once the request completed.
  std::size_t request(SegmentRecord& rec, const DownloadContext& context, double& spent_s, double& latency_s);
  void drain(double seconds, SegmentRecord& rec);

  SabreLink link_;
  double max_buffer_s_;
  double buffer_s_ = 0;
  bool playing_ = false;
  double startup_delay_s_ = 0;
  double segment_s_ = 0;
  std::size_t segments_ = 0;
  double bitrate_sum_bps_ = 0;  // sum over segments of the nominal bitrate
  double utility_sum_ = 0;      // sum over segments of ln(R / R_0)
  double rebuffer_s_ = 0;
  std::uint64_t abandoned_bytes_ = 0;  // bytes the last abandoned request received
};

}  // namespace streamopt::sim
