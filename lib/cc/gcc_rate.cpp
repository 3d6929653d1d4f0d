#include "cc/gcc_rate.hpp"

#include <algorithm>
#include <cmath>

namespace streamopt::cc {

namespace {
constexpr double kIncreasePerSecond = 1.08;   // multiplicative increase (draft-02 5.5)
constexpr double kMinIncreaseBits = 1000.0;   // additive increase floor, bits
constexpr double kFrameRate = 30.0;           // the draft's expected frame rate
constexpr double kPacketBits = 1200.0 * 8.0;  // the draft's expected packet size
constexpr double kReceivedCap = 1.5;          // rate <= 1.5 x received rate ...
constexpr double kReceivedCapSlackBps = 10e3; // ... + 10 kbit/s (libwebrtc)
constexpr double kCapacityAlpha = 0.05;       // EWMA of the capacity samples (libwebrtc)
constexpr double kLossHigh = 0.10;
constexpr double kLossLow = 0.02;
}  // namespace

void AimdRateControl::on_decrease_sample(double received_bps) {
  if (capacity_bps_ <= 0) {
    capacity_bps_ = received_bps;
  } else {
    capacity_bps_ = (1 - kCapacityAlpha) * capacity_bps_ + kCapacityAlpha * received_bps;
  }
  // Variance normalised by the estimate, bounded as libwebrtc's LinkCapacityEstimator.
  const double norm = std::max(capacity_bps_, 1.0);
  const double error = capacity_bps_ - received_bps;
  capacity_var_ = std::clamp((1 - kCapacityAlpha) * capacity_var_ + kCapacityAlpha * error * error / norm / 1e3,
                             0.4, 2.5);
}

double AimdRateControl::update(Usage usage, double received_bps, double rtt_s, double now_s) {
  // State transitions of draft-02's table.
  switch (usage) {
    case Usage::overuse:
      state_ = RateState::decrease;
      break;
    case Usage::underuse:
      state_ = RateState::hold;
      break;
    case Usage::normal:
      if (state_ == RateState::hold) state_ = RateState::increase;
      if (state_ == RateState::decrease) state_ = RateState::hold;
      break;
  }
  const double before_bps = rate_bps_;
  const double dt_s = last_update_s_ < 0 ? 0.0 : std::max(0.0, now_s - last_update_s_);
  last_update_s_ = now_s;

  if (state_ == RateState::increase) {
    // Leaving the capacity band upwards means the link got faster: forget it.
    const double capacity_kbps = capacity_bps_ / 1e3;
    const double sigma_kbps = std::sqrt(capacity_var_ * capacity_kbps);
    if (capacity_bps_ > 0 && received_bps / 1e3 > capacity_kbps + 3 * sigma_kbps) capacity_bps_ = 0;
    if (capacity_bps_ > 0) {
      const double response_time_s = 0.1 + rtt_s;
      const double bits_per_frame = rate_bps_ / kFrameRate;
      const double packets_per_frame = std::ceil(bits_per_frame / kPacketBits);
      const double packet_bits = bits_per_frame / std::max(packets_per_frame, 1.0);
      const double alpha = 0.5 * std::min(dt_s / response_time_s, 1.0);
      rate_bps_ += std::max(kMinIncreaseBits, alpha * packet_bits);
    } else {
      const double eta = std::pow(kIncreasePerSecond, std::min(dt_s, 1.0));
      rate_bps_ += std::max(rate_bps_ * (eta - 1), kMinIncreaseBits * std::min(dt_s, 1.0));
    }
  } else if (state_ == RateState::decrease) {
    // One cut per round trip unless the received rate collapsed.
    const double spacing_s = std::clamp(rtt_s, 0.01, 0.2);
    if (received_bps > 0 && (now_s - last_decrease_s_ >= spacing_s || received_bps < 0.5 * rate_bps_)) {
      rate_bps_ = std::min(rate_bps_, beta_ * received_bps);
      on_decrease_sample(received_bps);
      last_decrease_s_ = now_s;
    }
    state_ = RateState::hold;
  }
  // The cap stops increases beyond 1.5x the received rate; it never cuts.
  if (received_bps > 0) {
    rate_bps_ = std::min(rate_bps_, std::max(before_bps, kReceivedCap * received_bps + kReceivedCapSlackBps));
  }
  rate_bps_ = std::clamp(rate_bps_, min_bps_, max_bps_);
  return rate_bps_;
}

void AimdRateControl::set_rate(double rate_bps) { rate_bps_ = std::clamp(rate_bps, min_bps_, max_bps_); }

void LossBasedControl::set_rate(double rate_bps) { rate_bps_ = std::clamp(rate_bps, min_bps_, max_bps_); }

double LossBasedControl::update(std::uint64_t received, std::uint64_t lost, double delay_based_bps, double now_s) {
  if (window_start_s_ < 0) window_start_s_ = now_s;
  received_ += received;
  lost_ += lost;
  if (now_s - window_start_s_ >= window_s_ && received_ + lost_ > 0) {
    const double p = static_cast<double>(lost_) / static_cast<double>(received_ + lost_);
    loss_fraction_ = p;
    if (p > kLossHigh) {
      rate_bps_ *= 1 - 0.5 * p;
    } else if (p < kLossLow) {
      rate_bps_ *= 1.05;
    }
    received_ = lost_ = 0;
    window_start_s_ = now_s;
  }
  rate_bps_ = std::clamp(std::min(rate_bps_, delay_based_bps), min_bps_, max_bps_);
  return rate_bps_;
}

}  // namespace streamopt::cc
