// A BBR-style model-based controller for media (after Cardwell et al.,
// "BBR: Congestion-Based Congestion Control", ACM Queue 2016, and
// draft-cardwell-iccrg-bbr-congestion-control-00): the bottleneck bandwidth
// is the windowed maximum of delivery-rate samples over 10 round trips, the
// propagation RTT the minimum RTT over 10 s; the sender paces at gain x
// bandwidth with a window of 2 x BDP.
//
// States: STARTUP (gain 2/ln 2 until the bandwidth grows < 25 % in three
// rounds), DRAIN (gain ln 2 / 2 until in-flight <= BDP), PROBE_BW (gains
// 1.25, 0.75, then 1 six times, one min-RTT each) and PROBE_RTT (window of
// four packets for 200 ms when the min RTT is 10 s old).
//
// A real-time source has no backlog to probe with, so the encoder target
// follows the pacing gain: target = pacing rate = gain x bandwidth. Delivery
// rate samples are the receive rate over the last 250 ms of arrivals.
#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

#include "cc/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::cc {
namespace {

constexpr double kStartupGain = 2.885;  // 2 / ln 2
constexpr double kDrainGain = 1.0 / kStartupGain;
constexpr std::array<double, 8> kProbeBwGains = {1.25, 0.75, 1, 1, 1, 1, 1, 1};
constexpr std::uint64_t kBandwidthWindowRounds = 10;
constexpr double kMinRttWindowS = 10.0;
constexpr double kDefaultRttS = 0.1;
constexpr double kProbeRttDurationS = 0.2;
constexpr double kCwndGain = 2.0;
constexpr double kPacketBytes = 1200.0;
constexpr double kMinCwndBytes = 4 * kPacketBytes;
constexpr double kFullBandwidthGrowth = 1.25;
constexpr int kFullBandwidthRounds = 3;

enum class Mode { startup, drain, probe_bw, probe_rtt };

class Bbr final : public CongestionController {
 public:
  explicit Bbr(const CcConstraints& limits)
      : min_bps_(limits.min_rate_bps), max_bps_(limits.max_rate_bps), bandwidth_bps_(limits.start_rate_bps),
        received_(0.25) {}

  void on_packet_sent(const SentPacket& p) override {
    inflight_bytes_ += static_cast<double>(p.size_bytes);
    last_sent_sequence_ = p.sequence;
  }

  void on_feedback(const TransportFeedback& fb) override {
    bool round_ended = false;
    for (const PacketResult& r : fb.packets) {
      inflight_bytes_ = std::max(0.0, inflight_bytes_ - static_cast<double>(r.packet.size_bytes));
      if (r.packet.sequence >= next_round_sequence_) round_ended = true;
      if (!r.lost) received_.add(r.arrival_s, r.packet.size_bytes);
    }
    if (round_ended) {
      ++round_;
      next_round_sequence_ = last_sent_sequence_ + 1;
    }
    const double sample_bps = received_.rate_bps();
    if (sample_bps > 0) add_bandwidth_sample(sample_bps);
    if (round_ended) check_full_bandwidth();
    advance(fb.receive_s);
  }

  void on_rtt(double rtt_s, double now_s) override {
    if (!(std::isfinite(rtt_s) && rtt_s > 0)) return;
    if (rtt_s <= min_rtt_s_ || now_s - min_rtt_stamp_s_ > kMinRttWindowS) {
      if (mode_ != Mode::probe_rtt && now_s - min_rtt_stamp_s_ > kMinRttWindowS && min_rtt_stamp_s_ >= 0) {
        enter_probe_rtt(now_s);
      }
      min_rtt_s_ = rtt_s;
      min_rtt_stamp_s_ = now_s;
    }
  }

  void on_tick(double now_s) override { advance(now_s); }

