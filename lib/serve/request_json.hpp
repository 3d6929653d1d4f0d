#pragma once
// The service's request bodies in and decisions out, as JSON. Readers are
// strict: unknown fields, wrong types and out-of-range numbers throw
// `Error` naming the field ("state: 'buffer_s' must be a number"); range
// checks against the title are left to check_report/check_state.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "streamopt/types.hpp"

namespace streamopt::serve {

/// Deepest nesting of arrays and objects a request body may have.
inline constexpr std::size_t kMaxJsonDepth = 64;

/// Parses a request body: one JSON object nested at most `kMaxJsonDepth`
/// deep. Throws `Error` "body: ..." otherwise.
nlohmann::json parse_body(std::string_view body);

/// `POST /v1/sessions`: a controller spec, a QoE spec and either a served
/// title's name or an inline manifest.
struct CreateSessionRequest {
  std::string abr;                    ///< controller spec, e.g. "robust_mpc:horizon=5"
  std::string qoe = "lin";            ///< QoE spec the controller plans with
  std::optional<std::string> title;   ///< a `--video` directory's name
  std::string manifest_json;          ///< the inline manifest (when no title), as JSON text
};

/// Reads `{"abr", "title" | "manifest", "qoe"?}`.
CreateSessionRequest read_create_session(const nlohmann::json& body);

/// Reads `{"segment", "rung", "size_bytes", "start_time_s", "download_time_s"}`.
DownloadReport read_download(const nlohmann::json& body);

/// Reads `{"state": {"now_s", "buffer_s", "next_segment", "segments_left",
/// "last_rung"?, "rebuffered"?}}`; a missing or null `last_rung` is `kNoRung`.
PlayerState read_decide(const nlohmann::json& body);

/// `{"rung", "delay_s", "bitrate_bps", "reasons": {...}}` for a decision on a
/// rung of `bitrate_bps`.
std::string decision_json(const Decision& decision, double bitrate_bps);

/// `{"error": message}` (invalid UTF-8 replaced).
std::string error_json(std::string_view message);

}  // namespace streamopt::serve
