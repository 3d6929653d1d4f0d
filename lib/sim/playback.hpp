#pragma once
// The player model of one session, shared by the simulator and the oracle.
// The mode (SimConfig::mode) is a strategy: one class per mode, one file
// each (playback_<mode>.hpp), held by value in a variant so that copying a
// PlaybackSession snapshots it, which is how the oracle branches. A new mode
// is one file plus one alternative in PlaybackMode and one case in
// make_mode().

#include <memory>
#include <variant>

#include "sim/download_context.hpp"
#include "sim/playback_live.hpp"
#include "sim/playback_pensieve.hpp"
#include "sim/playback_sabre.hpp"
#include "sim/playback_standard.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

// Every playback mode; each has buffer_s(), playing(), startup_delay_s(),
// wait(seconds) and download(record, context); a mode may add
// next_segment_after(segment) (re-syncs), fill_state(PlayerState&) and
// fill_stats(SessionStats&) (live fields).
// A mode held on the heap and deep-copied with the session, so that the
// larger modes (live, sabre) do not widen every session the oracle copies
// and sorts (the Pensieve and standard modes are held inline).
template <class T>
class Boxed {
 public:
  explicit Boxed(T mode) : mode_(std::make_unique<T>(std::move(mode))) {}
  Boxed(const Boxed& other) : mode_(std::make_unique<T>(*other.mode_)) {}
  Boxed& operator=(const Boxed& other) {
    mode_ = std::make_unique<T>(*other.mode_);
    return *this;
  }
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;
  T& operator*() { return *mode_; }
  const T& operator*() const { return *mode_; }

 private:
  std::unique_ptr<T> mode_;
};

// The mode inside a variant alternative, boxed or not.
template <class T>
T& unboxed(T& mode) {
  return mode;
}
template <class T>
T& unboxed(Boxed<T>& mode) {
  return *mode;
}
template <class T>
const T& unboxed(const Boxed<T>& mode) {
  return *mode;
}

using PlaybackMode = std::variant<PensievePlayback, StandardPlayback, Boxed<LivePlayback>, Boxed<SabrePlayback>>;

class PlaybackSession {
 public:
  // Validates the config against the manifest; the trace must be valid and
  // outlive the session.
  PlaybackSession(const NetworkTrace& trace, const Manifest& manifest, const SimConfig& config);

  // Segments in the session.
  [[nodiscard]] std::size_t total_segments() const { return total_; }
  // The segment to fetch next (== total_segments() when the session is over).
  [[nodiscard]] std::size_t next_segment() const { return next_; }
  // Adds what the mode knows beyond the common state (live latency).
  void fill_state(PlayerState& state) const;
  // Adds the mode's own statistics (live latency).
  void fill_stats(SessionStats& stats) const;
  // Player clock, seconds since the session started.
  [[nodiscard]] double clock_s() const { return clock_s_; }
  // Buffered media, seconds.
  [[nodiscard]] double buffer_s() const;
  // Whether playback has started (waits are only honoured then).
  [[nodiscard]] bool playing() const;
  // Time to first frame so far.
  [[nodiscard]] double startup_delay_s() const;

  // Waits `delay_s` (clamped to the buffer; ignored before playback), then
  // fetches `segment` at `rung` (which `abandon` may replace mid-download
  // where the mode has progress events), then waits while the buffer is
  // above the cap. Returns the record without its QoE terms.
  // `playback_rate` is the controller's for a live session (0 = none). The
  // session then moves on to the next segment (or where a re-sync puts it).
  SegmentRecord fetch(std::size_t segment, std::size_t rung, double delay_s, const AbandonHook& abandon = {},
                      double playback_rate = 0, const RateHook& rate = {});

 private:
  const Manifest* manifest_;
  std::size_t total_;
  double progress_interval_s_;
  std::size_t next_ = 0;
  PlaybackMode mode_;
  double clock_s_ = 0;
};

// What the library reads of a SimulatedPlayer beyond its public API.
struct PlayerAccess {
  // The player's playback session (its state now).
  static const PlaybackSession& session(const SimulatedPlayer& player);
  // The config it plays under.
  static const SimConfig& config(const SimulatedPlayer& player);
  // The rung of the last segment played (kNoRung before the first).
  static std::size_t last_rung(const SimulatedPlayer& player);
};

}  // namespace streamopt::sim
