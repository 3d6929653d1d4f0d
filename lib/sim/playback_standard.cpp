#include "sim/playback_standard.hpp"

#include <algorithm>

namespace streamopt::sim {

StandardPlayback::StandardPlayback(const NetworkTrace& trace, const SimConfig& config)
    : link_(trace, config.payload_fraction, config.rtt_s),
      max_buffer_s_(config.max_buffer_s),
      startup_threshold_s_(config.startup_threshold_s) {}

void StandardPlayback::wait(double seconds) {
  link_.idle_s(seconds);
  buffer_s_ -= seconds;
}

void StandardPlayback::download(SegmentRecord& rec, double segment_s, std::size_t total_segments) {
  const double download_s = link_.download_s(rec.size_bytes);
  if (playing_) {
    rec.rebuffer_s = std::max(0.0, download_s - buffer_s_);
    buffer_s_ = std::max(0.0, buffer_s_ - download_s);
  } else {
    startup_delay_s_ += download_s;
  }
  buffer_s_ += segment_s;
  if (!playing_ && (buffer_s_ >= startup_threshold_s_ || rec.segment + 1 == total_segments)) playing_ = true;
  if (playing_ && buffer_s_ > max_buffer_s_) {
    rec.sleep_s = buffer_s_ - max_buffer_s_;
    buffer_s_ = max_buffer_s_;
    link_.idle_s(rec.sleep_s);
  }
  rec.download_time_s = download_s;
  rec.buffer_s = buffer_s_;
}

}  // namespace streamopt::sim
