// Telemetry events: their JSON form (close to CMCD v2 event reports) and the
// in-process ring sink. The only place that converts to kbps and ms.
#include "streamopt/telemetry.hpp"

#include <fmt/format.h>

#include <cmath>
#include <new>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

namespace {

using nlohmann::json;

// CMCD v2 keys (docs/telemetry.md) and the streamopt extension keys; CMCD
// custom keys carry a hyphenated prefix.
constexpr const char* kVersionKey = "v";
constexpr int kCmcdVersion = 2;
constexpr const char* kSessionKey = "sid";
constexpr const char* kEventKey = "e";
constexpr const char* kTimeKey = "ts";           // ms
constexpr const char* kBitrateKey = "br";        // kbps
constexpr const char* kBufferKey = "bl";         // ms
constexpr const char* kThroughputKey = "mtp";    // kbps
constexpr const char* kGroupKey = "streamopt-grp";
constexpr const char* kRungKey = "streamopt-rung";
constexpr const char* kStallKey = "streamopt-stall";  // ms
constexpr const char* kLatencyKey = "streamopt-lat";  // ms
constexpr const char* kQoeKey = "streamopt-qoe";

constexpr double kMsPerS = 1e3;
constexpr double kBpsPerKbps = 1e3;

constexpr TelemetryKind kKinds[] = {TelemetryKind::start, TelemetryKind::decision, TelemetryKind::download,
                                    TelemetryKind::stall, TelemetryKind::end};

[[noreturn]] void bad(std::string_view key, std::string_view what) {
  throw Error(fmt::format("telemetry event: field '{}' {}", key, what));
}

void check_id(std::string_view key, const std::string& value, bool required) {
  if (required && value.empty()) bad(key, "is empty (a session id is required)");
  if (value.size() > kMaxTelemetryIdChars) {
    bad(key, fmt::format("is longer than {} bytes ({} bytes)", kMaxTelemetryIdChars, value.size()));
  }
}

void check_amount(std::string_view key, double value) {
  if (!std::isfinite(value)) bad(key, "is not a finite number");
  if (value < 0) bad(key, fmt::format("is negative ({})", value));
}

// Checks every field of an event, naming its JSON key.
void check_event(const TelemetryEvent& e) {
  check_id(kSessionKey, e.session_id, true);
  check_id(kGroupKey, e.group, false);
  check_amount(kTimeKey, e.time_s);
  check_amount(kBitrateKey, e.bitrate_bps);
  check_amount(kBufferKey, e.buffer_s);
  check_amount(kThroughputKey, e.throughput_bps);
  check_amount(kStallKey, e.stall_s);
  check_amount(kLatencyKey, e.latency_s);
  if (!std::isfinite(e.qoe)) bad(kQoeKey, "is not a finite number");
}

TelemetryKind parse_kind(const json& v) {
  if (!v.is_string()) bad(kEventKey, "is not a string");
  const auto& text = v.get_ref<const std::string&>();
  for (const TelemetryKind k : kKinds) {
    if (text == telemetry_kind_name(k)) return k;
  }
  bad(kEventKey, fmt::format("is not an event type (start, decision, download, stall, end): '{}'", detail::sanitize(text)));
}

const json* find(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// The non-negative finite number at `key` (0 when absent).
double amount(const json& object, const char* key) {
  const json* v = find(object, key);
  if (!v) return 0;
  if (!v->is_number()) bad(key, "is not a number");
  const double x = v->get<double>();
  check_amount(key, x);
  return x;
}

// kbps to bits per second, refusing what overflows.
double from_kbps(const json& object, const char* key) {
  const double bps = amount(object, key) * kBpsPerKbps;
  if (!std::isfinite(bps)) bad(key, "is out of range");
  return bps;
}

// Milliseconds to seconds.
double from_ms(const json& object, const char* key) { return amount(object, key) / kMsPerS; }

std::string id(const json& object, const char* key, bool required) {
  const json* v = find(object, key);
  if (!v) {
    if (required) bad(key, "is missing");
    return {};
  }
  if (!v->is_string()) bad(key, "is not a string");
  std::string s = v->get<std::string>();
  check_id(key, s, required);
  return s;
}

// Seconds to milliseconds, refusing what overflows.
double to_ms(const char* key, double seconds) {
  const double ms = seconds * kMsPerS;
  if (!std::isfinite(ms)) bad(key, "is out of range");
  return ms;
}

}  // namespace

std::string_view telemetry_kind_name(TelemetryKind kind) {
  switch (kind) {
    case TelemetryKind::start:
      return "start";
    case TelemetryKind::decision:
      return "decision";
    case TelemetryKind::download:
      return "download";
    case TelemetryKind::stall:
      return "stall";
    case TelemetryKind::end:
      return "end";
  }
  return "unknown";
}

std::string to_json(const TelemetryEvent& event) {
  check_event(event);
  json j = json::object();
  j[kVersionKey] = kCmcdVersion;
  j[kSessionKey] = event.session_id;
  j[kEventKey] = std::string(telemetry_kind_name(event.kind));
  j[kTimeKey] = to_ms(kTimeKey, event.time_s);
  if (!event.group.empty()) j[kGroupKey] = event.group;
  if (event.rung != kNoRung) j[kRungKey] = static_cast<std::uint64_t>(event.rung);
  j[kBitrateKey] = event.bitrate_bps / kBpsPerKbps;
  j[kBufferKey] = to_ms(kBufferKey, event.buffer_s);
  j[kThroughputKey] = event.throughput_bps / kBpsPerKbps;
  j[kStallKey] = to_ms(kStallKey, event.stall_s);
  j[kLatencyKey] = to_ms(kLatencyKey, event.latency_s);
  j[kQoeKey] = event.qoe;
  // Ids may hold any bytes; invalid UTF-8 is replaced rather than thrown on.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TelemetryEvent parse_telemetry_event(std::string_view text) {
  if (text.size() > kMaxTelemetryJsonBytes) {
    throw Error(fmt::format("telemetry event: {} bytes is longer than the limit of {}", text.size(),
                            detail::format_byte_limit(kMaxTelemetryJsonBytes)));
  }
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    throw Error(fmt::format("telemetry event: not JSON: {}", e.what()));
  }
  if (!j.is_object()) throw Error("telemetry event: not a JSON object");
  TelemetryEvent e;
  e.session_id = id(j, kSessionKey, true);
  const json* kind = find(j, kEventKey);
  if (!kind) bad(kEventKey, "is missing");
  e.kind = parse_kind(*kind);
  if (!find(j, kTimeKey)) bad(kTimeKey, "is missing");
  e.time_s = from_ms(j, kTimeKey);
  e.group = id(j, kGroupKey, false);
  if (const json* rung = find(j, kRungKey)) {
    if (!rung->is_number_unsigned()) bad(kRungKey, "is not a non-negative integer");
    const auto r = rung->get<std::uint64_t>();
    if (r >= kNoRung) bad(kRungKey, "is out of range");
    e.rung = static_cast<std::size_t>(r);
  }
  e.bitrate_bps = from_kbps(j, kBitrateKey);
  e.buffer_s = from_ms(j, kBufferKey);
  e.throughput_bps = from_kbps(j, kThroughputKey);
  e.stall_s = from_ms(j, kStallKey);
  e.latency_s = from_ms(j, kLatencyKey);
  if (const json* q = find(j, kQoeKey)) {
    if (!q->is_number()) bad(kQoeKey, "is not a number");
    e.qoe = q->get<double>();
    if (!std::isfinite(e.qoe)) bad(kQoeKey, "is not a finite number");
  }
  return e;
}

TelemetrySink::~TelemetrySink() = default;

RingSink::RingSink(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw Error("RingSink: capacity must be at least 1 event");
}

bool RingSink::emit(const TelemetryEvent& event) noexcept {
  try {
    TelemetryEvent copy = event;  // allocate outside the lock
    const std::lock_guard lock(mutex_);
    if (events_.size() >= capacity_) {
      events_.pop_front();
      ++dropped_;
    }
    events_.push_back(std::move(copy));
    return true;
  } catch (...) {  // out of memory: drop this event
    const std::lock_guard lock(mutex_);
    ++dropped_;
    return false;
  }
}

std::vector<TelemetryEvent> RingSink::drain() {
  std::deque<TelemetryEvent> taken;
  {
    const std::lock_guard lock(mutex_);
    taken.swap(events_);
  }
  return {std::make_move_iterator(taken.begin()), std::make_move_iterator(taken.end())};
}

std::size_t RingSink::size() const {
  const std::lock_guard lock(mutex_);
  return events_.size();
}

std::uint64_t RingSink::dropped() const {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace streamopt
