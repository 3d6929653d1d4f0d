#pragma once
/// \file simulator.hpp
/// The chunk-level trace-driven simulator.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "streamopt/abr.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/trace.hpp"

namespace streamopt {

namespace sim {
struct PlayerAccess;  // the library's own access to a player's playback state (the lookahead oracle)
}  // namespace sim

/// Simulator semantics.
enum class SimMode {
  pensieve,  ///< bit-for-bit the public Pensieve test simulator (fixed_env.py)
  standard,  ///< configurable player model ("default" on the CLI)
  sabre,     ///< Sabre's semantics (UMass-LIDS/sabre): per-period bandwidth and latency, its buffer rules and metrics
  live,      ///< a live stream: segments (CMAF chunks) appear at the live edge, latency, playback rate
};

/// Live-mode parameters (`SimMode::live`); defaults follow dash.js v5's
/// low-latency settings where it has one.
struct LiveConfig {
  double target_latency_s = 3.0;     ///< latency the player starts at and steers to
  double chunk_s = 0.5;              ///< CMAF chunk duration; 0 = whole segments (no chunked transfer)
  double min_playback_rate = 0.5;    ///< slowest catch-up speed (dash.js: 1 - 0.5)
  double max_playback_rate = 1.5;    ///< fastest catch-up speed (dash.js: 1 + 0.5)
  double dvr_window_s = 30.0;        ///< a player whose next segment left this window re-syncs
  double max_drift_s = 0;            ///< re-sync (seek to target) past target + this; 0 = never (dash.js maxDrift)
  bool catchup = true;               ///< dash.js's default catch-up when the controller sets no rate
  bool chunk_aware_throughput = true;  ///< reports carry transfer_time_s (dash.js low-latency throughput)
};

/// Simulator parameters. Use `SimConfig::pensieve()` or `SimConfig::standard()`.
struct SimConfig {
  SimMode mode = SimMode::standard;  ///< semantics
  double rtt_s = 0.08;               ///< added to every download
  double payload_fraction = 0.95;    ///< share of trace throughput carrying payload
  double max_buffer_s = 60.0;        ///< the player waits while the buffer is above this
  double sleep_step_s = 0.5;         ///< pensieve mode: waits are whole multiples of this
  double startup_threshold_s = 4.0;  ///< standard mode: playback starts at this much buffer
  std::size_t segment_count = 0;     ///< segments per session; 0 = all of the manifest
  std::size_t initial_rung = kNoRung;  ///< force the first segment's rung (kNoRung: ask the controller)
  /// Standard mode: a download's progress events (where a controller may
  /// abandon it, `AbrController::should_abandon`) come this often, seconds
  /// after the request; 0 = none. Pensieve mode has none.
  double progress_interval_s = 0.1;
  LiveConfig live;                   ///< live mode only

