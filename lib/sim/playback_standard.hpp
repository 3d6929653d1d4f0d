#pragma once
// Playback mode `default`: the standard player. Downloads take the RTT before
// the first byte and the trace repeats seamlessly; playback starts once
// `startup_threshold_s` of media is buffered (or the last segment arrived),
// and waits are continuous.

#include "sim/download_context.hpp"
#include "sim/link.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

class StandardPlayback {
 public:
  StandardPlayback(const NetworkTrace& trace, const SimConfig& config);
  [[nodiscard]] double buffer_s() const { return buffer_s_; }
  [[nodiscard]] bool playing() const { return playing_; }
  [[nodiscard]] double startup_delay_s() const { return startup_delay_s_; }
  // Lets `seconds` pass without downloading; the buffer drains by as much.
  void wait(double seconds);
  // Downloads `rec.size_bytes` for `rec.segment` (or, when the hook
  // abandons it at a progress event, the replacement rung) and fills the
  // record's download time, stall, sleep, buffer and abandonment.
  void download(SegmentRecord& rec, const DownloadContext& context);

 private:
  // Walks the progress events of the request for `rec`; on abandonment
  // spends the time until then, rewrites `rec` to the new rung and returns
  // the seconds spent; else returns 0 and spends nothing.
  double abandoned_s(SegmentRecord& rec, const DownloadContext& context);
  LoopingLink link_;
  double max_buffer_s_;
  double startup_threshold_s_;
  double buffer_s_ = 0;
  bool playing_ = false;
  double startup_delay_s_ = 0;
};

}  // namespace streamopt::sim
