#include "sim/playback_standard.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "streamopt/error.hpp"

namespace streamopt::sim {

StandardPlayback::StandardPlayback(const NetworkTrace& trace, const SimConfig& config)
    : link_(trace, config.payload_fraction, config.rtt_s),
      max_buffer_s_(config.max_buffer_s),
      startup_threshold_s_(config.startup_threshold_s) {}

void StandardPlayback::wait(double seconds) {
  link_.idle_s(seconds);
  buffer_s_ -= seconds;
}

double StandardPlayback::abandoned_s(SegmentRecord& rec, const DownloadContext& context) {
  if (context.abandon == nullptr || !(context.progress_interval_s > 0)) return 0;
  const LoopedCapacity& capacity = link_.capacity();
  if (!capacity.has_capacity()) return 0;  // the download itself reports the dead trace
  const double request_s = link_.clock_s();
  const double first_byte_s = request_s + link_.rtt_s();
  const double finish_s = capacity.finish_s(first_byte_s, static_cast<double>(rec.size_bytes));
  DownloadProgress progress{rec.segment, rec.rung, rec.size_bytes, 0, context.request_clock_s, 0, buffer_s_};
  for (std::size_t event = 1; event <= kMaxProgressEvents; ++event) {
    const double elapsed_s = static_cast<double>(event) * context.progress_interval_s;
    const double now_s = request_s + elapsed_s;
    if (now_s >= finish_s) break;
    const double bits = now_s > first_byte_s ? capacity.bits_between(first_byte_s, now_s) : 0.0;
    progress.received_bytes = std::min(rec.size_bytes - 1, static_cast<std::uint64_t>(bits / 8.0));
    progress.elapsed_s = elapsed_s;
    progress.buffer_s = playing_ ? std::max(0.0, buffer_s_ - elapsed_s) : buffer_s_;
    const std::size_t rung = (*context.abandon)(progress);
    if (rung == kNoRung || rung == rec.rung) continue;
    if (rung >= context.manifest->rung_count()) {
      throw Error(fmt::format("abandoned segment {} for rung {} of a {}-rung ladder", rec.segment, rung,
                              context.manifest->rung_count()));
    }
    link_.idle_s(elapsed_s);
    rec.abandoned_rung = rec.rung;
    rec.abandoned_bytes = progress.received_bytes;
    rec.abandoned_s = elapsed_s;
    rec.rung = rung;
    rec.bitrate_bps = context.manifest->bitrate_bps(rung);
    rec.size_bytes = context.manifest->segment_size_bytes(rec.segment, rung);
    return elapsed_s;
  }
  return 0;
}

void StandardPlayback::download(SegmentRecord& rec, const DownloadContext& context) {
  const double segment_s = context.segment_s();
  const std::size_t total_segments = context.total_segments;
  const double download_s = abandoned_s(rec, context) + link_.download_s(rec.size_bytes);
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
