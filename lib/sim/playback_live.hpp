#pragma once
// Playback mode `live`: a live stream. The encoder produces media in real
// time: segment k's chunk j (CMAF chunks of LiveConfig::chunk_s) is complete
// at media time k x S + (j + 1) x C and leaves the server then, so a player
// near the live edge waits for the encoder between chunks (the link idles and
// a throughput measured over the whole download says the bitrate, not the
// capacity). The session joins with the live edge at the target latency and
// plays segment 0 on; latency = live edge - playhead grows with stalls and
// shrinks with playback faster than real time. The playback rate is the
// controller's (Decision::playback_rate) or, when it has none, dash.js v5's
// default catch-up (a sigmoid of the latency error, re-evaluated every
// kCatchupTickS of playback). A player whose next segment has left the DVR
// window, or whose latency drifts past target + max_drift_s, re-syncs: it
// seeks to the segment boundary at target latency and skips what lies before.

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "sim/download_context.hpp"
#include "sim/looped_capacity.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

// How often the default catch-up re-evaluates the playback rate (dash.js
// does it on the video element's time updates, about 4 per second).
inline constexpr double kCatchupTickS = 0.25;

class LivePlayback {
 public:
  LivePlayback(const NetworkTrace& trace, const SimConfig& config, double segment_s);
  [[nodiscard]] double buffer_s() const;
  [[nodiscard]] bool playing() const { return playing_; }
  [[nodiscard]] double startup_delay_s() const { return startup_delay_s_; }
  // Takes the controller's rate and rate hook for the fetch that follows
  // (its wait included).
  void begin_fetch(const DownloadContext& context);
  // Lets `seconds` pass without downloading; playback goes on.
  void wait(double seconds);
  // Fetches `rec.segment` chunk by chunk (after begin_fetch) and fills the
  // record (download and transfer time, stall, buffer, latency, rate).
  void download(SegmentRecord& rec, const DownloadContext& context);
  // The segment to fetch after `segment`: the next one, or after a re-sync
  // the one at target latency.
  [[nodiscard]] std::size_t next_segment_after(std::size_t segment);
  // Adds the live fields of the player's state.
  void fill_state(PlayerState& state) const;
  // Adds the live statistics of the session so far.
  void fill_stats(SessionStats& stats) const;

 private:
  [[nodiscard]] double live_edge_s() const { return edge_at_start_s_ + clock_s_; }
  [[nodiscard]] double latency_s() const { return live_edge_s() - playhead_s_; }
  // Plays on until the clock reads `until_s`, stall time into stall_s_.
  void advance(double until_s);
  // The controller's rate for this tick (0 = none).
  [[nodiscard]] double tick_rate() const;
  // dash.js's default catch-up rate for the current latency and buffer.
  [[nodiscard]] double catchup_rate() const;
  void set_rate(double rate);
  // Re-syncs when the next segment left the DVR window or the latency
  // drifted too far; returns the segment to fetch.
  std::size_t resync_if_needed(std::size_t next_segment);

  std::shared_ptr<const LoopedCapacity> capacity_;
  double rtt_s_;
  LiveConfig live_;
  double segment_s_;
  double startup_threshold_s_;
  double max_buffer_s_;
  double edge_at_start_s_;  // live edge (media s) at clock 0: the target latency
  double clock_s_ = 0;
  double playhead_s_ = 0;     // media position being played
  double buffered_to_s_ = 0;  // media position buffered up to
  double rate_ = 1;
  double requested_rate_ = 0;  // the controller's, 0 = default catch-up
  const RateHook* rate_hook_ = nullptr;  // asked every tick during the current fetch
  bool playing_ = false;
  bool stalled_ = false;  // dash.js's playbackStalled: since the buffer ran dry until it refills
  double startup_delay_s_ = 0;
  double stall_s_ = 0;  // stall time of the current fetch
  std::size_t rate_changes_ = 0;
  std::size_t resyncs_ = 0;
  std::vector<std::pair<double, double>> latency_samples_;  // (latency s, duration s) while playing
};

}  // namespace streamopt::sim
