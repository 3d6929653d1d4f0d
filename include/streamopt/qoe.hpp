#pragma once
/// \file qoe.hpp
/// QoE models (per-segment scores) and session statistics.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/manifest.hpp"
#include "streamopt/types.hpp"

namespace streamopt {

/// Per-segment QoE split into its parts: total = utility - rebuffer -
/// smoothness - latency - speed (the last two only for live playback).
struct QoeTerms {
  double utility = 0;              ///< q(R) of the segment's rung
  double rebuffer_penalty = 0;     ///< rebuffer weight x stall seconds
  double smoothness_penalty = 0;   ///< smoothness weight x |q(R) - q(R_prev)|
  double latency_penalty = 0;      ///< live: latency weight x latency seconds
  double speed_penalty = 0;        ///< live: speed weight x |1 - playback rate|
  double total = 0;                ///< utility minus every penalty
};

/// What live playback adds to a segment's QoE.
struct LiveQoeInput {
  double latency_s = 0;      ///< live latency when the segment arrived
  double playback_rate = 1;  ///< playback speed then
};

/// Which utility q(R) the model uses.
enum class QoeKind {
  lin,      ///< q(R) = R in Mbps (Pensieve / MPC QoE_lin)
  log,      ///< q(R) = ln(R / R_min) (MPC QoE_log)
  hd,       ///< q(R) from a per-rung table, default 1,2,3,12,15,20 (MPC QoE_hd)
  quality,  ///< q = the manifest's per-segment quality score
};

/// A QoE model bound to one manifest: QoE_k = q(R_k) - mu x rebuffer_k -
/// lambda x |q(R_k) - q(R_{k-1})|. Built from a spec such as `lin`,
/// `log:rebuffer=2.66`, `hd:utilities=1/2/3/12/15/20` or `quality:rebuffer=10`.
class QoeModel {
 public:
  /// Parses the spec and binds it to `manifest`. Defaults follow the MPC and
  /// Pensieve papers: lin mu=4.3, log mu=2.66, hd mu=8, quality mu=4.3; lambda=1.
  /// Throws `Error` for unknown kinds or options, for `hd` on a ladder whose
  /// size differs from its table, and for `quality` without manifest scores.
  QoeModel(std::string_view spec, const Manifest& manifest);

  /// q of `rung` for `segment`.
  [[nodiscard]] double utility(std::size_t rung, std::size_t segment) const;
  /// QoE of one segment; `prev_rung` is kNoRung for the first segment (no
  /// smoothness term).
  [[nodiscard]] QoeTerms segment(std::size_t rung, std::size_t prev_rung, std::size_t segment,
                                 double rebuffer_s) const;
  /// QoE of one segment of a live session: `segment()` less the latency and
  /// playback-speed terms of the low-latency literature (LoL+ / the ACM MMSys
  /// 2020 Twitch grand challenge): latency x w, with w = `latency_low` up to
  /// `latency_threshold_s` and `latency_high` above, and `speed` x |1 - rate|.
  [[nodiscard]] QoeTerms live_segment(std::size_t rung, std::size_t prev_rung, std::size_t segment,
                                      double rebuffer_s, const LiveQoeInput& live) const;
  [[nodiscard]] QoeKind kind() const { return kind_; }                        ///< utility kind
  [[nodiscard]] double rebuffer_penalty_per_s() const { return rebuffer_; }    ///< mu
  [[nodiscard]] double smoothness_weight() const { return smoothness_; }       ///< lambda
  [[nodiscard]] double latency_low_weight() const { return latency_low_; }     ///< per s up to the threshold
  [[nodiscard]] double latency_high_weight() const { return latency_high_; }   ///< per s above it
  [[nodiscard]] double latency_threshold_s() const { return latency_threshold_s_; }  ///< 1.1 s by default
  [[nodiscard]] double speed_weight() const { return speed_; }                 ///< per unit |1 - rate|
  [[nodiscard]] const std::string& spec() const { return spec_; }              ///< canonical spec

 private:
  const Manifest* manifest_;
  QoeKind kind_;
  double rebuffer_;
  double smoothness_;
  double latency_low_ = 0;
  double latency_high_ = 0;
  double latency_threshold_s_ = 1.1;
  double speed_ = 0;
  std::vector<double> table_;  // per-rung utility for lin/log/hd
  std::string spec_;
};

/// Statistics of one played session.
struct SessionStats {
  std::size_t segments = 0;         ///< segments played
  double qoe_sum = 0;               ///< sum of per-segment QoE over all segments
  double qoe_sum_pensieve = 0;      ///< sum over segments 2..N (Pensieve papers' convention)
  double qoe_per_segment = 0;       ///< qoe_sum_pensieve / (N - 1): the table's main number
  double utility_per_segment = 0;   ///< mean utility over segments 2..N
  double rebuffer_penalty_per_segment = 0;    ///< mean rebuffer penalty over segments 2..N
  double smoothness_penalty_per_segment = 0;  ///< mean smoothness penalty over segments 2..N
  double mean_bitrate_bps = 0;      ///< mean nominal bitrate of the played rungs
  double rebuffer_s = 0;            ///< total stall time, startup excluded
  double rebuffer_ratio = 0;        ///< rebuffer / (rebuffer + played media time)
  double startup_delay_s = 0;       ///< time to first frame
  std::size_t switches = 0;         ///< number of rung changes
  double mean_switch_bps = 0;       ///< mean |bitrate change| per switch (0 without switches)
  double latency_penalty_per_segment = 0;  ///< live: mean latency penalty over segments 2..N
  double speed_penalty_per_segment = 0;    ///< live: mean speed penalty over segments 2..N
  // Live sessions only (zero otherwise), over playing time since start-up:
  bool live = false;                ///< the session was live
  double live_latency_mean_s = 0;   ///< time-average latency
  double live_latency_p95_s = 0;    ///< 95th percentile of latency over time
  double time_at_target = 0;        ///< share of time within 0.5 s of the target latency
  std::size_t playback_rate_changes = 0;  ///< times the playback speed changed
  std::size_t resyncs = 0;          ///< seeks back to the target latency (DVR window, max drift)
  /// Sabre mode only: Sabre's "time average score", the time-average of
  /// ln(R / R_0) per segment less 5 x rebuffer seconds per segment time.
  double sabre_score = 0;
};

/// True for the segments a session's score counts: 2..N (index >= 1), the
/// Pensieve papers' convention that leaves out the first segment, whose
/// download is start-up. The one home of that rule.
[[nodiscard]] constexpr bool scored_segment(std::size_t index) { return index >= 1; }

/// Builds `SessionStats` one played segment at a time, in order: what the
/// simulator, the oracle's report and a service's per-session log share.
/// A one-segment session scores its only segment.
class SessionStatsBuilder {
 public:
  /// Starts a session of segments lasting `segment_duration_s` each.
  explicit SessionStatsBuilder(double segment_duration_s) : segment_duration_s_(segment_duration_s) {}
  /// Adds the next segment: its rung, nominal bitrate, stall and QoE terms.
  void add(std::size_t rung, double bitrate_bps, double rebuffer_s, const QoeTerms& qoe);
  /// The statistics of the segments added so far.
  [[nodiscard]] SessionStats finish(double startup_delay_s) const;

 private:
  double segment_duration_s_;
  SessionStats s_;
  QoeTerms first_;
  double bitrate_sum_bps_ = 0;
  double switch_sum_bps_ = 0;
  std::size_t last_rung_ = kNoRung;
  double last_bitrate_bps_ = 0;
};

}  // namespace streamopt
