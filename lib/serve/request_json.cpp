#include "serve/request_json.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "core/json_fields.hpp"
#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt::serve {

namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kMaxIndex = std::numeric_limits<std::uint64_t>::max();

// Refuses any key of `object` not in `known`, naming it and the known ones.
void check_keys(const Json& object, std::initializer_list<std::string_view> known, std::string_view where) {
  for (const auto& item : object.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      throw Error(fmt::format("{}: unknown field '{}' (fields: {})", where, detail::sanitize(item.key()),
                              fmt::join(known, ", ")));
    }
  }
}

const Json& member(const Json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) throw Error(fmt::format("{}: '{}' is missing", where, key));
  return *it;
}

std::uint64_t whole(const Json& object, const char* key, const std::string& where) {
  return detail::integer_field(member(object, key, where), key, where, 0, kMaxIndex);
}

std::string text(const Json& object, const char* key, const std::string& where) {
  const Json& value = member(object, key, where);
  if (!value.is_string()) throw Error(fmt::format("{}: '{}' must be a string", where, key));
  return value.get<std::string>();
}

}  // namespace

Json parse_body(std::string_view body) {
  // nlohmann/json builds and frees nested values recursively: bound the
  // depth first (brackets inside strings do not count).
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        throw Error(fmt::format("body: JSON nested deeper than {} levels", kMaxJsonDepth));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  Json doc = detail::parse_json(body, "body");
  if (!doc.is_object()) throw Error("body: expected a JSON object");
  return doc;
}

CreateSessionRequest read_create_session(const Json& body) {
  const std::string where = "body";
  check_keys(body, {"abr", "title", "manifest", "qoe"}, where);
  CreateSessionRequest request;
  request.abr = text(body, "abr", where);
  request.qoe = detail::string_field(body, "qoe", request.qoe, where);
  const bool has_title = body.contains("title");
  const bool has_manifest = body.contains("manifest");
  if (has_title == has_manifest) throw Error("body: give exactly one of 'title' and 'manifest'");
  if (has_title) {
    request.title = text(body, "title", where);
  } else {
    const Json& manifest = body.at("manifest");
    if (!manifest.is_object()) throw Error("body: 'manifest' must be an object");
    request.manifest_json = manifest.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return request;
}

DownloadReport read_download(const Json& body) {
  const std::string where = "download";
  check_keys(body, {"segment", "rung", "size_bytes", "start_time_s", "download_time_s"}, where);
  DownloadReport report;
  report.segment = static_cast<std::size_t>(whole(body, "segment", where));
  report.rung = static_cast<std::size_t>(whole(body, "rung", where));
  report.size_bytes = whole(body, "size_bytes", where);
  report.start_time_s = detail::number_field(body, "start_time_s", where);
  report.download_time_s = detail::number_field(body, "download_time_s", where);
  return report;
}

PlayerState read_decide(const Json& body) {
  check_keys(body, {"state"}, "body");
  const std::string where = "state";
  const Json& state = member(body, "state", "body");
  if (!state.is_object()) throw Error("body: 'state' must be an object");
  check_keys(state, {"now_s", "buffer_s", "next_segment", "segments_left", "last_rung", "rebuffered"}, where);
  PlayerState s;
  s.now_s = detail::number_field(state, "now_s", where);
  s.buffer_s = detail::number_field(state, "buffer_s", where);
  s.next_segment = static_cast<std::size_t>(whole(state, "next_segment", where));
  s.segments_left = static_cast<std::size_t>(whole(state, "segments_left", where));
  const auto last = state.find("last_rung");
  if (last != state.end() && !last->is_null()) {
    // kNoRung itself is refused: null or no field says "no rung yet".
    s.last_rung = static_cast<std::size_t>(detail::integer_field(*last, "last_rung", where, 0, kMaxIndex - 1));
  }
  const auto rebuffered = state.find("rebuffered");
  if (rebuffered != state.end()) {
    if (!rebuffered->is_boolean()) throw Error("state: 'rebuffered' must be true or false");
    s.rebuffered = rebuffered->get<bool>();
  }
  return s;
}

std::string decision_json(const Decision& decision, double bitrate_bps) {
  const DecisionReasons& r = decision.reasons;
  Json reasons = {{"rule", r.rule},
                  {"estimate_bps", r.estimate_bps},
                  {"conservative_bps", r.conservative_bps},
                  {"buffer_s", r.buffer_s}};
  if (!r.scores.empty()) reasons["scores"] = r.scores;
  if (!r.plan.empty()) {
    reasons["plan"] = r.plan;
    reasons["objective"] = r.objective;
  }
  const Json out = {{"rung", decision.rung},
                    {"delay_s", decision.delay_s},
                    {"bitrate_bps", bitrate_bps},
                    {"reasons", std::move(reasons)}};
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string error_json(std::string_view message) {
  const Json out = {{"error", message}};
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace streamopt::serve
