#pragma once
// Bandwidth probing as libwebrtc's GoogCC does it (not part of draft-02):
// the probe controller asks for bursts at 3x and 6x the start rate, then at
// 2x each result while results keep reaching 70 % of the probed rate; the
// probe estimator turns the feedback of a burst into a rate.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "streamopt/cc.hpp"

namespace streamopt::cc {

// Exponential start-up probing (libwebrtc ProbeController, initial phase).
class ProbeController {
 public:
  ProbeController(double start_bps, double max_bps) : start_bps_(start_bps), max_bps_(max_bps) {}
  // Called with every new estimate; starts the first probes at the first call.
  void on_estimate(double estimate_bps, double now_s);
  // Clusters requested so far that a pacer may still need (the last few).
  [[nodiscard]] const std::vector<ProbeCluster>& clusters() const { return clusters_; }

 private:
  void request(double rate_bps, double now_s);
  double start_bps_, max_bps_;
  bool started_ = false;
  bool waiting_ = false;
  double min_rate_to_probe_further_bps_ = 0;
  double last_request_s_ = 0;
  int next_id_ = 1;
  std::vector<ProbeCluster> clusters_;
};

// Rate of a probe burst from its feedback (libwebrtc ProbeBitrateEstimator):
// min(send rate, receive rate), 0.95 x receive rate when the link was
// saturated (receive < 0.9 x send); invalid beyond a 2x receive/send ratio or
// 1 s intervals. Needs 80 % of the cluster's packets and bytes.
class ProbeEstimator {
 public:
  // Registers a cluster so its minimums are known.
  void add_cluster(const ProbeCluster& cluster) { minimums_[cluster.id] = cluster; }
  // Feeds one received probe packet; returns a rate once the cluster is complete enough.
  std::optional<double> on_packet(const PacketResult& result);

 private:
  struct Aggregate {
    double first_send_s = 0, last_send_s = 0, first_receive_s = 0, last_receive_s = 0;
    double size_last_send = 0, size_first_receive = 0, total_bytes = 0;
    std::uint32_t packets = 0;
  };
  std::map<int, ProbeCluster> minimums_;
  std::map<int, Aggregate> clusters_;
};

}  // namespace streamopt::cc
