#pragma once
/// \file allocator.hpp
/// Bandwidth allocation across the sessions that share one edge link: per-
/// session state in, per-session caps (sent to players as CMSD `mb`) and
/// target delivery rates out, once every reallocation interval.
#include <cstddef>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "streamopt/types.hpp"

namespace streamopt {

/// Most sessions one `allocate()` call takes (an edge node's worth and more).
inline constexpr std::size_t kMaxAllocatorSessions = 1'000'000;

/// One session as an allocator sees it: its ladder and what telemetry (or the
/// simulator) last reported. The spans must outlive the `allocate()` call.
struct EdgeSession {
  std::span<const double> bitrates_bps;  ///< the session's ladder, ascending, > 0
  /// q(rung) per rung under the session's QoE model (same length as the
  /// ladder, non-decreasing); empty means QoE_lin: the bitrate in Mbps.
  std::span<const double> utilities;
  std::size_t max_rung = kNoRung;  ///< highest rung the device can show (screen cap); kNoRung: the top
  double buffer_s = 0;             ///< seconds of media buffered
  std::size_t rung = kNoRung;      ///< rung being played, kNoRung before the first segment
  double throughput_bps = 0;       ///< last measured throughput (0 when unknown)
  double weight = 1;               ///< relative priority (> 0), e.g. a subscription tier
};

/// What an allocator gives one session.
struct EdgeAllocation {
  /// Highest bitrate the player should pick (CMSD `mb`); +infinity: no cap.
  double cap_bps = std::numeric_limits<double>::infinity();
  /// Target delivery rate: the edge shares the link among active responses in
  /// proportion to it (a weighted fair queue, as a pacing edge would);
  /// 0: no preference (an equal share).
  double rate_bps = 0;
};

/// Interface of every bandwidth allocator. `allocate()` checks its input and
/// calls `do_allocate()`, so a user's allocator gets validated input too. One
/// instance may keep state between calls (hysteresis); use one per edge link.
class BandwidthAllocator {
 public:
  virtual ~BandwidthAllocator() = default;
  /// Shares `capacity_bps` (finite, >= 0) among `sessions`, writing one
  /// allocation per session into `out` (same length). Throws `Error` naming
  /// the session index and field for a bad ladder, utility table, screen cap,
  /// buffer, throughput or weight, a bad capacity, a length mismatch or more
  /// than `kMaxAllocatorSessions` sessions; `out` is left unchanged then.
  void allocate(double capacity_bps, std::span<const EdgeSession> sessions, std::span<EdgeAllocation> out);
  /// The registry name without options (e.g. "qoe_fair").
  [[nodiscard]] virtual std::string name() const = 0;

 protected:
  /// The algorithm, on input `allocate()` has checked.
  virtual void do_allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                           std::span<EdgeAllocation> out) = 0;
};

/// Highest rung `session` may use: its screen cap, or its top rung.
[[nodiscard]] std::size_t top_usable_rung(const EdgeSession& session);
/// q(rung) of `session`: its utility table, or the bitrate in Mbps without one.
[[nodiscard]] double session_utility(const EdgeSession& session, std::size_t rung);
/// Highest rung of `bitrates_bps` (ascending) at or under `cap_bps`; rung 0 if none.
[[nodiscard]] std::size_t rung_under_cap(std::span<const double> bitrates_bps, double cap_bps);

/// `Registry::builtin().make_allocator(spec)`.
std::unique_ptr<BandwidthAllocator> make_allocator(std::string_view spec);

}  // namespace streamopt
