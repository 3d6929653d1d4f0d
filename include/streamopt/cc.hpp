#pragma once
/// \file cc.hpp
/// The congestion-controller interface of the live path: events in, one
/// update out, with the time carried by every event (the shape of libwebrtc's
/// `NetworkControllerInterface`). No hidden clocks and no threads: the same
/// events give the same updates, bit for bit.

#include <cstdint>
#include <string>
#include <vector>

namespace streamopt {

/// One packet handed to the network by the sender.
struct SentPacket {
  std::uint64_t sequence = 0;    ///< transport-wide sequence number, +1 per packet
  std::uint64_t size_bytes = 0;  ///< bytes on the wire
  double send_s = 0;             ///< send time, sender clock
  int probe_cluster_id = -1;     ///< the probe cluster it belongs to; -1: none
};

/// What the receiver saw of one packet.
struct PacketResult {
  SentPacket packet;      ///< the packet as sent
  bool lost = false;      ///< true when the receiver reports it missing
  double arrival_s = 0;   ///< receiver clock; meaningless when `lost`
};

/// Transport-wide feedback (as RTCP transport-cc): every packet since the
/// previous feedback, in sequence order, received or lost.
struct TransportFeedback {
  double receive_s = 0;                ///< when the sender got the feedback, sender clock
  std::vector<PacketResult> packets;   ///< in increasing sequence order
};

/// A controller's internal state, for logs and plots. Fields a controller
/// does not have are NaN.
struct CcState {
  double delay_estimate_bps = 0;  ///< delay-based (or model) estimate
  double loss_estimate_bps = 0;   ///< loss-based estimate (GCC); NaN elsewhere
  double signal = 0;              ///< congestion signal: GCC modified trend/offset (ms), NADA x_curr (ms), BBR bottleneck bandwidth (bps)
  double threshold = 0;           ///< GCC adaptive threshold (ms); NaN elsewhere
  double loss_fraction = 0;       ///< loss fraction the controller currently uses
  double rtt_s = 0;               ///< the RTT the controller currently uses
  const char* phase = "";         ///< state machine: "increase", "hold", "decrease", "startup", ...
};

/// A request to send a burst at `rate_bps` to measure the path (libwebrtc's
/// `ProbeClusterConfig`): at least `min_probes` packets and `min_bytes` bytes,
/// padding where there is no media to send.
struct ProbeCluster {
  int id = 0;                  ///< increasing per controller
  double rate_bps = 0;         ///< send rate of the burst
  std::uint32_t min_probes = 5;   ///< packets at least
  std::uint64_t min_bytes = 0;    ///< bytes at least
};

/// The controller's answer: what the encoder and the pacer should do now.
struct CcUpdate {
  double target_rate_bps = 0;          ///< encoder target
  double pacing_rate_bps = 0;          ///< pacer rate
  double congestion_window_bytes = 0;  ///< max bytes in flight; 0 = no window
  std::vector<ProbeCluster> probes;    ///< recent probe requests; a pacer starts those with ids it has not started
  CcState state;                       ///< for logging
};

/// Rate limits and start rate given by the application.
struct CcConstraints {
  double start_rate_bps = 300e3;  ///< initial target
  double min_rate_bps = 50e3;     ///< never go below
  double max_rate_bps = 10e6;     ///< never go above
};

/// Checks feedback from outside the simulator: finite times, sequence
/// numbers strictly increasing, arrivals not before sends. Throws `Error`
/// naming the offending packet. (Controllers assume valid feedback.)
void check_feedback(const TransportFeedback& feedback);

/// Interface of every congestion controller. Events carry their own time;
/// `update()` is cheap and may be called after any event. One instance serves
/// one flow.
class CongestionController {
 public:
  virtual ~CongestionController() = default;
  /// A packet left the sender (after the pacer).
  virtual void on_packet_sent(const SentPacket& packet) = 0;
  /// Transport feedback arrived.
  virtual void on_feedback(const TransportFeedback& feedback) = 0;
  /// A new round-trip time sample at `now_s` (e.g. from RTCP).
  virtual void on_rtt(double rtt_s, double now_s) = 0;
  /// Periodic processing at `now_s` (the simulator calls it every 25 ms).
  virtual void on_tick(double now_s) = 0;
  /// The current decision.
  [[nodiscard]] virtual CcUpdate update() const = 0;
  /// Registry name plus the options that matter, e.g. "gcc:profile=draft02".
  [[nodiscard]] virtual std::string name() const = 0;
};

}  // namespace streamopt
