#pragma once
/// \file telemetry.hpp
/// Real-time telemetry (component `streamopt::edge`): one event per decision,
/// download, stall, session start and end, its JSON form (close to CMCD v2
/// event reports; docs/telemetry.md has the schema), sinks that never block
/// the decision path, and the sliding-window aggregates per network group
/// that a processor keeps (throughput distribution, rebuffer ratio, QoE,
/// cross-session throughput priors, Prometheus text). No third-party headers.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/types.hpp"

namespace streamopt {

/// What a telemetry event reports.
enum class TelemetryKind {
  start,     ///< a session started (JSON "start")
  decision,  ///< a controller chose a rung (JSON "decision")
  download,  ///< a segment finished downloading (JSON "download")
  stall,     ///< playback stalled (JSON "stall")
  end,       ///< a session ended (JSON "end")
};

/// The JSON name of `kind` ("start", "decision", "download", "stall", "end").
[[nodiscard]] std::string_view telemetry_kind_name(TelemetryKind kind);

/// One telemetry event. SI units; the JSON form converts to CMCD's kbps and
/// milliseconds (docs/telemetry.md). A value that does not apply stays 0
/// (`rung`: kNoRung).
struct TelemetryEvent {
  std::string session_id;       ///< the session (CMCD `sid`), non-empty, at most kMaxTelemetryIdChars bytes
  std::string group;            ///< network group: client prefix, ASN, CDN node tag (may be empty)
  double time_s = 0;            ///< when it happened (epoch or simulated clock), >= 0
  TelemetryKind kind = TelemetryKind::decision;  ///< what happened
  std::size_t rung = kNoRung;   ///< rung chosen or fetched, kNoRung when none
  double bitrate_bps = 0;       ///< encoded bitrate of that rung, >= 0
  double buffer_s = 0;          ///< buffer level when the event happened, >= 0
  double throughput_bps = 0;    ///< measured throughput (download events), >= 0
  double stall_s = 0;           ///< stall seconds this event reports, >= 0 (report each stall once)
  double latency_s = 0;         ///< live latency or request latency, >= 0
  double qoe = 0;               ///< QoE of the segment (download events); finite, may be negative
};

/// Longest `session_id` or `group` (bytes) an event may carry.
inline constexpr std::size_t kMaxTelemetryIdChars = 256;

/// Longest JSON text parse_telemetry_event() accepts (64 KiB).
inline constexpr std::size_t kMaxTelemetryJsonBytes = std::size_t{64} << 10;

/// The event as one line of JSON (no newline): {"v":2,"sid":..,"e":..,"ts":ms,
/// "br":kbps,"bl":ms,"mtp":kbps, "streamopt-grp", "streamopt-rung",
/// "streamopt-stall" (ms), "streamopt-lat" (ms), "streamopt-qoe"}; `rung` is
/// left out when kNoRung and `group` when empty. Throws Error naming the
/// field when the event is invalid (see parse_telemetry_event), so every
/// text it returns parses back.
[[nodiscard]] std::string to_json(const TelemetryEvent& event);

/// Parses one event written by to_json (or by another emitter of the
/// schema). Unknown keys are ignored (CMCD receivers ignore unknown keys).
/// Throws Error "telemetry event: ..." naming the field when the text is
/// longer than kMaxTelemetryJsonBytes, is not a JSON object, lacks `sid`,
/// `e` or `ts`, has an unknown event type, a value of the wrong type, a
/// negative or non-finite number (only `streamopt-qoe` may be negative), a
/// rung that is not a non-negative integer, or an id longer than
/// kMaxTelemetryIdChars.
[[nodiscard]] TelemetryEvent parse_telemetry_event(std::string_view json);

/// Where events go. emit() never blocks on I/O and never throws: telemetry
/// is best-effort and bounded, and a decision must not wait for it.
class TelemetrySink {
 public:
  virtual ~TelemetrySink();
  /// Hands over one event. Returns false when it was dropped (a full queue,
  /// an invalid event, out of memory).
  virtual bool emit(const TelemetryEvent& event) noexcept = 0;
};

/// The default sink: a bounded in-process ring. When full, the oldest event
/// is dropped (and counted) to make room for the new one. Thread-safe; the
/// lock is held only to move one event.
class RingSink : public TelemetrySink {
 public:
  /// A ring holding at most `capacity` events; throws Error when 0.
  explicit RingSink(std::size_t capacity);
  /// Appends `event`, dropping the oldest when full. False only when the
  /// event could not be copied (out of memory).
  bool emit(const TelemetryEvent& event) noexcept override;
  /// The events held, oldest first; the ring is empty afterwards.
  [[nodiscard]] std::vector<TelemetryEvent> drain();
  /// Events held now.
  [[nodiscard]] std::size_t size() const;
  /// The capacity given at construction.
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  /// Events dropped since construction (overwritten or not copied).
  [[nodiscard]] std::uint64_t dropped() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<TelemetryEvent> events_;
  std::uint64_t dropped_ = 0;
};

/// Aggregates of one group over one window (TelemetryWindow::stats). A
/// statistic without samples is NaN.
struct GroupStats {
  std::size_t events = 0;              ///< events in the window
  std::size_t sessions = 0;            ///< distinct session ids among them
  std::size_t throughput_samples = 0;  ///< download events with throughput > 0
  double throughput_mean_bps = 0;      ///< mean of those samples (NaN without samples)
  double throughput_p10_bps = 0;       ///< 10th percentile (NaN without samples)
  double throughput_p50_bps = 0;       ///< median (NaN without samples)
  double throughput_p90_bps = 0;       ///< 90th percentile (NaN without samples)
  double stall_s = 0;                  ///< sum of the events' stall seconds
  double watch_s = 0;                  ///< sum over sessions of the span of their events in the window
  double rebuffer_ratio = 0;           ///< stall / max(watch, stall), in [0, 1] (NaN when both are 0)
  std::size_t qoe_samples = 0;         ///< download events (the ones carrying a segment's QoE)
  double qoe_mean = 0;                 ///< mean QoE of download events (NaN without them)
};

/// Sliding-window aggregates per network group, as a telemetry processor
/// keeps them. Time is the events' own clock: the window's "now" is
/// whatever the caller passes (a processor passes latest_time_s()).
/// Memory is bounded: add() evicts events older than the window behind the
/// newest time seen, keeps at most kMaxEventsPerGroup per group (the oldest
/// go first) and at most kMaxGroups groups (an event for a new group beyond
/// that is counted in overflowed() and not kept). Not thread-safe: one
/// owner (the processor) feeds it and asks it.
class TelemetryWindow {
 public:
  /// Events kept per group at most.
  static constexpr std::size_t kMaxEventsPerGroup = 100000;
  /// Groups kept at most.
  static constexpr std::size_t kMaxGroups = 10000;
  /// Throughput samples a group needs before prior_throughput_bps answers.
  static constexpr std::size_t kMinPriorSamples = 3;

