#include "serve/request_json.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <iterator>
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

namespace {

// `text` as a JSON string literal (quotes, backslashes and control
// characters escaped; other bytes as they are, valid UTF-8 in, valid out).
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  out += '"';
}

// A finite number in its shortest round-trip form; JSON has no NaN or
// infinity, so those are null (as nlohmann/json writes them).
void append_json_number(std::string& out, double value) {
  if (std::isfinite(value)) {
    fmt::format_to(std::back_inserter(out), "{}", value);
  } else {
    out += "null";
  }
}

}  // namespace

// Written by hand rather than through a JSON tree: this is the service's
// hottest path (one per decision).
std::string decision_json(const Decision& decision, double bitrate_bps) {
  const DecisionReasons& r = decision.reasons;
  std::string out;
  out.reserve(256);
  fmt::format_to(std::back_inserter(out), R"({{"rung":{},"delay_s":)", decision.rung);
  append_json_number(out, decision.delay_s);
  out += R"(,"bitrate_bps":)";
  append_json_number(out, bitrate_bps);
  out += R"(,"reasons":{"rule":)";
  append_json_string(out, r.rule);
  out += R"(,"estimate_bps":)";
  append_json_number(out, r.estimate_bps);
  out += R"(,"conservative_bps":)";
  append_json_number(out, r.conservative_bps);
  out += R"(,"buffer_s":)";
  append_json_number(out, r.buffer_s);
  if (!r.scores.empty()) {
    out += R"(,"scores":[)";
    for (std::size_t i = 0; i < r.scores.size(); ++i) {
      if (i > 0) out += ',';
      append_json_number(out, r.scores[i]);
    }
    out += ']';
  }
  if (!r.plan.empty()) {
    fmt::format_to(std::back_inserter(out), R"(,"plan":[{}],"objective":)", fmt::join(r.plan, ","));
    append_json_number(out, r.objective);
  }
  out += "}}";
  return out;
}

std::string error_json(std::string_view message) {
  const Json out = {{"error", message}};
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace streamopt::serve
