// Sliding-window received rate, constraint and feedback checks shared by the
// controllers.
#include <fmt/format.h>

#include <cmath>

#include "cc/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::cc {

void ReceiveRateWindow::add(double arrival_s, std::uint64_t size_bytes) {
  samples_.emplace_back(arrival_s, size_bytes);
  bytes_ += size_bytes;
  while (samples_.size() > 2 && samples_.front().first < arrival_s - window_s_) {
    bytes_ -= samples_.front().second;
    samples_.pop_front();
  }
}

double ReceiveRateWindow::rate_bps() const {
  if (samples_.size() < 2) return 0;
  // The oldest sample marks the window's start; its bytes arrived before it.
  const double span_s = samples_.back().first - samples_.front().first;
  if (span_s < window_s_ / 2) return 0;
  return static_cast<double>(bytes_ - samples_.front().second) * 8.0 / span_s;
}

}  // namespace streamopt::cc

namespace streamopt {

void check_feedback(const TransportFeedback& feedback) {
  if (!std::isfinite(feedback.receive_s)) throw Error("feedback: receive_s is not finite");
  for (std::size_t i = 0; i < feedback.packets.size(); ++i) {
    const PacketResult& r = feedback.packets[i];
    if (!std::isfinite(r.packet.send_s)) throw Error(fmt::format("feedback packet {}: send_s is not finite", i));
    if (i > 0 && r.packet.sequence <= feedback.packets[i - 1].packet.sequence) {
      throw Error(fmt::format("feedback packet {}: sequence {} does not increase", i, r.packet.sequence));
    }
    if (!r.lost && !(std::isfinite(r.arrival_s) && r.arrival_s >= r.packet.send_s)) {
      throw Error(fmt::format("feedback packet {}: arrival_s must be finite and not before send_s", i));
    }
  }
}

}  // namespace streamopt

namespace streamopt::cc {

void check_constraints(const CcConstraints& limits, const std::string& owner) {
  const bool ok = std::isfinite(limits.min_rate_bps) && std::isfinite(limits.max_rate_bps) &&
                  std::isfinite(limits.start_rate_bps) && limits.min_rate_bps > 0 &&
                  limits.min_rate_bps <= limits.start_rate_bps && limits.start_rate_bps <= limits.max_rate_bps;
  if (!ok) {
    throw Error(fmt::format("{}: rate constraints need 0 < min <= start <= max (got min {} start {} max {} bps)",
                            owner, limits.min_rate_bps, limits.start_rate_bps, limits.max_rate_bps));
  }
}

}  // namespace streamopt::cc
