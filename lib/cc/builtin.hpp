#pragma once
// Factories of the built-in congestion controllers, registered in
// lib/builtin.cpp, plus the small pieces they share.
#include <deque>
#include <memory>

#include "streamopt/cc.hpp"
#include "streamopt/options.hpp"

namespace streamopt::cc {

std::unique_ptr<CongestionController> make_gcc(const CcConstraints& limits, const OptionMap& options);
std::unique_ptr<CongestionController> make_nada(const CcConstraints& limits, const OptionMap& options);
std::unique_ptr<CongestionController> make_bbr(const CcConstraints& limits, const OptionMap& options);

// Received rate over a sliding window of arrival times, from feedback.
class ReceiveRateWindow {
 public:
  explicit ReceiveRateWindow(double window_s) : window_s_(window_s) {}
  // Adds one received packet.
  void add(double arrival_s, std::uint64_t size_bytes);
  // Bits per second over the window ending at the newest arrival; 0 (not
  // known yet) while the history spans less than half the window.
  [[nodiscard]] double rate_bps() const;

 private:
  double window_s_;
  std::deque<std::pair<double, std::uint64_t>> samples_;
  std::uint64_t bytes_ = 0;
};

// Checks the constraints (positive, min <= start <= max); throws `Error`.
void check_constraints(const CcConstraints& limits, const std::string& owner);

}  // namespace streamopt::cc
