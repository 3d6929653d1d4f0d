// Google Congestion Control, draft-ietf-rmcat-gcc-02, sender-side as in
// libwebrtc's GoogCC: transport feedback drives the delay-based estimate
// (packet groups -> arrival filter -> over-use detector -> AIMD) and the
// loss-based estimate; the target is the smaller of the two.
//
// Profiles (option `profile`):
//   draft02   - Kalman arrival filter, K_u = 0.01, K_d = 0.00018 (draft-02 5.3-5.4)
//   libwebrtc - trendline filter (window 20, smoothing 0.9, gain 4),
//               k_up = 0.0087, k_down = 0.039 (libwebrtc trendline_estimator.cc),
//               plus libwebrtc's start-up probing (option `probing`, gcc_probe.hpp)
// Both start from a 12.5 ms threshold and signal over-use after 10 ms.
#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <string>

#include "cc/builtin.hpp"
#include "cc/gcc_probe.hpp"
#include "cc/gcc_rate.hpp"
#include "streamopt/error.hpp"

namespace streamopt::cc {
namespace {

constexpr double kPacingFactor = 2.5;   // libwebrtc's default pacing factor
constexpr double kMaxGroupsScale = 60;  // the filter output is scaled by min(groups, 60)
constexpr double kTrendlineGain = 4.0;

struct GccProfile {
  bool trendline = false;
  double k_up = 0, k_down = 0;
  bool probing = false;
};

class Gcc final : public CongestionController {
 public:
  Gcc(const CcConstraints& limits, std::string profile_name, GccProfile profile, double burst_ms,
      std::size_t window, double smoothing, double chi)
      : profile_name_(std::move(profile_name)),
        profile_(profile),
        inter_arrival_(burst_ms),
        kalman_(chi),
        trendline_(window, smoothing),
        detector_(profile.k_up, profile.k_down),
        aimd_(limits.start_rate_bps, limits.min_rate_bps, limits.max_rate_bps),
        loss_(limits.start_rate_bps, limits.min_rate_bps, limits.max_rate_bps),
        probe_controller_(limits.start_rate_bps, limits.max_rate_bps),
        received_(0.5) {}

  void on_packet_sent(const SentPacket&) override {}

  void on_feedback(const TransportFeedback& feedback) override {
    std::uint64_t received = 0, lost = 0;
    bool overuse_seen = false;
    std::optional<double> probe_bps;
    for (const PacketResult& r : feedback.packets) {
      if (r.lost) {
        ++lost;
        continue;
      }
      ++received;
      if (profile_.probing && r.packet.probe_cluster_id >= 0) {
        if (const auto rate = probe_estimator_.on_packet(r)) probe_bps = rate;
      }
      received_.add(r.arrival_s, r.packet.size_bytes);
      const auto delta = inter_arrival_.add(r.packet.send_s * 1e3, r.arrival_s * 1e3);
      if (!delta) continue;
      ++groups_;
      const double scale = std::min(static_cast<double>(groups_), kMaxGroupsScale);
      signal_ms_ = profile_.trendline ? scale * trendline_.update(*delta) * kTrendlineGain
                                      : scale * kalman_.update(*delta);
      if (groups_ < 2) continue;
      if (detector_.detect(signal_ms_, delta->send_delta_ms, delta->arrival_ms) == Usage::overuse) {
        overuse_seen = true;
      }
    }
    const Usage usage = overuse_seen ? Usage::overuse : detector_.usage();
    double delay_bps = 0;
    if (probe_bps && !overuse_seen) {
      // A probe result replaces both estimates (libwebrtc's DelayBasedBwe / SetSendBitrate).
      aimd_.set_rate(*probe_bps);
      loss_.set_rate(*probe_bps);
      delay_bps = aimd_.rate_bps();
    } else {
      delay_bps = aimd_.update(usage, received_.rate_bps(), rtt_s_, feedback.receive_s);
    }
    loss_.update(received, lost, delay_bps, feedback.receive_s);
    probe(feedback.receive_s);
  }

  void on_rtt(double rtt_s, double) override {
    if (std::isfinite(rtt_s) && rtt_s > 0) rtt_s_ = rtt_s;
  }

  void on_tick(double now_s) override { probe(now_s); }

  CcUpdate update() const override {
    CcUpdate u;
    u.target_rate_bps = std::min(aimd_.rate_bps(), loss_.rate_bps());
    if (profile_.probing) u.probes = probe_controller_.clusters();
    u.pacing_rate_bps = kPacingFactor * u.target_rate_bps;
    u.state.delay_estimate_bps = aimd_.rate_bps();
    u.state.loss_estimate_bps = loss_.rate_bps();
    u.state.signal = signal_ms_;
    u.state.threshold = detector_.threshold_ms();
    u.state.loss_fraction = loss_.loss_fraction();
    u.state.rtt_s = rtt_s_;
    switch (aimd_.state()) {
      case RateState::hold: u.state.phase = "hold"; break;
      case RateState::increase: u.state.phase = aimd_.near_capacity() ? "increase_additive" : "increase"; break;
      case RateState::decrease: u.state.phase = "decrease"; break;
    }
    return u;
  }

  std::string name() const override {
    const bool default_probing = profile_name_ == "libwebrtc";
    return "gcc:profile=" + profile_name_ + (profile_.probing == default_probing ? "" : profile_.probing ? ",probing=true" : ",probing=false");
  }

 private:
  // Lets the probe controller see the estimate and registers new clusters.
  void probe(double now_s) {
    if (!profile_.probing) return;
    probe_controller_.on_estimate(std::min(aimd_.rate_bps(), loss_.rate_bps()), now_s);
    for (const ProbeCluster& c : probe_controller_.clusters()) probe_estimator_.add_cluster(c);
  }

  std::string profile_name_;
  GccProfile profile_;
  InterArrival inter_arrival_;
  KalmanArrivalFilter kalman_;
  TrendlineFilter trendline_;
  OveruseDetector detector_;
  AimdRateControl aimd_;
  LossBasedControl loss_;
  ProbeController probe_controller_;
  ProbeEstimator probe_estimator_;
  ReceiveRateWindow received_;
  std::uint64_t groups_ = 0;
  double signal_ms_ = 0;
  double rtt_s_ = 0.1;
};

}  // namespace

std::unique_ptr<CongestionController> make_gcc(const CcConstraints& limits, const OptionMap& options) {
  check_constraints(limits, "gcc");
  const std::string profile_name = options.get_string("profile", "libwebrtc");
  GccProfile profile;
  if (profile_name == "libwebrtc") {
    profile = {true, 0.0087, 0.039, true};
  } else if (profile_name == "draft02") {
    profile = {false, 0.01, 0.00018, false};
  } else {
    throw Error(fmt::format("gcc: option 'profile' must be draft02 or libwebrtc, got '{}'", profile_name));
  }
  profile.probing = options.get_bool("probing", profile.probing);
  const double burst_ms = options.get_double("burst_ms", 5.0);
  const auto window = options.get_int("window", 20);
  const double smoothing = options.get_double("smoothing", 0.9);
  const double chi = options.get_double("chi", 0.01);
  if (burst_ms <= 0 || window < 2 || window > 1000 || smoothing < 0 || smoothing >= 1 || chi <= 0 || chi >= 1) {
    throw Error("gcc: need burst_ms > 0, 2 <= window <= 1000, 0 <= smoothing < 1 and 0 < chi < 1");
  }
  return std::make_unique<Gcc>(limits, profile_name, profile, burst_ms, static_cast<std::size_t>(window),
                               smoothing, chi);
}

}  // namespace streamopt::cc
