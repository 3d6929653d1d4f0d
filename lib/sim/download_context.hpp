#pragma once
// What a playback mode needs to play one download besides the record it
// fills: the title, the session and the abandonment hook.

#include <cstddef>

#include "streamopt/manifest.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

struct DownloadContext {
  const Manifest* manifest = nullptr;  // sizes of the other rungs (abandonment)
  std::size_t total_segments = 0;      // segments in the session
  double request_clock_s = 0;          // session clock when the request is sent
  double progress_interval_s = 0;      // progress events this often (0 = none)
  const AbandonHook* abandon = nullptr;  // asked at progress events; may be empty
  double playback_rate = 0;            // live: the controller's playback rate (0 = none)
  const RateHook* rate = nullptr;      // live: asked for the rate at every tick; may be empty
  // Media seconds per segment.
  [[nodiscard]] double segment_s() const { return manifest->segment_duration_s(); }
};

// A download lets at most this many progress events reach the hook (a
// near-dead trace must not call it millions of times).
inline constexpr std::size_t kMaxProgressEvents = 10000;

}  // namespace streamopt::sim
