#pragma once
/// \file validate.hpp
/// Checks of what a player (or a client of a binding or the service) says to
/// a controller. Every binding (the C ABI, Python, the service) calls these
/// before `on_download()` and `decide()`, so controllers only ever see
/// values a real session can produce. Errors name the field.

#include <memory>

#include "streamopt/abr.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/types.hpp"

namespace streamopt {

/// Longest download time, buffer level or clock step accepted (one week).
inline constexpr double kMaxSessionTimeS = 7.0 * 86400.0;

/// Checks a download report against the manifest: segment and rung in range,
/// size in [1, kMaxSegmentSizeBytes], start time finite, download time finite in
/// [kMinDownloadTimeS, kMaxSessionTimeS]. Returns it unchanged or throws
/// `Error` naming the field, e.g. "report.download_time_s = 5e-324 ...".
const DownloadReport& check_report(const DownloadReport& report, const Manifest& manifest);

/// Checks a player state against the manifest: now_s finite, buffer_s finite
/// in [0, kMaxSessionTimeS], next_segment < segment count, segments_left at
/// most the segments after next_segment (the next one included), last_rung
/// `kNoRung` or a rung of the ladder. Returns it unchanged or throws `Error`.
const PlayerState& check_state(const PlayerState& state, const Manifest& manifest);

/// Wraps `controller` so that every report and state passes `check_report`
/// and `check_state` against `manifest` before it reaches the controller,
/// and every decision is checked on the way out (rung in range, delay finite
/// and >= 0). What the bindings hand to their callers.
std::unique_ptr<AbrController> checked_controller(std::unique_ptr<AbrController> controller,
                                                  std::shared_ptr<const Manifest> manifest);

}  // namespace streamopt
