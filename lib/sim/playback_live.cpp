#include "sim/playback_live.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "streamopt/error.hpp"
#include "streamopt/validate.hpp"

namespace streamopt::sim {

namespace {
// Latency within this of the target counts as "at target".
constexpr double kAtTargetS = 0.5;
// The slowest playback speed any config may ask for.
constexpr double kMinRate = 0.1;
}  // namespace

LivePlayback::LivePlayback(const NetworkTrace& trace, const SimConfig& config, double segment_s)
    : capacity_(std::make_shared<const LoopedCapacity>(trace, config.payload_fraction)),
      rtt_s_(config.rtt_s),
      live_(config.live),
      segment_s_(segment_s),
      startup_threshold_s_(config.startup_threshold_s),
      max_buffer_s_(config.max_buffer_s),
      edge_at_start_s_(config.live.target_latency_s) {
  const LiveConfig& l = live_;
  const auto finite = [](double v) { return std::isfinite(v); };
  if (!finite(l.target_latency_s) || l.target_latency_s <= 0) {
    throw Error(fmt::format("live: target_latency_s {} must be > 0", l.target_latency_s));
  }
  if (!finite(l.chunk_s) || l.chunk_s < 0 || l.chunk_s > segment_s) {
    throw Error(fmt::format("live: chunk_s {} must be in [0, the segment duration {} s]", l.chunk_s, segment_s));
  }
  if (l.chunk_s > 0 && segment_s / l.chunk_s > 1000) {
    throw Error(fmt::format("live: chunk_s {} cuts a {} s segment into over 1000 chunks", l.chunk_s, segment_s));
  }
  if (!finite(l.min_playback_rate) || !finite(l.max_playback_rate) || l.min_playback_rate < kMinRate ||
      l.min_playback_rate > 1 || l.max_playback_rate < 1 || l.max_playback_rate > 10) {
    throw Error(fmt::format("live: playback rates [{}, {}] must satisfy {} <= min <= 1 <= max <= 10",
                            l.min_playback_rate, l.max_playback_rate, kMinRate));
  }
  if (!finite(l.dvr_window_s) || l.dvr_window_s < segment_s) {
    throw Error(fmt::format("live: dvr_window_s {} must be at least a segment ({} s)", l.dvr_window_s, segment_s));
  }
  if (!finite(l.max_drift_s) || l.max_drift_s < 0) {
    throw Error(fmt::format("live: max_drift_s {} must be >= 0 (0 = never)", l.max_drift_s));
  }
}

double LivePlayback::buffer_s() const { return std::max(0.0, buffered_to_s_ - playhead_s_); }

double LivePlayback::catchup_rate() const {
  if (stalled_) return 1.0;
  const double delta_s = latency_s() - live_.target_latency_s;
  const double cpr = delta_s < 0 ? 1.0 - live_.min_playback_rate : live_.max_playback_rate - 1.0;
  const double rate = (1.0 - cpr) + 2.0 * cpr / (1.0 + std::exp(-5.0 * delta_s));
  // Speeding up while the buffer is empty only brings the next stall closer.
  if (buffer_s() <= 0 && delta_s > 0) return 1.0;
  return rate;
}

double LivePlayback::tick_rate() const {
  if (rate_hook_ == nullptr || !*rate_hook_) return 0.0;
  PlayerState state;
  state.now_s = clock_s_;
  state.buffer_s = buffer_s();
  fill_state(state);
  const double rate = (*rate_hook_)(state);
  if (!std::isfinite(rate) || rate < 0) throw Error(fmt::format("live: the controller asked for playback rate {}", rate));
  return rate;
}

void LivePlayback::set_rate(double rate) {
  if (rate != rate_) {
    rate_ = rate;
    ++rate_changes_;
  }
}

void LivePlayback::advance(double until_s) {
  while (clock_s_ < until_s) {
    if (!playing_) {
      startup_delay_s_ += until_s - clock_s_;
      clock_s_ = until_s;
      break;
    }
    if (buffer_s() <= 0) {  // stalled until the next chunk: nothing to steer
      const double stalled_s = until_s - clock_s_;
      const double latency_before_s = latency_s();
      if (requested_rate_ <= 0 && live_.catchup) set_rate(1.0);
      clock_s_ = until_s;
      stall_s_ += stalled_s;
      stalled_ = true;
      latency_samples_.emplace_back(0.5 * (latency_before_s + latency_s()), stalled_s);
      break;
    }
    const double step_s = std::min(until_s - clock_s_, kCatchupTickS);
    const double ticked = tick_rate();
    if (ticked > 0) {
      set_rate(std::clamp(ticked, live_.min_playback_rate, live_.max_playback_rate));
    } else if (requested_rate_ > 0) {
      set_rate(std::clamp(requested_rate_, live_.min_playback_rate, live_.max_playback_rate));
    } else if (live_.catchup) {
      const double rate = catchup_rate();
      // dash.js skips changes under 0.02 per 0.5 of catch-up range.
      const double min_change = 0.02 * std::max(live_.max_playback_rate - 1.0, 1e-9) / 0.5;
      if (rate == 1.0 || std::fabs(rate - rate_) >= min_change) set_rate(rate);
    }
    const double latency_before_s = latency_s();
    const double played_s = std::min(buffer_s(), rate_ * step_s);
    const double stalled_s = step_s - played_s / rate_;
    playhead_s_ += played_s;
    clock_s_ += step_s;
    if (stalled_s > 1e-12) {
      stall_s_ += stalled_s;
      stalled_ = true;
    }
    latency_samples_.emplace_back(0.5 * (latency_before_s + latency_s()), step_s);
  }
}

void LivePlayback::begin_fetch(const DownloadContext& context) {
  requested_rate_ = context.playback_rate;
  rate_hook_ = context.rate;
}

void LivePlayback::wait(double seconds) { advance(clock_s_ + seconds); }

void LivePlayback::download(SegmentRecord& rec, const DownloadContext& context) {
  if (!capacity_->has_capacity()) {
    throw Error(fmt::format("trace {}: no usable throughput for a live session", capacity_->name()));
  }
  stall_s_ = 0;
  const double request_s = clock_s_;
  const std::size_t chunks =
      live_.chunk_s > 0 ? std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(segment_s_ / live_.chunk_s)))
                        : 1;
  const double chunk_media_s = segment_s_ / static_cast<double>(chunks);
  const double segment_start_s = static_cast<double>(rec.segment) * segment_s_;
  const std::uint64_t chunk_bytes = rec.size_bytes / chunks;
  double ready_s = request_s + rtt_s_;  // the link can carry the first byte from here
  double transfer_s = 0;
  for (std::size_t j = 0; j < chunks; ++j) {
    const double media_end_s = segment_start_s + static_cast<double>(j + 1) * chunk_media_s;
    const double produced_s = media_end_s - edge_at_start_s_;  // clock when the encoder finishes the chunk
    const double start_s = std::max(ready_s, produced_s);
    const std::uint64_t bytes = j + 1 == chunks ? rec.size_bytes - chunk_bytes * (chunks - 1) : chunk_bytes;
    const double finish_s = capacity_->finish_s(start_s, static_cast<double>(bytes));
    if (finish_s - request_s > kMaxSessionTimeS) {
      throw Error(fmt::format("trace {}: a live segment would take over {} s", capacity_->name(), kMaxSessionTimeS));
    }
    transfer_s += finish_s - start_s;
    advance(finish_s);
    buffered_to_s_ = std::max(buffered_to_s_, media_end_s);
    if (!playing_ && (buffer_s() >= startup_threshold_s_ || rec.segment + 1 == context.total_segments)) {
      playing_ = true;
    }
    if (stalled_ && buffer_s() > live_.target_latency_s / 2) stalled_ = false;
    ready_s = finish_s;
  }
  if (playing_ && buffer_s() > max_buffer_s_) {
    rec.sleep_s = (buffer_s() - max_buffer_s_) / rate_;
    advance(clock_s_ + rec.sleep_s);
  }
  rec.download_time_s = ready_s - request_s;
  rec.transfer_time_s = live_.chunk_aware_throughput ? std::min(transfer_s, rec.download_time_s) : 0.0;
  rec.rebuffer_s = stall_s_;
  rec.buffer_s = buffer_s();
  rec.latency_s = latency_s();
  rec.playback_rate = rate_;
}

