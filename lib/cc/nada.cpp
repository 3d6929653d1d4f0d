// NADA, Network-Assisted Dynamic Adaptation (RFC 8698), sender-side: the
// receiver's computations of section 4.2 (queuing delay against the base
// delay, 15-tap minimum filter, loss ratio, non-linear warping, aggregate
// congestion signal x_curr, rmode, received rate over LOGWIN) run on
// transport feedback, then the sender's rate update of section 4.3:
// accelerated ramp-up while rmode = 0, gradual (price-based) update after.
//
// Defaults are RFC 8698 figure 3. Two documented choices: the rate-shaping
// buffer is absent (r_vin = r_send = r_ref, the pacer runs at 2.5 x r_ref),
// and the reference rate of the price term (RMAX, option `rmax_bps`) keeps
// the RFC's 1.5 Mbps while r_ref is clipped to the application's limits.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "cc/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::cc {
namespace {

constexpr double kPrio = 1.0;
constexpr double kXrefMs = 10.0;
constexpr double kKappa = 0.5;
constexpr double kEta = 2.0;
constexpr double kTauMs = 500.0;
constexpr double kDeltaMs = 100.0;
constexpr double kLogWinS = 0.5;
constexpr double kQepsMs = 10.0;
constexpr double kDfiltMs = 120.0;
constexpr double kGammaMax = 0.5;
constexpr double kQboundMs = 50.0;
constexpr double kMultiLoss = 7.0;
constexpr double kQthMs = 50.0;
constexpr double kLambda = 0.5;
constexpr double kDlossMs = 10.0;
constexpr double kPlrRef = 0.01;
constexpr double kXmaxMs = 500.0;
constexpr double kLossAlpha = 0.1;
constexpr std::size_t kMinFilterTaps = 15;
constexpr double kPacingFactor = 2.5;

class Nada final : public CongestionController {
 public:
  Nada(const CcConstraints& limits, double rmax_bps)
      : rmin_bps_(limits.min_rate_bps), rmax_bps_(limits.max_rate_bps), price_rmax_bps_(rmax_bps),
        r_ref_bps_(limits.start_rate_bps), received_(kLogWinS) {}

  void on_packet_sent(const SentPacket&) override {}

  void on_feedback(const TransportFeedback& fb) override {
    std::uint64_t lost = 0, total = 0;
    for (const PacketResult& r : fb.packets) {
      ++total;
      if (r.lost) {
        ++lost;
        on_loss(r.packet.send_s);
        continue;
      }
      received_.add(r.arrival_s, r.packet.size_bytes);
      const double d_fwd_ms = (r.arrival_s - r.packet.send_s) * 1e3;
      base_delay_ms_ = std::min(base_delay_ms_, d_fwd_ms);
      taps_.push_back(d_fwd_ms - base_delay_ms_);
      if (taps_.size() > kMinFilterTaps) taps_.pop_front();
      d_queue_ms_ = *std::min_element(taps_.begin(), taps_.end());
      if (d_queue_ms_ >= kQepsMs) last_congested_s_ = r.arrival_s;
      last_arrival_s_ = r.arrival_s;
    }
    if (total == 0) return;
    p_loss_ = (1 - kLossAlpha) * p_loss_ + kLossAlpha * static_cast<double>(lost) / static_cast<double>(total);
    x_curr_ms_ = std::min(warped_delay_ms() + kDlossMs * std::pow(p_loss_ / kPlrRef, 2), kXmaxMs);
    const bool ramp_up = last_arrival_s_ - last_congested_s_ > kLogWinS;
    rate_update(fb.receive_s, ramp_up);
  }

  void on_rtt(double rtt_s, double) override {
    if (std::isfinite(rtt_s) && rtt_s > 0) rtt_s_ = rtt_s;
  }

  void on_tick(double) override {}

