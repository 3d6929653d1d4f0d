// Telemetry events arrive from the network (a Redis stream written by any
// client): parse_telemetry_event must refuse anything malformed with an
// Error, and whatever it accepts must write back to JSON that parses to the
// same event and feed the processor's window without trouble.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "streamopt/error.hpp"
#include "streamopt/telemetry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static streamopt::TelemetryWindow window(10.0);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  streamopt::TelemetryEvent event;
  try {
    event = streamopt::parse_telemetry_event(text);
  } catch (const streamopt::Error&) {
    window.add_rejected();
    return 0;
  }
  const streamopt::TelemetryEvent again = streamopt::parse_telemetry_event(streamopt::to_json(event));
  if (again.session_id != event.session_id || again.group != event.group || again.kind != event.kind ||
      again.rung != event.rung) {
    __builtin_trap();
  }
  window.add(event);
  (void)window.stats(event.group, window.latest_time_s());
  (void)window.prior_throughput_bps(event.group, window.latest_time_s());
  if (window.events_total() % 1024 == 0) (void)window.prometheus_text(window.latest_time_s());
  return 0;
}
