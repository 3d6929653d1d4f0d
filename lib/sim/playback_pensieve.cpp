#include "sim/playback_pensieve.hpp"

#include <algorithm>
#include <cmath>

namespace streamopt::sim {

PensievePlayback::PensievePlayback(const NetworkTrace& trace, const SimConfig& config)
    : link_(trace, config.payload_fraction, config.rtt_s * 1000.0),
      max_buffer_ms_(config.max_buffer_s * 1000.0),
      sleep_step_ms_(config.sleep_step_s * 1000.0) {}

void PensievePlayback::wait(double seconds) {
  link_.idle_ms(seconds * 1000.0);
  buffer_ms_ -= seconds * 1000.0;
}

void PensievePlayback::download(SegmentRecord& rec, const DownloadContext& context) {
  const double segment_s = context.segment_s();
  const double delay_ms = link_.download_ms(rec.size_bytes);
  const double rebuf_ms = std::max(delay_ms - buffer_ms_, 0.0);
  buffer_ms_ = std::max(buffer_ms_ - delay_ms, 0.0) + segment_s * 1000.0;
  double sleep_ms = 0;
  if (buffer_ms_ > max_buffer_ms_) {
    sleep_ms = std::ceil((buffer_ms_ - max_buffer_ms_) / sleep_step_ms_) * sleep_step_ms_;
    buffer_ms_ -= sleep_ms;
    link_.idle_ms(sleep_ms);
  }
  rec.download_time_s = delay_ms / 1000.0;
  rec.rebuffer_s = rebuf_ms / 1000.0;
  rec.sleep_s = sleep_ms / 1000.0;
  rec.buffer_s = buffer_ms_ / 1000.0;
  if (rec.segment == 0) startup_delay_s_ = rec.rebuffer_s;
}

}  // namespace streamopt::sim