  CcUpdate update() const override {
    CcUpdate u;
    u.target_rate_bps = r_ref_bps_;
    u.pacing_rate_bps = kPacingFactor * r_ref_bps_;
    u.state.delay_estimate_bps = r_ref_bps_;
    u.state.loss_estimate_bps = std::nan("");
    u.state.signal = x_curr_ms_;
    u.state.threshold = std::nan("");
    u.state.loss_fraction = p_loss_;
    u.state.rtt_s = rtt_s_;
    u.state.phase = phase_;
    return u;
  }

  std::string name() const override { return fmt::format("nada:rmax_bps={}", price_rmax_bps_); }

 private:
  // Loss events and their mean interval (for the warping condition).
  void on_loss(double now_s) {
    if (last_loss_s_ >= 0) {
      const double gap_s = now_s - last_loss_s_;
      loss_interval_s_ = loss_interval_s_ <= 0 ? gap_s : 0.9 * loss_interval_s_ + 0.1 * gap_s;
    }
    last_loss_s_ = now_s;
    last_congested_s_ = std::max(last_congested_s_, now_s);
  }

  // Section 4.2: warp the queuing delay only while losses are recent.
  double warped_delay_ms() const {
    const bool recent_loss = last_loss_s_ >= 0 && last_arrival_s_ - last_loss_s_ <= kMultiLoss * loss_interval_s_;
    if (!recent_loss || d_queue_ms_ < kQthMs) return d_queue_ms_;
    const double excess = (d_queue_ms_ - kQthMs) / kQthMs;
    return kQthMs * std::exp(-kLambda * std::pow(excess, 4));
  }

  // Section 4.3.
  void rate_update(double now_s, bool ramp_up) {
    const double delta_ms = last_update_s_ < 0 ? kDeltaMs : std::min((now_s - last_update_s_) * 1e3, kTauMs);
    last_update_s_ = now_s;
    const double r_recv = received_.rate_bps();
    if (ramp_up) {
      phase_ = "accelerated_ramp_up";
      const double gamma = std::min(kGammaMax, kQboundMs / (rtt_s_ * 1e3 + kDeltaMs + kDfiltMs));
      r_ref_bps_ = std::max(r_ref_bps_, (1 + gamma) * r_recv);
    } else {
      phase_ = "gradual";
      const double x_offset = x_curr_ms_ - kPrio * kXrefMs * price_rmax_bps_ / r_ref_bps_;
      const double x_diff = x_curr_ms_ - x_prev_ms_;
      r_ref_bps_ -= kKappa * (delta_ms / kTauMs) * (x_offset / kTauMs) * r_ref_bps_ +
                    kKappa * kEta * (x_diff / kTauMs) * r_ref_bps_;
    }
    x_prev_ms_ = x_curr_ms_;
    r_ref_bps_ = std::clamp(r_ref_bps_, rmin_bps_, rmax_bps_);
  }

  double rmin_bps_, rmax_bps_, price_rmax_bps_;
  double r_ref_bps_;
  ReceiveRateWindow received_;
  std::deque<double> taps_;
  double base_delay_ms_ = 1e300;
  double d_queue_ms_ = 0;
  double p_loss_ = 0;
  double x_curr_ms_ = 0, x_prev_ms_ = 0;
  double last_arrival_s_ = 0;
  double last_congested_s_ = -1e9;
  double last_loss_s_ = -1;
  double loss_interval_s_ = 0;
  double last_update_s_ = -1;
  double rtt_s_ = 0.1;
  const char* phase_ = "accelerated_ramp_up";
};

}  // namespace

std::unique_ptr<CongestionController> make_nada(const CcConstraints& limits, const OptionMap& options) {
  check_constraints(limits, "nada");
  const double rmax_bps = options.get_double("rmax_bps", 1.5e6);
  if (!(rmax_bps > 0)) throw Error("nada: option 'rmax_bps' must be > 0");
  return std::make_unique<Nada>(limits, rmax_bps);
}

}  // namespace streamopt::cc