  /// Pensieve's fixed_env.py: 80 ms RTT, 95 % payload, 60 s buffer cap with
  /// 500 ms sleeps, 48 segments, first segment at rung 1.
  static SimConfig pensieve();
  /// The standard player: same link constants, continuous waits, playback
  /// starting once `startup_threshold_s` (4 s) is buffered or the last
  /// segment arrived, all segments of the manifest.
  static SimConfig standard();
  /// The live player: the standard link, CMAF chunks, playback from the
  /// first 0.5 s of media, dash.js's default catch-up (LiveConfig).
  static SimConfig live_stream();
  /// Sabre's player (sabre.py defaults): latency from the trace (no RTT,
  /// every bit payload), a 25 s buffer cap, playback from the first segment,
  /// which is fetched at rung 0.
  static SimConfig sabre();
  /// Parses "pensieve", "default", "live" or "sabre".
  static SimConfig from_name(std::string_view mode);
};

/// One simulated segment.
struct SegmentRecord {
  std::size_t segment = 0;       ///< index in the title
  double time_s = 0;             ///< session clock after the download and any wait
  std::size_t rung = 0;          ///< rung fetched
  double bitrate_bps = 0;        ///< nominal bitrate of that rung
  double buffer_s = 0;           ///< buffer after the download (and the wait)
  double rebuffer_s = 0;         ///< stall during this download
  std::uint64_t size_bytes = 0;  ///< bytes fetched
  double download_time_s = 0;    ///< request to last byte, RTT included
  double sleep_s = 0;            ///< time spent waiting after the download (buffer full)
  double delay_s = 0;            ///< controller-requested wait before the request
  std::size_t abandoned_rung = kNoRung;  ///< rung of an abandoned first request, kNoRung if none
  std::uint64_t abandoned_bytes = 0;     ///< bytes received by the abandoned request (wasted)
  double abandoned_s = 0;                ///< seconds spent on it (part of download_time_s)
  double transfer_time_s = 0;            ///< live: seconds the link delivered bytes (no encoder waits)
  double latency_s = 0;                  ///< live: latency when the download finished
  double playback_rate = 1;              ///< live: playback speed when the download finished
  QoeTerms qoe;                  ///< QoE of this segment
};

/// Asked at a download's progress events: the rung to abandon the request
/// for (fetched anew at once), or kNoRung to let it finish. Empty = never.
using AbandonHook = std::function<std::size_t(const DownloadProgress&)>;

/// Live: asked at every playback tick for the playback rate now (0 = no
/// opinion); `AbrController::playback_rate`. Empty = never.
using RateHook = std::function<double(const PlayerState&)>;

/// A whole session.
struct SessionResult {
  std::vector<SegmentRecord> segments;  ///< one per segment
  SessionStats stats;                   ///< summary
};

/// One simulated session stepped a segment at a time: the loop inside
/// `simulate()`, for drivers that hold the controller themselves (the C ABI,
/// Python controllers, a custom harness). `trace`, `manifest` and `qoe` must
/// outlive the player. Move-only.
class SimulatedPlayer {
 public:
  /// Validates the trace and the config; throws `Error` like `simulate`.
  SimulatedPlayer(const NetworkTrace& trace, const Manifest& manifest, const SimConfig& config,
                  const QoeModel& qoe);
  ~SimulatedPlayer();
  SimulatedPlayer(SimulatedPlayer&&) noexcept;
  SimulatedPlayer& operator=(SimulatedPlayer&&) noexcept;

  /// True once every segment of the session has been played.
  [[nodiscard]] bool done() const;
  /// The state to pass to `AbrController::decide()` for the next segment.
  [[nodiscard]] PlayerState state() const;
  /// The rung the config forces for the next segment (Pensieve's first
  /// segment), or kNoRung when the controller decides.
  [[nodiscard]] std::size_t forced_rung() const;
  /// Plays the next segment at `decision.rung` after `decision.delay_s`
  /// (clamped to the buffer) and returns the report for `on_download()`
  /// (of the request that completed). At each progress event `abandon` may
  /// replace the request by one at another rung, once per segment; in a
  /// live session `rate` is asked for the playback speed at every tick.
  /// Throws `Error` when done, or on an out-of-range rung or invalid delay.
  DownloadReport play(const Decision& decision, const AbandonHook& abandon = {}, const RateHook& rate = {});
  /// Records of the segments played so far.
  [[nodiscard]] const std::vector<SegmentRecord>& records() const;
  /// The records and their statistics (a copy).
  [[nodiscard]] SessionResult result() const;
  /// The records and their statistics, moved out; the player keeps none.
  [[nodiscard]] SessionResult release_result();

 private:
  friend struct sim::PlayerAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Plays one session of `manifest` over `trace`, asking `abr` before every
/// segment (except a forced first one), at each download's progress events
/// (`should_abandon`), at each live playback tick (`playback_rate`), and
/// reporting every download to it.
/// Resets `abr` first. Throws `Error` on an invalid trace or config, or when
/// the controller returns an out-of-range rung.
SessionResult simulate(const NetworkTrace& trace, const Manifest& manifest, AbrController& abr,
                       const SimConfig& config, const QoeModel& qoe);

/// Summarises records (used by `simulate`; exposed for logs read back).
SessionStats summarize(const std::vector<SegmentRecord>& segments, const Manifest& manifest,
                       double startup_delay_s);

/// Writes records in the Pensieve 7-column log format
/// (`time_s bitrate_kbps buffer_s rebuffer_s chunk_bytes delay_ms reward`),
/// through a temporary file renamed into place.
void write_pensieve_log(const std::vector<SegmentRecord>& segments,
                        const std::filesystem::path& path);

}  // namespace streamopt
