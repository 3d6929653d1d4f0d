#pragma once
// Playback mode `pensieve`: Pensieve's fixed_env.py get_video_chunk,
// operation for operation and in its units (milliseconds), so that results
// match the reference bit for bit. Playback counts as started from the first
// request (the first download's stall is the start-up delay).

#include "sim/download_context.hpp"
#include "sim/link.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

class PensievePlayback {
 public:
  PensievePlayback(const NetworkTrace& trace, const SimConfig& config);
  [[nodiscard]] double buffer_s() const { return buffer_ms_ / 1000.0; }
  [[nodiscard]] bool playing() const { return true; }
  [[nodiscard]] double startup_delay_s() const { return startup_delay_s_; }
  // Lets `seconds` pass without downloading; the buffer drains by as much.
  void wait(double seconds);
  // Downloads `rec.size_bytes` for `rec.segment` and fills the record's
  // download time, stall, sleep and buffer (no progress events: the
  // reference has none).
  void download(SegmentRecord& rec, const DownloadContext& context);

 private:
  PensieveLink link_;
  double max_buffer_ms_;
  double sleep_step_ms_;
  double buffer_ms_ = 0;
  double startup_delay_s_ = 0;
};

}  // namespace streamopt::sim
