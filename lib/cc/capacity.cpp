// Piecewise-constant bottleneck capacity from a trace, looped.
#include <algorithm>
#include <cmath>

#include "cc/cc_run.hpp"
#include "streamopt/error.hpp"

namespace streamopt::cc {

CapacityCurve::CapacityCurve(const NetworkTrace& trace) {
  validate_trace(trace);
  const double t0 = trace.time_s.front();
  for (std::size_t i = 0; i < trace.time_s.size(); ++i) {
    times_s_.push_back(trace.time_s[i] - t0);
    rates_bps_.push_back(trace.throughput_bps[i]);
  }
  period_s_ = times_s_.back();
  for (std::size_t i = 1; i < times_s_.size(); ++i) bits_per_period_ += rates_bps_[i] * (times_s_[i] - times_s_[i - 1]);
  if (!(bits_per_period_ > 0)) throw Error("capacity trace '" + trace.name + "' never has any capacity");
}

std::size_t CapacityCurve::segment(double local_s) const {
  // Interval i is (t[i-1], t[i]]; time 0 belongs to interval 1.
  const auto it = std::lower_bound(times_s_.begin() + 1, times_s_.end(), local_s);
  return it == times_s_.end() ? times_s_.size() - 1 : static_cast<std::size_t>(it - times_s_.begin());
}

double CapacityCurve::rate_bps(double t_s) const {
  const double local = std::fmod(std::max(t_s, 0.0), period_s_);
  // At an exact boundary the next interval's rate applies from that instant.
  const auto it = std::upper_bound(times_s_.begin() + 1, times_s_.end(), local);
  const std::size_t i = it == times_s_.end() ? times_s_.size() - 1 : static_cast<std::size_t>(it - times_s_.begin());
  return rates_bps_[i];
}

double CapacityCurve::finish_s(double start_s, double bytes) const {
  double bits = bytes * 8.0;
  // Whole periods first, so that long outages cost O(1).
  double base_s = std::floor(start_s / period_s_) * period_s_;
  double local = start_s - base_s;
  const double whole = std::floor(bits / bits_per_period_);
  if (whole >= 1) {
    base_s += whole * period_s_;
    bits -= whole * bits_per_period_;
  }
  std::size_t i = segment(local);
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

double CapacityCurve::bits_between(double a_s, double b_s) const {
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

std::vector<CapacityCurve::Step> CapacityCurve::steps(double end_s) const {
  std::vector<Step> out;
  for (double base = 0; base < end_s; base += period_s_) {
    for (std::size_t i = 1; i + 1 < times_s_.size(); ++i) {
      const double t = base + times_s_[i];
      if (t >= end_s) return out;
      const double before = rates_bps_[i], after = rates_bps_[i + 1];
      if (std::fabs(after - before) > 0.1 * std::max(before, after)) out.push_back({t, before, after});
    }
  }
  return out;
}

}  // namespace streamopt::cc
