// The engine's entry points for JavaScript (bindings/js): a controller made by
// spec over a manifest given as JSON, fed downloads and asked for decisions,
// synchronously. Compiled to WebAssembly by bindings/js/build.sh and natively
// by bindings/js/test/record_session (the reference the node test compares
// with), so both sides run this same code over the same engine.
//
// Strings go in as JSON and come out as JSON (nlohmann's dump: doubles in the
// shortest form that reads back exactly, so a decision compares bit for bit).
// A call that fails returns 0 / NULL and leaves its message in
// sjs_last_error(). Returned strings stay valid until the next call.
#include "streamopt_js.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/abr.hpp"
#include "streamopt/error.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/types.hpp"
#include "streamopt/validate.hpp"
#include "streamopt/version.hpp"

namespace {

using nlohmann::json;

struct Session {
  std::shared_ptr<const streamopt::Manifest> manifest;
  std::unique_ptr<streamopt::AbrController> controller;
};

std::map<int, Session>& sessions() {
  static std::map<int, Session> table;
  return table;
}
int next_handle = 1;
std::string last_error;
std::string last_output;

[[noreturn]] void fail(const std::string& message) { throw streamopt::Error(message); }

const json& field(const json& object, const char* name, const char* where) {
  const auto it = object.find(name);
  if (it == object.end()) fail(std::string(where) + ": missing field '" + name + "'");
  return *it;
}

double number(const json& object, const char* name, const char* where) {
  const json& v = field(object, name, where);
  if (!v.is_number()) fail(std::string(where) + ": '" + name + "' is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(std::string(where) + ": '" + name + "' is not finite");
  return d;
}

std::uint64_t count(const json& object, const char* name, const char* where) {
  const json& v = field(object, name, where);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
    fail(std::string(where) + ": '" + name + "' is not a non-negative integer");
  }
  return v.get<std::uint64_t>();
}

json parse(const char* text, const char* where) {
  if (text == nullptr) fail(std::string(where) + ": NULL");
  json value = json::parse(std::string_view(text), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) fail(std::string(where) + ": not valid JSON");
  if (!value.is_object()) fail(std::string(where) + ": not a JSON object");
  return value;
}

// Either ladder.json's fields with inline sizes (Manifest::from_json), or the
// short form a player knows from its MPD:
// {"bitrates_bps": [...], "segment_duration_s": S, "segment_count": N,
//  "sizes_bytes": [[per-rung sizes of segment 0], ...] (optional)}.
streamopt::Manifest manifest_of(const char* text) {
  const json m = parse(text, "manifest");
  if (!m.contains("bitrates_bps")) return streamopt::Manifest::from_json(std::string_view(text), "manifest");
  const json& rates = field(m, "bitrates_bps", "manifest");
  if (!rates.is_array() || rates.empty()) fail("manifest: 'bitrates_bps' is not a non-empty array");
  std::vector<streamopt::Rung> rungs;
  for (std::size_t r = 0; r < rates.size(); ++r) {
    if (!rates[r].is_number()) fail("manifest: bitrates_bps[" + std::to_string(r) + "] is not a number");
    rungs.push_back({rates[r].get<double>(), 0, 0, ""});
  }
  const double duration = number(m, "segment_duration_s", "manifest");
  const std::uint64_t segments = count(m, "segment_count", "manifest");
  std::vector<std::vector<std::uint64_t>> sizes;
  if (const auto it = m.find("sizes_bytes"); it != m.end() && !it->is_null()) {
    if (!it->is_array()) fail("manifest: 'sizes_bytes' is not an array of rows");
    for (std::size_t s = 0; s < it->size(); ++s) {
      const json& row = (*it)[s];
      if (!row.is_array()) fail("manifest: sizes_bytes[" + std::to_string(s) + "] is not an array");
      std::vector<std::uint64_t> sizes_row;
      for (std::size_t r = 0; r < row.size(); ++r) {
        if (!row[r].is_number_unsigned()) {
          fail("manifest: sizes_bytes[" + std::to_string(s) + "][" + std::to_string(r) +
               "] is not a non-negative integer");
        }
        sizes_row.push_back(row[r].get<std::uint64_t>());
      }
      sizes.push_back(std::move(sizes_row));
    }
  }
  return streamopt::Manifest(std::move(rungs), duration, static_cast<std::size_t>(segments), sizes);
}

Session& session_of(int handle) {
  const auto it = sessions().find(handle);
  if (it == sessions().end()) fail("no controller with handle " + std::to_string(handle));
  return it->second;
}

template <class F>
auto guard(F&& body, decltype(body()) on_error) -> decltype(body()) {
  try {
    last_error.clear();
    return body();
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown error";
  }
  return on_error;
}

}  // namespace

