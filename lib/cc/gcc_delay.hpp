#pragma once
// The delay-based half of GCC (draft-ietf-rmcat-gcc-02, sections 5.1-5.5):
// packet groups, the arrival-time filters (Kalman of the draft, trendline of
// libwebrtc) and the over-use detector with its adaptive threshold.
//
// Delays here are in milliseconds, unlike the rest of the library: the
// draft's and libwebrtc's constants (12.5 ms threshold, K_u = 0.01 per ms,
// 15 ms adaptation cap, ...) are defined in ms and read as published.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace streamopt::cc {

// Send- and arrival-time differences between two consecutive packet groups.
struct GroupDelta {
  double send_delta_ms = 0;     // last send of the group minus last send of the previous
  double arrival_delta_ms = 0;  // last arrival of the group minus last arrival of the previous
  double arrival_ms = 0;        // last arrival of the newer group
};

// Groups packets sent within `burst_ms` of the group's first packet, and
// packets that arrive in a burst (arrival delta <= burst_ms with negative
// propagation delta, group shorter than 100 ms), as libwebrtc's InterArrival.
class InterArrival {
 public:
  explicit InterArrival(double burst_ms = 5.0) : burst_ms_(burst_ms) {}
  // Adds one received packet (in send order); returns the delta between the
  // two previous groups when this packet starts a new group.
  std::optional<GroupDelta> add(double send_ms, double arrival_ms);

 private:
  struct Group {
    bool empty = true;
    double first_send_ms = 0, last_send_ms = 0, first_arrival_ms = 0, last_arrival_ms = 0;
  };
  [[nodiscard]] bool in_burst(double send_ms, double arrival_ms) const;
  double burst_ms_;
  Group current_, previous_;
};

// Arrival-time filter of draft-02 section 5.3: a scalar Kalman filter of the
// queuing-delay gradient m(i) with process noise q = 1e-3 ms^2, measurement
// noise var_v estimated by an exponential filter whose factor depends on the
// highest group rate over the last 60 groups, and 3-sigma outlier clipping.
class KalmanArrivalFilter {
 public:
  explicit KalmanArrivalFilter(double chi = 0.01) : chi_(chi) {}
  // Feeds one group delta; returns the new estimate m(i) in ms.
  double update(const GroupDelta& delta);
  [[nodiscard]] double estimate_ms() const { return m_ms_; }
  [[nodiscard]] double noise_var_ms2() const { return var_v_ms2_; }

 private:
  double chi_;
  double m_ms_ = 0;
  double e_ms2_ = 0.1;       // estimate variance
  double var_v_ms2_ = 50.0;  // measurement noise (libwebrtc's initial value)
  std::deque<double> group_periods_ms_;
};

// libwebrtc's TrendlineEstimator: accumulated delay, exponentially smoothed,
// and the least-squares slope over the last `window` groups.
class TrendlineFilter {
 public:
  TrendlineFilter(std::size_t window = 20, double smoothing = 0.9) : window_(window), smoothing_(smoothing) {}
  // Feeds one group delta; returns the slope (ms of delay per ms of time).
  double update(const GroupDelta& delta);
  [[nodiscard]] double slope() const { return slope_; }

 private:
  struct Point {
    double time_ms, delay_ms;
  };
  std::size_t window_;
  double smoothing_;
  double first_arrival_ms_ = -1;
  double accumulated_ms_ = 0;
  double smoothed_ms_ = 0;
  double slope_ = 0;
  std::deque<Point> points_;
};

// Network usage as the detector classifies it.
enum class Usage { normal, overuse, underuse };

// Over-use detector with the adaptive threshold of draft-02 section 5.4:
// compares the modified offset `signal_ms` against +-threshold, signals
// over-use only after it has lasted `overuse_time_ms` over >1 sample and the
// signal is not falling, and adapts the threshold with k_up / k_down
// (frozen when |signal| exceeds it by more than 15 ms), clamped to [6, 600].
class OveruseDetector {
 public:
  OveruseDetector(double k_up, double k_down, double initial_threshold_ms = 12.5,
                  double overuse_time_ms = 10.0)
      : k_up_(k_up), k_down_(k_down), overuse_time_ms_(overuse_time_ms), threshold_ms_(initial_threshold_ms) {}
  // `signal_ms` is the filter output already scaled by min(groups, 60) (and
  // the trendline gain); `send_delta_ms` is the group's send delta.
  Usage detect(double signal_ms, double send_delta_ms, double now_ms);
  [[nodiscard]] double threshold_ms() const { return threshold_ms_; }
  [[nodiscard]] Usage usage() const { return usage_; }

 private:
  void adapt(double signal_ms, double now_ms);
  double k_up_, k_down_, overuse_time_ms_;
  double threshold_ms_;
  double last_update_ms_ = -1;
  double time_over_ms_ = -1;
  int over_count_ = 0;
  double previous_signal_ms_ = 0;
  Usage usage_ = Usage::normal;
};

}  // namespace streamopt::cc
