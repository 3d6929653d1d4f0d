#pragma once
/// \file types.hpp
/// Value types exchanged between a player (or the simulator) and the
/// decision engine. SI units throughout: seconds, bytes, bits per second.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace streamopt {

/// Marker for "no rung yet" in `PlayerState::last_rung`.
inline constexpr std::size_t kNoRung = static_cast<std::size_t>(-1);

/// Shortest download time that counts as a measurement (1 microsecond): a
/// shorter one is a clock error whose throughput would be absurd or infinite.
inline constexpr double kMinDownloadTimeS = 1e-6;

/// What a player reports after a segment finished downloading.
struct DownloadReport {
  std::size_t segment = 0;      ///< index of the segment in the title
  std::size_t rung = 0;         ///< rung it was fetched at
  std::uint64_t size_bytes = 0; ///< bytes received
  double start_time_s = 0;      ///< clock when the request was sent
  double download_time_s = 0;   ///< request to last byte, including RTT (> 0)
  /// Live, chunked transfer: seconds the link was delivering this segment's
  /// bytes, i.e. the download time less the waits for the encoder to produce
  /// the next chunk (how dash.js measures low-latency throughput); 0 when the
  /// player does not measure it (then the whole download time counts).
  double transfer_time_s = 0;
  /// Seconds the throughput is measured over: `transfer_time_s` when the
  /// player measured it, else `download_time_s`.
  [[nodiscard]] double measured_time_s() const {
    return transfer_time_s > 0 && transfer_time_s <= download_time_s ? transfer_time_s : download_time_s;
  }
  /// Measured throughput: size x 8 / measured_time_s(), bits per second.
  [[nodiscard]] double throughput_bps() const {
    const double t = measured_time_s();
    return t > 0 ? static_cast<double>(size_bytes) * 8.0 / t : 0.0;
  }
  /// Clock when the last byte arrived.
  [[nodiscard]] double end_time_s() const { return start_time_s + download_time_s; }
  /// True when the report can feed a throughput estimate: bytes received in
  /// a finite download time of at least kMinDownloadTimeS. Every predictor
  /// ignores the other reports.
  [[nodiscard]] bool usable_sample() const {
    return size_bytes > 0 && measured_time_s() >= kMinDownloadTimeS && std::isfinite(download_time_s);
  }
};

/// A download in flight, as a player sees it at a progress event: what
/// `AbrController::should_abandon()` decides on.
struct DownloadProgress {
  std::size_t segment = 0;          ///< segment being fetched
  std::size_t rung = 0;             ///< rung being fetched
  std::uint64_t size_bytes = 0;     ///< the segment's full size
  std::uint64_t received_bytes = 0; ///< bytes received so far (< size_bytes)
  double start_time_s = 0;          ///< clock when the request was sent
  double elapsed_s = 0;             ///< seconds since the request (RTT included)
  double buffer_s = 0;              ///< media buffered ahead of the playhead now
  /// Seconds from the request to the first byte where the playback mode
  /// knows it (sabre: the link's latency); 0 otherwise.
  double first_byte_s = 0;
  /// Throughput of this download so far (0 before the first byte).
  [[nodiscard]] double throughput_bps() const {
    return elapsed_s > 0 ? static_cast<double>(received_bytes) * 8.0 / elapsed_s : 0.0;
  }
};

/// The player's state when it asks for the next decision.
struct PlayerState {
  double now_s = 0;                  ///< player clock
  double buffer_s = 0;               ///< seconds of media buffered ahead of the playhead
  std::size_t next_segment = 0;      ///< index of the segment to fetch next
  std::size_t segments_left = 0;     ///< segments still to fetch, the next one included
  std::size_t last_rung = kNoRung;   ///< rung of the previous segment, kNoRung before the first
  bool rebuffered = false;           ///< the previous download stalled playback
  // Live sessions only (all zero, `live` false, for video on demand):
  bool live = false;                 ///< the session plays a live stream
  double latency_s = 0;              ///< live latency: live edge minus playhead, seconds
  double target_latency_s = 0;       ///< the latency the player aims for
  double live_edge_s = 0;            ///< media time produced so far (the live edge)
  double playback_rate = 1;          ///< current playback speed (1 = real time)
};

/// Why a controller decided what it did, for logs and debugging.
struct DecisionReasons {
  std::string rule;                 ///< which rule decided (e.g. "bola", "throughput", "reservoir")
  double estimate_bps = 0;          ///< throughput estimate used (0 when none)
  double conservative_bps = 0;      ///< lower estimate used (0 when none)
  double buffer_s = 0;              ///< buffer the decision saw
  std::vector<double> scores;       ///< per-rung scores where the rule has them
  std::vector<std::size_t> plan;    ///< planned rung sequence (MPC), first = this decision
  double objective = 0;             ///< value of the plan's objective (MPC)
};

/// A controller's answer: the rung to fetch, and how long to wait before
/// requesting it (BOLA waits when its buffer is above the rung's bound).
struct Decision {
  std::size_t rung = 0;    ///< index into the manifest's rungs
  double delay_s = 0;      ///< wait this long before the request (>= 0)
  DecisionReasons reasons; ///< explanation
  /// Live: the playback speed to use from now on (e.g. 0.9-1.1 to catch up
  /// with the target latency); 0 = no opinion, the player's own catch-up
  /// decides. A player clamps it to its allowed range.
  double playback_rate = 0;
};

/// A throughput prediction: a point estimate and a conservative (lower) one.
struct Prediction {
  double estimate_bps = 0;      ///< point estimate, bits per second
  double conservative_bps = 0;  ///< lower estimate for robust decisions, <= estimate_bps
  bool valid = false;           ///< false before the first sample
};

}  // namespace streamopt
