#include "sim/playback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt::sim {

namespace {

const SimConfig& checked(const SimConfig& c, const Manifest& m) {
  const auto bad = [](double v) { return !std::isfinite(v) || v < 0; };
  if (bad(c.rtt_s)) throw Error(fmt::format("simulator: rtt_s {} must be >= 0", c.rtt_s));
  if (!(c.payload_fraction > 0 && c.payload_fraction <= 1)) {
    throw Error(fmt::format("simulator: payload_fraction {} must be in (0, 1]", c.payload_fraction));
  }
  if (!(c.max_buffer_s > 0) || bad(c.max_buffer_s)) throw Error("simulator: max_buffer_s must be > 0");
  if (!(c.sleep_step_s > 0) || bad(c.sleep_step_s)) throw Error("simulator: sleep_step_s must be > 0");
  if (bad(c.startup_threshold_s) || c.startup_threshold_s > c.max_buffer_s) {
    throw Error("simulator: startup_threshold_s must be in [0, max_buffer_s]");
  }
  if (c.segment_count > m.segment_count()) {
    throw Error(fmt::format("simulator: session of {} segments but the manifest has {}", c.segment_count,
                            m.segment_count()));
  }
  if (bad(c.progress_interval_s)) {
    throw Error(fmt::format("simulator: progress_interval_s {} must be >= 0", c.progress_interval_s));
  }
  if (c.initial_rung != kNoRung && c.initial_rung >= m.rung_count()) {
    throw Error(fmt::format("simulator: initial rung {} is not in the {}-rung ladder", c.initial_rung,
                            m.rung_count()));
  }
  return c;
}

PlaybackMode make_mode(const NetworkTrace& trace, const SimConfig& config, const Manifest& manifest) {
  switch (config.mode) {
    case SimMode::live: return Boxed<LivePlayback>(LivePlayback(trace, config, manifest.segment_duration_s()));
    case SimMode::pensieve: return PensievePlayback(trace, config);
    case SimMode::standard: return StandardPlayback(trace, config);
    case SimMode::sabre: return Boxed<SabrePlayback>(SabrePlayback(trace, config));
  }
  throw Error("simulator: unknown playback mode");
}

}  // namespace

PlaybackSession::PlaybackSession(const NetworkTrace& trace, const Manifest& manifest,
                                 const SimConfig& config)
    : manifest_(&manifest),
      total_(config.segment_count ? config.segment_count : manifest.segment_count()),
      progress_interval_s_(config.progress_interval_s),
      mode_(make_mode(trace, checked(config, manifest), manifest)) {}

double PlaybackSession::buffer_s() const {
  return std::visit([](const auto& m) { return unboxed(m).buffer_s(); }, mode_);
}

bool PlaybackSession::playing() const {
  return std::visit([](const auto& m) { return unboxed(m).playing(); }, mode_);
}

double PlaybackSession::startup_delay_s() const {
  return std::visit([](const auto& m) { return unboxed(m).startup_delay_s(); }, mode_);
}

void PlaybackSession::fill_state(PlayerState& state) const {
  std::visit(
      [&](const auto& boxed) {
        const auto& m = unboxed(boxed);
        if constexpr (requires { m.fill_state(state); }) m.fill_state(state);
      },
      mode_);
}

void PlaybackSession::fill_stats(SessionStats& stats) const {
  std::visit(
      [&](const auto& boxed) {
        const auto& m = unboxed(boxed);
        if constexpr (requires { m.fill_stats(stats); }) m.fill_stats(stats);
      },
      mode_);
}

SegmentRecord PlaybackSession::fetch(std::size_t segment, std::size_t rung, double delay_s,
                                     const AbandonHook& abandon, double playback_rate, const RateHook& rate) {
  SegmentRecord rec;
  rec.segment = segment;
  rec.rung = rung;
  rec.bitrate_bps = manifest_->bitrate_bps(rung);
  rec.size_bytes = manifest_->segment_size_bytes(segment, rung);
  std::visit(
      [&](auto& boxed) {
        auto& m = unboxed(boxed);
        DownloadContext context{manifest_, total_, clock_s_, progress_interval_s_, abandon ? &abandon : nullptr,
                                playback_rate, rate ? &rate : nullptr};
        if constexpr (requires { m.begin_fetch(context); }) m.begin_fetch(context);
        rec.delay_s = m.playing() ? std::min(delay_s, m.buffer_s()) : 0.0;
        if (rec.delay_s > 0) {
          m.wait(rec.delay_s);
          clock_s_ += rec.delay_s;
        }
        context.request_clock_s = clock_s_;
        m.download(rec, context);
        if constexpr (requires { m.next_segment_after(segment); }) {
          next_ = std::min(total_, m.next_segment_after(segment));
        } else {
          next_ = segment + 1;
        }
      },
      mode_);
  clock_s_ += rec.download_time_s + rec.sleep_s;
  rec.time_s = clock_s_;
  return rec;
}

}  // namespace streamopt::sim