  /// A window of `window_s` seconds (finite, > 0; throws Error otherwise).
  explicit TelemetryWindow(double window_s);

  /// Adds one event (counted in events_total()). An event already older
  /// than the window behind the newest time seen is counted but not kept.
  void add(const TelemetryEvent& event);
  /// Counts `n` rejected (malformed) events, for the Prometheus counter.
  void add_rejected(std::uint64_t n = 1) { rejected_ += n; }

  /// Aggregates of `group` over events with time in (now_s - window, now_s].
  [[nodiscard]] GroupStats stats(const std::string& group, double now_s) const;
  /// The groups holding events, sorted.
  [[nodiscard]] std::vector<std::string> groups() const;
  /// The cross-session prior for a new session in `group`: the median
  /// download throughput of the window ending at now_s; nullopt with fewer
  /// than kMinPriorSamples samples.
  [[nodiscard]] std::optional<double> prior_throughput_bps(const std::string& group, double now_s) const;
  /// The aggregates of every group at now_s in the Prometheus text
  /// exposition format (docs/telemetry.md lists the metrics). Label values
  /// are escaped; statistics without samples are left out.
  [[nodiscard]] std::string prometheus_text(double now_s) const;

  /// The window length given at construction.
  [[nodiscard]] double window_s() const { return window_s_; }
  /// The newest event time seen (0 before any event).
  [[nodiscard]] double latest_time_s() const { return latest_s_; }
  /// Events added since construction.
  [[nodiscard]] std::uint64_t events_total() const { return events_total_; }
  /// Rejected events counted since construction.
  [[nodiscard]] std::uint64_t rejected_total() const { return rejected_; }
  /// Events not kept because kMaxGroups groups were already held.
  [[nodiscard]] std::uint64_t overflowed() const { return overflowed_; }
  /// Events held now, all groups together.
  [[nodiscard]] std::size_t held() const;

 private:
  struct Sample {
    double time_s;
    std::string session_id;
    TelemetryKind kind;
    double throughput_bps;
    double stall_s;
    double qoe;
  };
  using Samples = std::deque<Sample>;
  void evict(double horizon_s);

  double window_s_;
  double latest_s_ = 0;
  double swept_s_ = 0;  // latest_s_ at the last eviction sweep
  std::map<std::string, Samples, std::less<>> groups_;
  std::uint64_t events_total_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t overflowed_ = 0;
};

}  // namespace streamopt
