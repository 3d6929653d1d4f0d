#pragma once
/// \file edge_sim.hpp
/// The multi-player edge simulator (component `streamopt::edge`): players
/// of any registered controllers arrive and leave over time and share one
/// bottleneck whose capacity follows a trace; a bandwidth allocator caps
/// each session's bitrate and sets its share of the link every
/// reallocation interval. Fluid model: the active downloads share the
/// capacity at every instant in proportion to their target rates (equally
/// without an allocator), as long-lived TCP flows do on average.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "streamopt/manifest.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/telemetry.hpp"
#include "streamopt/trace.hpp"

namespace streamopt {

/// How the players' downloads share the bottleneck.
enum class EdgeSharing {
  fluid,   ///< at every instant in proportion to the target rates (equally without): fast, any N
  packet,  ///< 1500-byte packets, one drop-tail queue, Reno-like connections: fidelity on small N
};

/// Most player slots one run simulates.
inline constexpr std::size_t kMaxEdgeSessions = 100'000;

/// Parameters of one edge run. Defaults are the documented experiment of
/// docs/edge.md.
struct EdgeSimConfig {
  /// Player slots: each slot alternates a session (until its buffer has
  /// played out after the last segment) and an idle gap, so about this many
  /// sessions are active at once.
  std::size_t sessions = 10;
  /// Trace throughput multiplier for the bottleneck; 0 means `sessions`, so
  /// that each session's fair share has the trace's own mean and runs compare
  /// across session counts.
  double capacity_scale = 0;
  double duration_s = 600;            ///< no session arrives after this (running ones finish)
  double mean_watch_s = 120;          ///< media watched per session: exponential with this mean
  std::size_t min_segments = 5;       ///< ... but at least this many segments (and at most the title)
  double mean_gap_s = 10;             ///< idle time between a slot's sessions: exponential with this mean
  double first_arrival_spread_s = 20; ///< first arrivals are uniform over [0, this)
  double phone_share = 0.3;           ///< share of sessions capped at a phone-sized rung
  int phone_max_height = 720;         ///< a phone's highest rung: height at most this ...
  double phone_max_bitrate_bps = 2.5e6;  ///< ... or, on ladders without heights, bitrate at most this
  double min_rtt_s = 0.04;            ///< each session's RTT is uniform over [min_rtt_s, max_rtt_s]
  double max_rtt_s = 0.12;            ///< see min_rtt_s
  double payload_fraction = 0.95;     ///< share of the capacity carrying payload
  EdgeSharing sharing = EdgeSharing::fluid;  ///< the bottleneck model
  double queue_limit_s = 0.1;         ///< packet level: the queue drops what would wait longer
  double max_buffer_s = 30;           ///< a player waits while its buffer is above this
  double startup_threshold_s = 4;     ///< playback starts at this much buffer (or the last segment)
  double realloc_interval_s = 2;      ///< the allocator runs this often
  double sample_interval_s = 1;       ///< time-series spacing
  /// The players' controllers: one spec, or a list (`robust_mpc,bola:variant=e`)
  /// that the player slots cycle through, slot s running the s-th (mod n), so
  /// a population can mix player types.
  std::string abr = "robust_mpc";
  std::string qoe = "lin";            ///< QoE model spec, per title
  /// Cross-session priors, in the spirit of CS2P: a new session's first
  /// segment is fetched at the highest rung under `prior_safety` x its
  /// group's recent median download throughput (the run's own telemetry
  /// window), instead of the controller's blind start; without enough
  /// recent samples the controller decides as usual.
  bool priors = false;
  double prior_window_s = 10;         ///< the telemetry window the priors come from
  double prior_safety = 0.8;          ///< share of the prior median the first rung may use
  std::uint64_t seed = 1;             ///< arrivals, watch lengths, phones and RTTs
  /// Checks ranges; throws `Error` naming the field.
  void validate() const;
};

/// One finished session of an edge run.
struct EdgeSessionRecord {
  std::size_t id = 0;            ///< order of arrival
  std::size_t slot = 0;          ///< player slot
  std::string title;             ///< manifest name
  std::string abr;               ///< its controller's spec
  bool phone = false;            ///< capped at a phone-sized rung
  std::size_t max_rung = 0;      ///< the device's highest rung
  double arrival_s = 0;          ///< run clock at arrival
  double departure_s = 0;        ///< run clock when its last segment arrived
  double rtt_s = 0;              ///< its round-trip time
  double startup_qoe = 0;        ///< mean QoE of its first five segments (all of them when fewer)
  double media_s = 0;            ///< media fetched: segments x segment duration
  SessionStats stats;            ///< the usual session statistics (QoE per segment, rebuffer, switches ...)
};

/// One time-series point of an edge run.
struct EdgeSample {
  double time_s = 0;               ///< run clock
  std::size_t active_sessions = 0; ///< sessions arrived and not finished
  std::size_t downloading = 0;     ///< of those, with bytes in flight
  std::size_t stalled = 0;         ///< of those, playing with an empty buffer
  double capacity_bps = 0;         ///< payload capacity now
  double delivered_bps = 0;        ///< mean delivered rate since the previous point
  double mean_buffer_s = 0;        ///< mean buffer of the active sessions
};

/// Summary of one run (docs/edge.md defines each column).
struct EdgeSummary {
  std::size_t sessions = 0;    ///< finished sessions
  double min_qoe = 0;          ///< lowest per-session QoE per segment
  double p10_qoe = 0;          ///< its 10th percentile
  double mean_qoe = 0;         ///< its mean
  double jain_qoe = 0;         ///< Jain's index of per-session QoE clipped at 0 (1 = equal)
  double rebuffer_ratio = 0;   ///< total stall / (total stall + media played)
  double utilisation = 0;      ///< payload delivered / payload capacity over the run
  double mean_switches = 0;    ///< rung changes per session
  double mean_bitrate_bps = 0; ///< mean over sessions of their mean bitrate
  double startup_qoe = 0;      ///< mean over sessions of their first five segments' QoE
};

/// Everything one run produced.
struct EdgeRunResult {
  std::string allocator;                   ///< allocator spec
  std::string trace;                       ///< trace name
  std::vector<EdgeSessionRecord> sessions; ///< in order of departure
  std::vector<EdgeSample> samples;         ///< time series
  EdgeSummary summary;                     ///< aggregates
};

/// Runs one edge experiment: the titles in `titles` (cycled over sessions),
/// the controllers of `config.abr` (cycled over slots),
/// the bottleneck following `trace` (looped), `allocator_spec` built from
/// `registry`. Sessions of one seed are the same under every allocator
/// (arrival gaps, lengths, titles, phones and RTTs come from each slot's own
/// seeded generator, in order). Events go to `telemetry` when given (start, download with QoE,
/// stall, end; group = the trace name). Throws `Error` on a bad config,
/// spec, trace (no capacity in any pass) or an empty title list.
EdgeRunResult simulate_edge(const NetworkTrace& trace, std::span<const std::shared_ptr<const Manifest>> titles,
                            const std::string& allocator_spec, const EdgeSimConfig& config,
                            TelemetrySink* telemetry = nullptr, const Registry& registry = Registry::builtin());

/// The summary of `sessions`, given the payload delivered and offered over the run.
EdgeSummary summarize_edge(const std::vector<EdgeSessionRecord>& sessions, double delivered_bits,
                           double capacity_bits);

}  // namespace streamopt
