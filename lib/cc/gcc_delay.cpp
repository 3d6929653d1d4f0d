#include "cc/gcc_delay.hpp"

#include <algorithm>
#include <cmath>

namespace streamopt::cc {

namespace {
constexpr double kMaxBurstMs = 100.0;        // a burst group never spans more than this
constexpr double kKalmanProcessNoise = 1e-3;  // q, ms^2 (draft-02 5.3)
constexpr std::size_t kRateHistory = 60;      // K groups for f_max
constexpr double kMaxAdaptOffsetMs = 15.0;    // threshold frozen beyond this (draft-02 5.4)
constexpr double kMaxAdaptStepMs = 100.0;     // longest time step of one adaptation
constexpr double kMinThresholdMs = 6.0;
constexpr double kMaxThresholdMs = 600.0;
}  // namespace

bool InterArrival::in_burst(double send_ms, double arrival_ms) const {
  const double arrival_delta = arrival_ms - current_.last_arrival_ms;
  const double send_delta = send_ms - current_.last_send_ms;
  if (send_delta == 0) return true;
  const double propagation_delta = arrival_delta - send_delta;
  return propagation_delta < 0 && arrival_delta <= burst_ms_ &&
         arrival_ms - current_.first_arrival_ms < kMaxBurstMs;
}

std::optional<GroupDelta> InterArrival::add(double send_ms, double arrival_ms) {
  std::optional<GroupDelta> out;
  if (current_.empty) {
    current_ = {false, send_ms, send_ms, arrival_ms, arrival_ms};
    return out;
  }
  if (send_ms < current_.first_send_ms) return out;  // reordered: ignored
  const bool new_group = !in_burst(send_ms, arrival_ms) && send_ms - current_.first_send_ms > burst_ms_;
  if (new_group) {
    if (!previous_.empty) {
      out = GroupDelta{current_.last_send_ms - previous_.last_send_ms,
                       current_.last_arrival_ms - previous_.last_arrival_ms, current_.last_arrival_ms};
    }
    previous_ = current_;
    current_ = {false, send_ms, send_ms, arrival_ms, arrival_ms};
    return out;
  }
  current_.last_send_ms = std::max(current_.last_send_ms, send_ms);
  current_.last_arrival_ms = std::max(current_.last_arrival_ms, arrival_ms);
  return out;
}

double KalmanArrivalFilter::update(const GroupDelta& delta) {
  const double d_ms = delta.arrival_delta_ms - delta.send_delta_ms;
  // f_max over the last K groups, as the shortest group period (ms).
  group_periods_ms_.push_back(std::max(delta.send_delta_ms, 1e-3));
  if (group_periods_ms_.size() > kRateHistory) group_periods_ms_.pop_front();
  const double min_period_ms = *std::min_element(group_periods_ms_.begin(), group_periods_ms_.end());
  const double alpha = std::pow(1.0 - chi_, 30.0 * min_period_ms / 1000.0);

  const double z = d_ms - m_ms_;
  const double limit = 3.0 * std::sqrt(var_v_ms2_);
  const double z_clipped = std::clamp(z, -limit, limit);
  var_v_ms2_ = std::max(alpha * var_v_ms2_ + (1.0 - alpha) * z_clipped * z_clipped, 1.0);
  const double k = (e_ms2_ + kKalmanProcessNoise) / (var_v_ms2_ + e_ms2_ + kKalmanProcessNoise);
  m_ms_ += k * z;
  e_ms2_ = (1.0 - k) * (e_ms2_ + kKalmanProcessNoise);
  return m_ms_;
}

double TrendlineFilter::update(const GroupDelta& delta) {
  const double d_ms = delta.arrival_delta_ms - delta.send_delta_ms;
  if (first_arrival_ms_ < 0) first_arrival_ms_ = delta.arrival_ms;
  accumulated_ms_ += d_ms;
  smoothed_ms_ = smoothing_ * smoothed_ms_ + (1.0 - smoothing_) * accumulated_ms_;
  points_.push_back({delta.arrival_ms - first_arrival_ms_, smoothed_ms_});
  if (points_.size() > window_) points_.pop_front();
  if (points_.size() == window_) {
    double mean_t = 0, mean_d = 0;
    for (const Point& p : points_) {
      mean_t += p.time_ms;
      mean_d += p.delay_ms;
    }
    mean_t /= static_cast<double>(points_.size());
    mean_d /= static_cast<double>(points_.size());
    double num = 0, den = 0;
    for (const Point& p : points_) {
      num += (p.time_ms - mean_t) * (p.delay_ms - mean_d);
      den += (p.time_ms - mean_t) * (p.time_ms - mean_t);
    }
    if (den != 0) slope_ = num / den;
  }
  return slope_;
}

Usage OveruseDetector::detect(double signal_ms, double send_delta_ms, double now_ms) {
  if (signal_ms > threshold_ms_) {
    time_over_ms_ = time_over_ms_ < 0 ? send_delta_ms / 2 : time_over_ms_ + send_delta_ms;
    ++over_count_;
    if (time_over_ms_ > overuse_time_ms_ && over_count_ > 1 && signal_ms >= previous_signal_ms_) {
      time_over_ms_ = 0;
      over_count_ = 0;
      usage_ = Usage::overuse;
    }
  } else if (signal_ms < -threshold_ms_) {
    time_over_ms_ = -1;
    over_count_ = 0;
    usage_ = Usage::underuse;
  } else {
    time_over_ms_ = -1;
    over_count_ = 0;
    usage_ = Usage::normal;
  }
  previous_signal_ms_ = signal_ms;
  adapt(signal_ms, now_ms);
  return usage_;
}

void OveruseDetector::adapt(double signal_ms, double now_ms) {
  if (last_update_ms_ < 0) last_update_ms_ = now_ms;
  const double magnitude = std::fabs(signal_ms);
  if (magnitude > threshold_ms_ + kMaxAdaptOffsetMs) {
    last_update_ms_ = now_ms;
    return;
  }
  const double k = magnitude < threshold_ms_ ? k_down_ : k_up_;
  const double step_ms = std::min(now_ms - last_update_ms_, kMaxAdaptStepMs);
  threshold_ms_ = std::clamp(threshold_ms_ + k * (magnitude - threshold_ms_) * step_ms, kMinThresholdMs,
                             kMaxThresholdMs);
  last_update_ms_ = now_ms;
}

}  // namespace streamopt::cc
