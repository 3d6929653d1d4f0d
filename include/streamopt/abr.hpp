#pragma once
/// \file abr.hpp
/// The ABR controller interface: two calls per segment, as a player makes them.

#include <string>

#include "streamopt/types.hpp"

namespace streamopt {

/// Interface of every ABR controller. A player calls `on_download()` after
/// each segment and `decide()` before the next request. One instance serves
/// one session; many instances may run concurrently on different threads.
class AbrController {
 public:
  virtual ~AbrController() = default;
  /// Feeds one finished download.
  virtual void on_download(const DownloadReport& report) = 0;
  /// Picks the rung (and an optional wait) for `state.next_segment`.
  /// The returned rung is always a valid index into the manifest.
  [[nodiscard]] virtual Decision decide(const PlayerState& state) = 0;
  /// Called by the player during a download (at its progress events):
  /// returns the rung to abandon this request for and fetch instead, or
  /// kNoRung to let it finish. The default never abandons.
  [[nodiscard]] virtual std::size_t should_abandon(const DownloadProgress& progress) {
    (void)progress;
    return kNoRung;
  }
  /// True when `should_abandon` may ever abandon (a controller that
  /// overrides it says so); the simulator skips progress events otherwise,
  /// which keeps sessions of the other controllers fast.
  [[nodiscard]] virtual bool may_abandon() const { return false; }
  /// Live: asked by the player at every playback tick between decisions
  /// (dash.js re-evaluates its catch-up a few times a second) for the speed
  /// to play at now; 0 = no opinion (the last decision's rate, else the
  /// player's own catch-up). `state` holds the clock, buffer and live fields
  /// (its segment fields keep their defaults). The default has none.
  [[nodiscard]] virtual double playback_rate(const PlayerState& state) {
    (void)state;
    return 0.0;
  }
  /// Forgets per-session state.
  virtual void reset() = 0;
  /// The registry name without options (e.g. "robust_mpc" for a controller
  /// built from "robust_mpc:horizon=8"); a Python controller gives its
  /// `name` attribute or class name.
  [[nodiscard]] virtual std::string name() const = 0;
};

}  // namespace streamopt
