#pragma once
// A `FluidShare` on the server's event loop: response bodies ask for
// permission to send their next bytes, a timer ticks the share while any
// waits, and each grant is handed to the asking connection's callback.
// Docs: docs/serve.md#trace-shaped-delivery---shape.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "serve/fluid_share.hpp"

namespace streamopt::serve {

/// How often a paced link shares out capacity while a body waits, seconds.
inline constexpr double kPacingTickS = 0.002;

/// A trace-shaped link shared by the bodies in flight. Thread-safe.
class PacedLink {
 public:
  /// Capacity from `trace`, looped, its time 0 at the first `start()`.
  /// Throws `Error` as `FluidShare` does.
  PacedLink(boost::asio::io_context& ioc, const NetworkTrace& trace);

  /// Starts the trace's clock unless it runs already. The server calls it
  /// when the first shaped request arrives (before its RTT), so a session
  /// against a fresh server meets the trace from its start with its first
  /// media segment, as in the simulator, however long start-up took.
  void start();

  /// Opens a flow for one response body.
  std::uint64_t open();
  /// Closes `flow` (its pending request, if any, is dropped).
  void close(std::uint64_t flow);
  /// Calls `granted(bytes)` (from the timer's thread, without locks held)
  /// once `flow` may send `bytes` in [1, max_bytes].
  void request(std::uint64_t flow, std::uint64_t max_bytes, std::function<void(std::uint64_t)> granted);

 private:
  double now_s() const;
  void arm_locked();
  void tick();

  std::chrono::steady_clock::time_point epoch_;
  bool started_ = false;  // epoch_ set by the first start()
  std::mutex mutex_;
  FluidShare share_;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  std::unordered_map<std::uint64_t, std::function<void(std::uint64_t)>> waiting_;
};

}  // namespace streamopt::serve
