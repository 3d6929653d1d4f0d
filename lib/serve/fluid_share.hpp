#pragma once
// Trace-shaped delivery's arithmetic (`streamopt serve --shape`): a link
// whose capacity follows a looped trace, shared equally (processor sharing,
// water-filled) by the response bodies that wait to send. Pure and clocked
// from outside, so tests step it; lib/serve/paced_link.hpp runs it on the
// server's event loop. Docs: docs/serve.md#trace-shaped-delivery---shape.

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "streamopt/trace.hpp"

namespace streamopt::sim {
class LoopedCapacity;
}

namespace streamopt::serve {

/// Smallest grant worth a write, bytes: a flow waits until it has this much
/// (or all it asked for) rather than writing a few bytes per tick.
inline constexpr std::uint64_t kMinGrantBytes = 4096;

/// The fluid share of a trace-shaped link among flows. Not thread-safe (the
/// owner locks).
class FluidShare {
 public:
  /// Capacity from `trace` (looped; its first sample at `start_s` of the
  /// clock `advance` is given). Throws `Error` when the trace is invalid or
  /// carries nothing in a whole pass.
  FluidShare(const NetworkTrace& trace, double start_s);
  ~FluidShare();
  FluidShare(const FluidShare&) = delete;
  FluidShare& operator=(const FluidShare&) = delete;

  /// Opens a flow (a response body) and returns its id.
  std::uint64_t open();
  /// Closes `flow`; an unknown id is ignored.
  void close(std::uint64_t flow);
  /// `flow` asks to send up to `max_bytes` (> 0) next; replaces an earlier
  /// ask of the same flow. Bytes the flow was given but did not use yet
  /// count toward it.
  void want(std::uint64_t flow, std::uint64_t max_bytes);

  /// One permission to send.
  struct Grant {
    std::uint64_t flow = 0;   ///< the flow
    std::uint64_t bytes = 0;  ///< bytes it may send now, 1..its ask
  };
  /// Moves the clock to `now_s` (earlier times are ignored): the capacity of
  /// the elapsed time is shared equally by the waiting flows (a flow that
  /// needs less than its share passes the rest on), and every flow that has
  /// its ask or at least `kMinGrantBytes` is granted what it has (up to
  /// its ask) and stops waiting. Capacity nobody waits for is lost, as on
  /// an idle link.
  std::vector<Grant> advance(double now_s);

  /// When no flow waits: moves the clock to `now_s - grace_s` without
  /// sharing anything, so capacity of an idle link is lost except its last
  /// `grace_s` (a flow that was busy writing its previous grant keeps its
  /// pace). Does nothing while a flow waits.
  void skip_idle(double now_s, double grace_s);

  /// True when some flow waits for a grant.
  [[nodiscard]] bool waiting() const noexcept { return waiting_ > 0; }
  /// Flows open now.
  [[nodiscard]] std::size_t open_flows() const noexcept { return flows_.size(); }

 private:
  struct Flow {
    std::uint64_t ask_bytes = 0;  // 0 = not waiting
    double credit_bytes = 0;      // capacity given, not yet granted
  };
  std::unique_ptr<sim::LoopedCapacity> capacity_;
  double start_s_;
  double last_s_;
  std::uint64_t next_id_ = 1;
  std::size_t waiting_ = 0;
  std::unordered_map<std::uint64_t, Flow> flows_;
};

}  // namespace streamopt::serve