  CcUpdate update() const override {
    CcUpdate u;
    const double rate = std::clamp(gain() * bandwidth_bps_, min_bps_, max_bps_);
    u.target_rate_bps = rate;
    u.pacing_rate_bps = rate;
    u.congestion_window_bytes = cwnd_bytes();
    u.state.delay_estimate_bps = bandwidth_bps_;
    u.state.loss_estimate_bps = std::nan("");
    u.state.signal = bandwidth_bps_;
    u.state.threshold = std::nan("");
    u.state.loss_fraction = 0;
    u.state.rtt_s = rtt_known() ? min_rtt_s_ : std::nan("");
    static constexpr const char* kNames[] = {"startup", "drain", "probe_bw", "probe_rtt"};
    u.state.phase = kNames[static_cast<int>(mode_)];
    return u;
  }

  std::string name() const override { return "bbr"; }

 private:
  double gain() const {
    switch (mode_) {
      case Mode::startup: return kStartupGain;
      case Mode::drain: return kDrainGain;
      case Mode::probe_bw: return kProbeBwGains[cycle_index_];
      case Mode::probe_rtt: return 1.0;
    }
    return 1.0;
  }

  bool rtt_known() const { return min_rtt_stamp_s_ >= 0; }
  // The minimum RTT, or 100 ms before the first sample.
  double rtt_estimate_s() const { return rtt_known() ? min_rtt_s_ : kDefaultRttS; }

  double bdp_bytes() const { return bandwidth_bps_ / 8.0 * rtt_estimate_s(); }

  double cwnd_bytes() const {
    if (mode_ == Mode::probe_rtt) return kMinCwndBytes;
    return std::max(kCwndGain * bdp_bytes(), kMinCwndBytes);
  }

  // Windowed max over the last 10 rounds (monotonic deque).
  void add_bandwidth_sample(double sample_bps) {
    while (!samples_.empty() && samples_.back().second <= sample_bps) samples_.pop_back();
    samples_.emplace_back(round_, sample_bps);
    while (samples_.front().first + kBandwidthWindowRounds <= round_) samples_.pop_front();
    bandwidth_bps_ = std::max(samples_.front().second, min_bps_);
  }

  void check_full_bandwidth() {
    if (mode_ != Mode::startup) return;
    if (bandwidth_bps_ >= full_bandwidth_bps_ * kFullBandwidthGrowth) {
      full_bandwidth_bps_ = bandwidth_bps_;
      full_bandwidth_rounds_ = 0;
      return;
    }
    if (++full_bandwidth_rounds_ >= kFullBandwidthRounds || bandwidth_bps_ * kStartupGain >= max_bps_) {
      mode_ = Mode::drain;
    }
  }

  void enter_probe_rtt(double now_s) {
    mode_ = Mode::probe_rtt;
    probe_rtt_end_s_ = now_s + kProbeRttDurationS;
  }

  void advance(double now_s) {
    if (mode_ == Mode::drain && inflight_bytes_ <= bdp_bytes()) {
      mode_ = Mode::probe_bw;
      cycle_index_ = 2;
      cycle_start_s_ = now_s;
    }
    if (mode_ == Mode::probe_rtt && now_s >= probe_rtt_end_s_) {
      mode_ = Mode::probe_bw;
      cycle_index_ = 2;
      cycle_start_s_ = now_s;
    }
    const double phase_s = rtt_estimate_s();
    if (mode_ == Mode::probe_bw && now_s - cycle_start_s_ >= phase_s) {
      cycle_index_ = (cycle_index_ + 1) % kProbeBwGains.size();
      cycle_start_s_ = now_s;
    }
  }

  double min_bps_, max_bps_;
  double bandwidth_bps_;
  ReceiveRateWindow received_;
  std::deque<std::pair<std::uint64_t, double>> samples_;
  Mode mode_ = Mode::startup;
  std::uint64_t round_ = 0, next_round_sequence_ = 0, last_sent_sequence_ = 0;
  double inflight_bytes_ = 0;
  double full_bandwidth_bps_ = 0;
  int full_bandwidth_rounds_ = 0;
  double min_rtt_s_ = HUGE_VAL, min_rtt_stamp_s_ = -1;
  double probe_rtt_end_s_ = 0;
  std::size_t cycle_index_ = 2;
  double cycle_start_s_ = 0;
};

}  // namespace

std::unique_ptr<CongestionController> make_bbr(const CcConstraints& limits, const OptionMap&) {
  check_constraints(limits, "bbr");
  return std::make_unique<Bbr>(limits);
}

}  // namespace streamopt::cc
