#include "cc/gcc_probe.hpp"

#include <algorithm>

namespace streamopt::cc {

namespace {
constexpr double kFirstScale = 3.0;         // first_exponential_probe_scale
constexpr double kSecondScale = 6.0;        // second_exponential_probe_scale
constexpr double kFurtherScale = 2.0;       // further_exponential_probe_scale
constexpr double kFurtherThreshold = 0.7;   // further_probe_threshold
constexpr double kMaxWaitS = 1.0;           // kMaxWaitingTimeForProbingResult
constexpr double kProbeDurationS = 0.015;   // min_probe_duration
constexpr std::uint32_t kProbePackets = 5;  // min_probe_packets_sent
constexpr double kMinReceivedRatio = 0.8;   // kMinReceivedProbesRatio / kMinReceivedBytesRatio
constexpr double kMaxIntervalS = 1.0;       // kMaxProbeInterval
constexpr double kMaxValidRatio = 2.0;
constexpr double kUnsaturatedRatio = 0.9;   // kMinRatioForUnsaturatedLink
constexpr double kTargetUtilisation = 0.95; // kTargetUtilizationFraction
constexpr std::size_t kKeptClusters = 8;
}  // namespace

void ProbeController::request(double rate_bps, double now_s) {
  rate_bps = std::min(rate_bps, max_bps_);
  ProbeCluster c;
  c.id = next_id_++;
  c.rate_bps = rate_bps;
  c.min_probes = kProbePackets;
  c.min_bytes = static_cast<std::uint64_t>(rate_bps * kProbeDurationS / 8.0);
  clusters_.push_back(c);
  if (clusters_.size() > kKeptClusters) clusters_.erase(clusters_.begin());
  waiting_ = true;
  min_rate_to_probe_further_bps_ = kFurtherThreshold * rate_bps;
  last_request_s_ = now_s;
}

void ProbeController::on_estimate(double estimate_bps, double now_s) {
  if (!started_) {
    started_ = true;
    request(kFirstScale * start_bps_, now_s);
    if (kSecondScale * start_bps_ < max_bps_) request(kSecondScale * start_bps_, now_s);
    return;
  }
  if (!waiting_) return;
  if (now_s - last_request_s_ > kMaxWaitS) {
    waiting_ = false;  // no result in time: probing is over
    return;
  }
  if (estimate_bps > min_rate_to_probe_further_bps_ && estimate_bps < max_bps_) {
    request(kFurtherScale * estimate_bps, now_s);
  }
}

std::optional<double> ProbeEstimator::on_packet(const PacketResult& r) {
  const auto known = minimums_.find(r.packet.probe_cluster_id);
  if (r.lost || known == minimums_.end()) return std::nullopt;
  Aggregate& a = clusters_[r.packet.probe_cluster_id];
  const double size = static_cast<double>(r.packet.size_bytes);
  if (a.packets == 0) {
    a.first_send_s = a.last_send_s = r.packet.send_s;
    a.first_receive_s = a.last_receive_s = r.arrival_s;
    a.size_first_receive = a.size_last_send = size;
  }
  if (r.packet.send_s < a.first_send_s) a.first_send_s = r.packet.send_s;
  if (r.packet.send_s >= a.last_send_s) {
    a.last_send_s = r.packet.send_s;
    a.size_last_send = size;
  }
  if (r.arrival_s < a.first_receive_s) {
    a.first_receive_s = r.arrival_s;
    a.size_first_receive = size;
  }
  a.last_receive_s = std::max(a.last_receive_s, r.arrival_s);
  a.total_bytes += size;
  ++a.packets;
  const ProbeCluster& want = known->second;
  if (a.packets < kMinReceivedRatio * want.min_probes || a.total_bytes < kMinReceivedRatio * static_cast<double>(want.min_bytes)) {
    return std::nullopt;
  }
  const double send_interval = a.last_send_s - a.first_send_s;
  const double receive_interval = a.last_receive_s - a.first_receive_s;
  if (send_interval <= 0 || send_interval > kMaxIntervalS || receive_interval <= 0 || receive_interval > kMaxIntervalS) {
    return std::nullopt;
  }
  const double send_bps = (a.total_bytes - a.size_last_send) * 8.0 / send_interval;
  const double receive_bps = (a.total_bytes - a.size_first_receive) * 8.0 / receive_interval;
  if (receive_bps > kMaxValidRatio * send_bps) return std::nullopt;
  double rate = std::min(send_bps, receive_bps);
  if (receive_bps < kUnsaturatedRatio * send_bps) rate = kTargetUtilisation * receive_bps;
  return rate;
}

}  // namespace streamopt::cc
