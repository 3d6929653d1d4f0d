#include "googcc_adapter.hpp"

#include <api/rtc_event_log/rtc_event_log.h>
#include <api/transport/goog_cc_factory.h>
#include <api/transport/network_control.h>
#include <api/transport/network_types.h>

#include <cmath>
#include <map>
#include <string>

namespace streamopt::bench {
namespace {

// libwebrtc's clock must be positive: simulation time 0 is 10 s on its clock.
constexpr double kClockOffsetS = 10.0;

webrtc::Timestamp at(double t_s) { return webrtc::Timestamp::Micros(std::llround((t_s + kClockOffsetS) * 1e6)); }

class LibwebrtcGoogCc final : public CongestionController {
 public:
  explicit LibwebrtcGoogCc(const CcConstraints& limits) {
    webrtc::NetworkControllerConfig config;
    config.event_log = &event_log_;  // GoogCC requires one
    config.constraints.at_time = at(0);
    config.constraints.min_data_rate = webrtc::DataRate::BitsPerSec(std::llround(limits.min_rate_bps));
    config.constraints.max_data_rate = webrtc::DataRate::BitsPerSec(std::llround(limits.max_rate_bps));
    config.constraints.starting_rate = webrtc::DataRate::BitsPerSec(std::llround(limits.start_rate_bps));
    controller_ = factory_.Create(config);
    update_.target_rate_bps = limits.start_rate_bps;
    update_.pacing_rate_bps = 2.5 * limits.start_rate_bps;
    update_.state = {limits.start_rate_bps, NAN, NAN, NAN, 0, 0, "libwebrtc"};
    webrtc::NetworkAvailability available;
    available.at_time = at(0);
    available.network_available = true;
    apply(controller_->OnNetworkAvailability(available));
  }

  void on_packet_sent(const SentPacket& p) override {
    webrtc::SentPacket sp;
    sp.send_time = at(p.send_s);
    sp.size = webrtc::DataSize::Bytes(static_cast<int64_t>(p.size_bytes));
    sp.sequence_number = static_cast<int64_t>(p.sequence);
    sp.pacing_info = pacing_info(p.probe_cluster_id);
    sp.prior_unacked_data = webrtc::DataSize::Bytes(static_cast<int64_t>(in_flight_bytes_));
    in_flight_bytes_ += p.size_bytes;
    sp.data_in_flight = webrtc::DataSize::Bytes(static_cast<int64_t>(in_flight_bytes_));
    apply(controller_->OnSentPacket(sp));
  }

  void on_feedback(const TransportFeedback& fb) override {
    webrtc::TransportPacketsFeedback msg;
    msg.feedback_time = at(fb.receive_s);
    msg.prior_in_flight = webrtc::DataSize::Bytes(static_cast<int64_t>(in_flight_bytes_));
    for (const PacketResult& r : fb.packets) {
      webrtc::PacketResult pr;
      pr.sent_packet.send_time = at(r.packet.send_s);
      pr.sent_packet.size = webrtc::DataSize::Bytes(static_cast<int64_t>(r.packet.size_bytes));
      pr.sent_packet.sequence_number = static_cast<int64_t>(r.packet.sequence);
      pr.sent_packet.pacing_info = pacing_info(r.packet.probe_cluster_id);
      if (!r.lost) pr.receive_time = at(r.arrival_s);
      msg.packet_feedbacks.push_back(pr);
      in_flight_bytes_ = in_flight_bytes_ > r.packet.size_bytes ? in_flight_bytes_ - r.packet.size_bytes : 0;
    }
    msg.data_in_flight = webrtc::DataSize::Bytes(static_cast<int64_t>(in_flight_bytes_));
    apply(controller_->OnTransportPacketsFeedback(msg));
  }

  void on_rtt(double rtt_s, double now_s) override {
    webrtc::RoundTripTimeUpdate u;
    u.receive_time = at(now_s);
    u.round_trip_time = webrtc::TimeDelta::Micros(std::llround(rtt_s * 1e6));
    u.smoothed = false;
    apply(controller_->OnRoundTripTimeUpdate(u));
    update_.state.rtt_s = rtt_s;
  }

  void on_tick(double now_s) override {
    webrtc::ProcessInterval tick;
    tick.at_time = at(now_s);
    apply(controller_->OnProcessInterval(tick));
  }

  CcUpdate update() const override { return update_; }

  std::string name() const override { return "libwebrtc_googcc"; }

 private:
  // What libwebrtc's pacer attaches to a packet of probe cluster `id`.
  webrtc::PacedPacketInfo pacing_info(int id) const {
    const auto it = clusters_.find(id);
    if (it == clusters_.end()) return {};
    return webrtc::PacedPacketInfo(id, static_cast<int>(it->second.min_probes), static_cast<int>(it->second.min_bytes));
  }

  void apply(const webrtc::NetworkControlUpdate& u) {
    for (const webrtc::ProbeClusterConfig& c : u.probe_cluster_configs) {
      ProbeCluster p;
      p.id = c.id;
      p.rate_bps = static_cast<double>(c.target_data_rate.bps());
      p.min_probes = static_cast<std::uint32_t>(c.target_probe_count);
      p.min_bytes = static_cast<std::uint64_t>(c.target_data_rate.bps() * c.target_duration.us() / 8 / 1000000);
      clusters_[p.id] = p;
      update_.probes.push_back(p);
      if (update_.probes.size() > 8) update_.probes.erase(update_.probes.begin());
    }
    if (u.target_rate) {
      update_.target_rate_bps = static_cast<double>(u.target_rate->target_rate.bps());
      update_.state.delay_estimate_bps = static_cast<double>(u.target_rate->network_estimate.bandwidth.bps());
      update_.state.loss_fraction = u.target_rate->network_estimate.loss_rate_ratio;
    }
    if (u.pacer_config) update_.pacing_rate_bps = static_cast<double>(u.pacer_config->data_rate().bps());
    if (u.congestion_window && u.congestion_window->IsFinite()) {
      update_.congestion_window_bytes = static_cast<double>(u.congestion_window->bytes());
    }
  }

  webrtc::RtcEventLogNull event_log_;
  webrtc::GoogCcNetworkControllerFactory factory_;
  std::unique_ptr<webrtc::NetworkControllerInterface> controller_;
  CcUpdate update_;
  std::map<int, ProbeCluster> clusters_;
  std::uint64_t in_flight_bytes_ = 0;
};

}  // namespace

std::unique_ptr<CongestionController> make_libwebrtc_googcc(const CcConstraints& limits, const OptionMap&) {
  return std::make_unique<LibwebrtcGoogCc>(limits);
}

Registry registry_with_libwebrtc() {
  Registry r = Registry::builtin();
  r.add_cc("libwebrtc_googcc", "libwebrtc GoogCcNetworkController (Debian tg_owt), reference only",
           make_libwebrtc_googcc);
  return r;
}

}  // namespace streamopt::bench