extern "C" {

const char* sjs_version(void) { return streamopt::kVersionString; }

const char* sjs_last_error(void) { return last_error.c_str(); }

int sjs_create(const char* spec, const char* manifest_json, const char* qoe) {
  return guard(
      [&] {
        if (spec == nullptr) fail("spec: NULL");
        auto manifest = std::make_shared<const streamopt::Manifest>(manifest_of(manifest_json));
        auto controller = streamopt::make_abr(spec, manifest, qoe != nullptr && *qoe != '\0' ? qoe : "lin");
        Session session{manifest, streamopt::checked_controller(std::move(controller), manifest)};
        const int handle = next_handle++;
        sessions().emplace(handle, std::move(session));
        return handle;
      },
      0);
}

int sjs_on_download(int handle, const char* report_json) {
  return guard(
      [&] {
        Session& s = session_of(handle);
        const json r = parse(report_json, "report");
        streamopt::DownloadReport report;
        report.segment = static_cast<std::size_t>(count(r, "segment", "report"));
        report.rung = static_cast<std::size_t>(count(r, "rung", "report"));
        report.size_bytes = count(r, "size_bytes", "report");
        report.start_time_s = number(r, "start_time_s", "report");
        report.download_time_s = number(r, "download_time_s", "report");
        if (r.contains("transfer_time_s")) report.transfer_time_s = number(r, "transfer_time_s", "report");
        s.controller->on_download(report);
        return 1;
      },
      0);
}

const char* sjs_decide(int handle, const char* state_json) {
  return guard(
      [&]() -> const char* {
        Session& s = session_of(handle);
        const json j = parse(state_json, "state");
        streamopt::PlayerState state;
        state.now_s = number(j, "now_s", "state");
        state.buffer_s = number(j, "buffer_s", "state");
        state.next_segment = static_cast<std::size_t>(count(j, "next_segment", "state"));
        state.segments_left = static_cast<std::size_t>(count(j, "segments_left", "state"));
        if (const auto it = j.find("last_rung"); it != j.end() && !it->is_null()) {
          state.last_rung = static_cast<std::size_t>(count(j, "last_rung", "state"));
        }
        if (const auto it = j.find("rebuffered"); it != j.end()) {
          if (!it->is_boolean()) fail("state: 'rebuffered' is not a boolean");
          state.rebuffered = it->get<bool>();
        }
        const streamopt::Decision d = s.controller->decide(state);
        json plan = json::array();
        for (const std::size_t p : d.reasons.plan) plan.push_back(p);
        json scores = json::array();
        for (const double v : d.reasons.scores) scores.push_back(std::isfinite(v) ? json(v) : json(nullptr));
        const json out = {{"rung", d.rung},
                          {"delay_s", d.delay_s},
                          {"bitrate_bps", s.manifest->rungs().at(d.rung).bitrate_bps},
                          {"rule", d.reasons.rule},
                          {"estimate_bps", d.reasons.estimate_bps},
                          {"conservative_bps", d.reasons.conservative_bps},
                          {"buffer_s", d.reasons.buffer_s},
                          {"scores", scores},
                          {"plan", plan},
                          {"objective", d.reasons.objective},
                          {"playback_rate", d.playback_rate}};
        last_output = out.dump();
        return last_output.c_str();
      },
      nullptr);
}

int sjs_rung_count(int handle) {
  return guard([&] { return static_cast<int>(session_of(handle).manifest->rungs().size()); }, 0);
}

void sjs_destroy(int handle) { sessions().erase(handle); }

}  // extern "C"
