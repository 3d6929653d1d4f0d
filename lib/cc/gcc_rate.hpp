#pragma once
// The rate half of GCC (draft-ietf-rmcat-gcc-02 sections 5.5 and 6): the
// delay-based AIMD rate controller and the loss-based controller.
#include "cc/gcc_delay.hpp"

namespace streamopt::cc {

// States of the AIMD controller (draft-02 figure 2).
enum class RateState { hold, increase, decrease };

// Delay-based AIMD rate controller. The state follows draft-02's table:
// over-use -> decrease, normal -> increase (from hold), under-use -> hold.
// Increase is multiplicative (1.08 per second) until the rate comes near the
// link capacity seen at earlier decreases (within 3 standard deviations of
// their average), then additive (half an expected packet per response time,
// at least 1 kbit); decrease sets beta x the received rate; the rate never
// increases beyond 1.5x the received rate plus 10 kbit/s.
class AimdRateControl {
 public:
  AimdRateControl(double start_bps, double min_bps, double max_bps, double beta = 0.85)
      : rate_bps_(start_bps), min_bps_(min_bps), max_bps_(max_bps), beta_(beta) {}
  // One update at `now_s` with the detector's verdict and the received rate
  // (0 when not yet measured); `rtt_s` sets the response time.
  double update(Usage usage, double received_bps, double rtt_s, double now_s);
  [[nodiscard]] double rate_bps() const { return rate_bps_; }
  // Jumps to a measured rate (a probe result), within the limits.
  void set_rate(double rate_bps);
  [[nodiscard]] RateState state() const { return state_; }
  // True once a decrease has given a capacity estimate and the rate is near it.
  [[nodiscard]] bool near_capacity() const { return capacity_bps_ > 0; }

 private:
  void on_decrease_sample(double received_bps);
  double rate_bps_, min_bps_, max_bps_, beta_;
  RateState state_ = RateState::increase;
  double last_update_s_ = -1;
  double last_decrease_s_ = -1e9;
  double capacity_bps_ = 0;     // EWMA of received rate at decreases; 0 = unknown
  double capacity_var_ = 0.4;   // normalised variance of those samples
};

// Loss-based controller of draft-02 section 6, evaluated once per `window_s`
// (300 ms, libwebrtc's decrease interval)
// of feedback: loss above 10% cuts the rate by (1 - 0.5 p), loss below 2%
// raises it by 5%, otherwise it holds. The result never exceeds the
// delay-based rate given to `update`.
class LossBasedControl {
 public:
  LossBasedControl(double start_bps, double min_bps, double max_bps, double window_s = 0.3)
      : rate_bps_(start_bps), min_bps_(min_bps), max_bps_(max_bps), window_s_(window_s) {}
  // Counts packets reported by one feedback at `now_s`, then re-evaluates if
  // the window is over. Returns the loss-based rate.
  double update(std::uint64_t received, std::uint64_t lost, double delay_based_bps, double now_s);
  [[nodiscard]] double rate_bps() const { return rate_bps_; }
  // Jumps to a measured rate (a probe result), within the limits.
  void set_rate(double rate_bps);
  // The loss fraction of the last completed window.
  [[nodiscard]] double loss_fraction() const { return loss_fraction_; }

 private:
  double rate_bps_, min_bps_, max_bps_, window_s_;
  double window_start_s_ = -1;
  std::uint64_t received_ = 0, lost_ = 0;
  double loss_fraction_ = 0;
};

}  // namespace streamopt::cc