std::size_t LivePlayback::resync_if_needed(std::size_t next_segment) {
  const double edge_s = live_edge_s();
  const double next_end_s = static_cast<double>(next_segment + 1) * segment_s_;
  const bool left_window = next_end_s < edge_s - live_.dvr_window_s;
  const bool drifted = live_.max_drift_s > 0 && latency_s() > live_.target_latency_s + live_.max_drift_s;
  if (!left_window && !drifted) return next_segment;
  const double target_s = std::max(0.0, edge_s - live_.target_latency_s);
  const auto segment = std::max(next_segment, static_cast<std::size_t>(std::floor(target_s / segment_s_)));
  playhead_s_ = static_cast<double>(segment) * segment_s_;
  buffered_to_s_ = playhead_s_;
  stalled_ = true;
  ++resyncs_;
  return segment;
}

std::size_t LivePlayback::next_segment_after(std::size_t segment) { return resync_if_needed(segment + 1); }

void LivePlayback::fill_state(PlayerState& state) const {
  state.live = true;
  state.latency_s = std::max(0.0, latency_s());
  state.target_latency_s = live_.target_latency_s;
  state.live_edge_s = live_edge_s();
  state.playback_rate = rate_;
}

void LivePlayback::fill_stats(SessionStats& stats) const {
  stats.live = true;
  stats.playback_rate_changes = rate_changes_;
  stats.resyncs = resyncs_;
  double total_s = 0;
  double weighted = 0;
  double at_target_s = 0;
  for (const auto& [latency, duration] : latency_samples_) {
    total_s += duration;
    weighted += latency * duration;
    if (std::fabs(latency - live_.target_latency_s) <= kAtTargetS) at_target_s += duration;
  }
  if (total_s <= 0) return;
  stats.live_latency_mean_s = weighted / total_s;
  stats.time_at_target = at_target_s / total_s;
  auto sorted = latency_samples_;
  std::sort(sorted.begin(), sorted.end());
  double seen_s = 0;
  for (const auto& [latency, duration] : sorted) {
    seen_s += duration;
    stats.live_latency_p95_s = latency;
    if (seen_s >= 0.95 * total_s) break;
  }
}

}  // namespace streamopt::sim
