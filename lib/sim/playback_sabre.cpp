#include "sim/playback_sabre.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt::sim {

SabrePlayback::SabrePlayback(const NetworkTrace& trace, const SimConfig& config)
    : SabrePlayback(SabreLink(trace), config) {}

SabrePlayback::SabrePlayback(SabreLink link, const SimConfig& config)
    : link_(std::move(link)), max_buffer_s_(config.max_buffer_s) {}

void SabrePlayback::wait(double seconds) {
  link_.idle(seconds);
  buffer_s_ -= seconds;
}

void SabrePlayback::drain(double seconds, SegmentRecord& rec) {
  if (!playing_) return;
  const double stall_s = std::max(0.0, seconds - buffer_s_);
  rec.rebuffer_s += stall_s;
  rebuffer_s_ += stall_s;
  buffer_s_ = std::max(0.0, buffer_s_ - seconds);
}

std::size_t SabrePlayback::request(SegmentRecord& rec, const DownloadContext& context, double& spent_s,
                                   double& latency_s) {
  const double bits = static_cast<double>(rec.size_bytes) * 8.0;
  latency_s = link_.latency_s();
  spent_s = latency_s;
  if (!playing_ || context.abandon == nullptr || !(bits > 0)) {
    spent_s += link_.transfer_s(bits);
    return kNoRung;
  }
  const double buffer_at_request_s = buffer_s_;
  double received = 0;
  double min_s = kSabreProgressS - latency_s;
  DownloadProgress progress{rec.segment, rec.rung, rec.size_bytes, 0, context.request_clock_s, 0, 0};
  progress.first_byte_s = latency_s;
  while (received < bits) {
    const SabreLink::Step step = link_.transfer_step(bits - received, kSabreProgressBits, min_s);
    received += step.bits;
    spent_s += step.seconds;
    min_s = kSabreProgressS;
    if (received >= bits) break;
    progress.received_bytes = std::min(rec.size_bytes - 1, static_cast<std::uint64_t>(received / 8.0));
    progress.elapsed_s = spent_s;
    progress.buffer_s = std::max(0.0, buffer_at_request_s - spent_s);
    const std::size_t rung = (*context.abandon)(progress);
    if (rung == kNoRung) continue;
    abandoned_bytes_ = progress.received_bytes;
    if (rung >= context.manifest->rung_count()) {
      throw Error(fmt::format("abandoned segment {} for rung {} of a {}-rung ladder", rec.segment, rung,
                              context.manifest->rung_count()));
    }
    return rung;
  }
  return kNoRung;
}

void SabrePlayback::download(SegmentRecord& rec, const DownloadContext& context) {
  segment_s_ = context.segment_s();
  double total_s = 0;
  for (std::size_t attempt = 0;; ++attempt) {
    double spent_s = 0;
    double latency_s = 0;
    const std::size_t restart = request(rec, context, spent_s, latency_s);
    total_s += spent_s;
    drain(spent_s, rec);
    if (restart == kNoRung) {
      rec.transfer_time_s = spent_s - latency_s;
      break;
    }
    if (attempt + 1 >= kMaxProgressEvents) {
      throw Error(fmt::format("segment {}: abandoned more than {} times", rec.segment, kMaxProgressEvents));
    }
    if (rec.abandoned_rung == kNoRung) rec.abandoned_rung = rec.rung;
    rec.abandoned_bytes += abandoned_bytes_;
    rec.abandoned_s += spent_s;
    rec.rung = restart;
    rec.bitrate_bps = context.manifest->bitrate_bps(restart);
    rec.size_bytes = context.manifest->segment_size_bytes(rec.segment, restart);
  }
  if (!playing_) {
    startup_delay_s_ = total_s;
    playing_ = true;
  }
  buffer_s_ += segment_s_;
  ++segments_;
  bitrate_sum_bps_ += rec.bitrate_bps;
  utility_sum_ += std::log(rec.bitrate_bps / context.manifest->bitrate_bps(0));
  const bool last = rec.segment + 1 >= context.total_segments;
  const double over_s = buffer_s_ + segment_s_ - max_buffer_s_;
  if (!last && over_s > 0) {
    rec.sleep_s = over_s;
    link_.idle(over_s);
    buffer_s_ -= over_s;
  }
  rec.download_time_s = total_s;
  rec.buffer_s = buffer_s_;
}

void SabrePlayback::fill_stats(SessionStats& stats) const {
  const double play_s = startup_delay_s_ + static_cast<double>(segments_) * segment_s_ + rebuffer_s_;
  if (!(play_s > 0) || !(segment_s_ > 0)) return;
  stats.mean_bitrate_bps = bitrate_sum_bps_ * segment_s_ / play_s;
  stats.rebuffer_s = rebuffer_s_;
  stats.sabre_score = segment_s_ / play_s * (utility_sum_ - kSabreGammaP * rebuffer_s_ / segment_s_);
}

}  // namespace streamopt::sim
