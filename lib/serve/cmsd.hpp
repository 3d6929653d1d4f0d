#pragma once
// CMSD (Common Media Server Data, CTA-5006) that the origin answers segment
// requests with, in the Structured Field syntax (RFC 8941) dash.js 5 and
// Shaka decode:
//   CMSD-Dynamic: "streamopt";etp=4800;mb=2999   (a List; players read the last item's parameters)
//   CMSD-Static:  ot=v,st=v,br=1850,d=4000       (a Dictionary)
// and the rule that turns a controller's rung into `mb`.
// Docs: docs/serve.md#cmcd-in-cmsd-out.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "streamopt/manifest.hpp"

namespace streamopt::serve {

/// The server identifier streamopt's CMSD-Dynamic items carry.
inline constexpr std::string_view kCmsdServerId = "streamopt";

/// One CMSD-Dynamic item: this server's advice for the next request.
struct CmsdDynamic {
  std::optional<std::int64_t> etp_kbps;  ///< estimated throughput toward the client
  std::optional<std::int64_t> mb_kbps;   ///< max suggested bitrate of the next object
  std::optional<std::int64_t> rtt_ms;    ///< estimated round-trip time
};

/// CMSD-Static values of a response: properties of the object itself.
struct CmsdStatic {
  std::optional<std::string> ot;        ///< object type token (v, a, av, ...), as CMCD's `ot`
  std::optional<std::string> st;        ///< stream type token (v = VOD)
  std::optional<std::int64_t> br_kbps;  ///< encoded bitrate of the object
  std::optional<std::int64_t> d_ms;     ///< playback duration of the object
};

/// The CMSD-Dynamic field value: one item, the String `kCmsdServerId`, with
/// the present values as parameters; empty when none is present.
std::string format_cmsd_dynamic(const CmsdDynamic& dynamic);

/// The CMSD-Static field value, a Dictionary of the present values; empty
/// when none is present. `ot` and `st` must be tokens (CMCD's values are).
std::string format_cmsd_static(const CmsdStatic& fixed);

/// The `mb` (kbps) that points a player at `rung` of `manifest`: the rung's
/// bitrate plus a margin of just under the ladder's step above it (the top
/// rung: the step below it; a one-rung ladder: the rung's bitrate again).
/// A player that subtracts its audio bitrate from `mb` before comparing (as
/// dash.js 5 does) then still allows `rung` while the audio is below that
/// margin, and no rung above `rung` is ever allowed. `rung` must be valid.
std::int64_t mb_kbps_for_rung(const Manifest& manifest, std::size_t rung);

}  // namespace streamopt::serve
