#include "sim/looped_capacity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt::sim {

LoopedCapacity::LoopedCapacity(const NetworkTrace& trace, double rate_scale) : name_(trace.name) {
  const double t0 = trace.time_s.front();
  times_s_.reserve(trace.time_s.size());
  rates_bps_.reserve(trace.time_s.size());
  for (std::size_t i = 0; i < trace.time_s.size(); ++i) {
    times_s_.push_back(trace.time_s[i] - t0);
    rates_bps_.push_back(trace.throughput_bps[i] * rate_scale);
  }
  period_s_ = times_s_.back();
  for (std::size_t i = 1; i < times_s_.size(); ++i) bits_per_period_ += rates_bps_[i] * (times_s_[i] - times_s_[i - 1]);
}

std::size_t LoopedCapacity::interval(double local_s) const {
  // Time 0 belongs to interval 1.
  const auto it = std::lower_bound(times_s_.begin() + 1, times_s_.end(), local_s);
  return it == times_s_.end() ? times_s_.size() - 1 : static_cast<std::size_t>(it - times_s_.begin());
}

double LoopedCapacity::rate_bps(double t_s) const {
  const double local = std::fmod(std::max(t_s, 0.0), period_s_);
  // At an exact boundary the next interval's rate applies from that instant.
  const auto it = std::upper_bound(times_s_.begin() + 1, times_s_.end(), local);
  const std::size_t i = it == times_s_.end() ? times_s_.size() - 1 : static_cast<std::size_t>(it - times_s_.begin());
  return rates_bps_[i];
}

double LoopedCapacity::finish_s(double start_s, double bytes) const {
  if (!has_capacity()) {
    throw Error(fmt::format("trace {}: {} bytes can never be carried (no usable throughput in any pass)", name_, bytes));
  }
  double bits = bytes * 8.0;
  // Whole periods first, so that long outages cost O(1).
  double base_s = std::floor(start_s / period_s_) * period_s_;
  double local = start_s - base_s;
  const double whole = std::floor(bits / bits_per_period_);
  if (whole >= 1) {
    base_s += whole * period_s_;
    bits -= whole * bits_per_period_;
  }
  std::size_t i = interval(local);
  for (;;) {
    if (i == times_s_.size()) {
      base_s += period_s_;
      local = 0;
      i = 1;
    }
    const double end = times_s_[i];
    const double rate = rates_bps_[i];
    const double room = rate * (end - local);
    if (rate > 0 && room >= bits) return base_s + local + bits / rate;
    bits -= std::max(room, 0.0);
    local = end;
    ++i;
  }
}

double LoopedCapacity::next_change_s(double t_s) const {
  double base = std::floor(t_s / period_s_) * period_s_;
  if (t_s - base >= period_s_) base += period_s_;  // rounding at a period's end
  const auto it = std::upper_bound(times_s_.begin() + 1, times_s_.end(), t_s - base);
  const double next = it == times_s_.end() ? base + period_s_ : base + *it;
  return std::max(next, std::nextafter(t_s, next + period_s_));
}

double LoopedCapacity::bits_between(double a_s, double b_s) const {
  double bits = 0;
  double t = a_s;
  while (t < b_s) {
    double base = std::floor(t / period_s_) * period_s_;
    if (t - base >= period_s_) base += period_s_;  // rounding at a period's end
    const auto it = std::upper_bound(times_s_.begin() + 1, times_s_.end(), t - base);
    const std::size_t i = it == times_s_.end() ? times_s_.size() - 1 : static_cast<std::size_t>(it - times_s_.begin());
    const double next = std::min(std::max(base + times_s_[i], std::nextafter(t, b_s)), b_s);
    bits += rates_bps_[i] * (next - t);
    t = next;
  }
  return bits;
}

}  // namespace streamopt::sim
