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
  if (c.initial_rung != kNoRung && c.initial_rung >= m.rung_count()) {
    throw Error(fmt::format("simulator: initial rung {} is not in the {}-rung ladder", c.initial_rung,
                            m.rung_count()));
  }
  return c;
}

}  // namespace

PlaybackSession::PlaybackSession(const NetworkTrace& trace, const Manifest& manifest,
                                 const SimConfig& config)
    : manifest_(&manifest),
      config_(&checked(config, manifest)),
      total_(config.segment_count ? config.segment_count : manifest.segment_count()),
      pensieve_(config.mode == SimMode::pensieve),
      pensieve_link_(trace, config.payload_fraction, config.rtt_s * 1000.0),
      looping_link_(trace, config.payload_fraction, config.rtt_s),
      playing_(pensieve_) {}  // pensieve counts the first download as rebuffering

double PlaybackSession::buffer_s() const { return pensieve_ ? buffer_ms_ / 1000.0 : buffer_s_; }

void PlaybackSession::idle(double seconds) {
  if (pensieve_) {
    pensieve_link_.idle_ms(seconds * 1000.0);
  } else {
    looping_link_.idle_s(seconds);
  }
}

SegmentRecord PlaybackSession::fetch(std::size_t segment, std::size_t rung, double delay_s) {
  SegmentRecord rec;
  rec.segment = segment;
  rec.rung = rung;
  rec.delay_s = playing_ ? std::min(delay_s, buffer_s()) : 0.0;
  if (rec.delay_s > 0) {
    idle(rec.delay_s);
    clock_s_ += rec.delay_s;
    if (pensieve_) {
      buffer_ms_ -= rec.delay_s * 1000.0;
    } else {
      buffer_s_ -= rec.delay_s;
    }
  }
  rec.bitrate_bps = manifest_->bitrate_bps(rung);
  rec.size_bytes = manifest_->segment_size_bytes(segment, rung);
  const double segment_s = manifest_->segment_duration_s();
  if (pensieve_) {
    // fixed_env.py's get_video_chunk, operation for operation.
    const double delay_ms = pensieve_link_.download_ms(rec.size_bytes);
    const double rebuf_ms = std::max(delay_ms - buffer_ms_, 0.0);
    buffer_ms_ = std::max(buffer_ms_ - delay_ms, 0.0) + segment_s * 1000.0;
    const double thresh_ms = config_->max_buffer_s * 1000.0;
    const double step_ms = config_->sleep_step_s * 1000.0;
    double sleep_ms = 0;
    if (buffer_ms_ > thresh_ms) {
      sleep_ms = std::ceil((buffer_ms_ - thresh_ms) / step_ms) * step_ms;
      buffer_ms_ -= sleep_ms;
      pensieve_link_.idle_ms(sleep_ms);
    }
    rec.download_time_s = delay_ms / 1000.0;
    rec.rebuffer_s = rebuf_ms / 1000.0;
    rec.sleep_s = sleep_ms / 1000.0;
    rec.buffer_s = buffer_ms_ / 1000.0;
    if (segment == 0) startup_delay_s_ = rec.rebuffer_s;
  } else {
    const double download_s = looping_link_.download_s(rec.size_bytes);
    if (playing_) {
      rec.rebuffer_s = std::max(0.0, download_s - buffer_s_);
      buffer_s_ = std::max(0.0, buffer_s_ - download_s);
    } else {
      startup_delay_s_ += download_s;
    }
    buffer_s_ += segment_s;
    if (!playing_ && (buffer_s_ >= config_->startup_threshold_s || segment + 1 == total_)) playing_ = true;
    if (playing_ && buffer_s_ > config_->max_buffer_s) {
      rec.sleep_s = buffer_s_ - config_->max_buffer_s;
      buffer_s_ = config_->max_buffer_s;
      looping_link_.idle_s(rec.sleep_s);
    }
    rec.download_time_s = download_s;
    rec.buffer_s = buffer_s_;
  }
  clock_s_ += rec.download_time_s + rec.sleep_s;
  rec.time_s = clock_s_;
  return rec;
}

}  // namespace streamopt::sim
