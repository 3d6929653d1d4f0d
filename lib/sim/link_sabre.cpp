#include "sim/link_sabre.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "streamopt/error.hpp"

namespace streamopt::sim {

namespace {

std::vector<SabreLink::Period> periods_of(const NetworkTrace& trace) {
  std::vector<SabreLink::Period> out;
  for (std::size_t i = 1; i < trace.time_s.size(); ++i) {
    const double duration_s = trace.time_s[i] - trace.time_s[i - 1];
    if (!(duration_s > 0)) continue;  // Sabre has no zero-length periods
    const double latency_s = i < trace.latency_s.size() ? trace.latency_s[i] : 0.0;
    out.push_back({duration_s, trace.throughput_bps[i], latency_s});
  }
  return out;
}

}  // namespace

SabreLink::SabreLink(const NetworkTrace& trace) : SabreLink(periods_of(trace)) {}

SabreLink::SabreLink(std::vector<Period> periods) : periods_(std::move(periods)) {
  const bool usable = std::any_of(periods_.begin(), periods_.end(),
                                  [](const Period& p) { return p.duration_s > 0 && p.bandwidth_bps > 0; });
  if (!usable) throw Error("sabre link: the trace has no period with both a duration and bandwidth");
  for (const Period& p : periods_) {
    if (!(p.duration_s > 0) || p.bandwidth_bps < 0 || p.latency_s < 0) {
      throw Error(fmt::format("sabre link: invalid period (duration {} s, bandwidth {} bit/s, latency {} s)",
                              p.duration_s, p.bandwidth_bps, p.latency_s));
    }
  }
  time_to_next_s_ = periods_.front().duration_s;
}

void SabreLink::next_period() {
  index_ = index_ + 1 == periods_.size() ? 0 : index_ + 1;
  time_to_next_s_ = periods_[index_].duration_s;
}

double SabreLink::latency_s() {
  double units = 1;  // latencies still to spend, in units of the current period's latency
  double total_s = 0;
  while (units > 0) {
    const double latency = periods_[index_].latency_s;
    const double time_s = units * latency;
    if (time_s <= time_to_next_s_) {
      total_s += time_s;
      clock_s_ += time_s;
      time_to_next_s_ -= time_s;
      units = 0;
    } else {  // implies latency > 0
      total_s += time_to_next_s_;
      clock_s_ += time_to_next_s_;
      units -= time_to_next_s_ / latency;
      next_period();
    }
  }
  return total_s;
}

double SabreLink::transfer_s(double bits) {
  double total_s = 0;
  while (bits > 0) {
    const double bandwidth = periods_[index_].bandwidth_bps;
    if (bits <= time_to_next_s_ * bandwidth) {
      const double time_s = bits / bandwidth;
      total_s += time_s;
      clock_s_ += time_s;
      time_to_next_s_ -= time_s;
      bits = 0;
    } else {
      total_s += time_to_next_s_;
      clock_s_ += time_to_next_s_;
      bits -= time_to_next_s_ * bandwidth;
      next_period();
    }
  }
  return total_s;
}

SabreLink::Step SabreLink::transfer_step(double bits, double min_bits, double min_s) {
  Step step;
  while (bits > 0 && (min_bits > 0 || min_s > 0)) {
    const double bandwidth = periods_[index_].bandwidth_bps;
    double got = 0;
    double time_s = 0;
    if (bandwidth > 0) {
      const double want = std::max(min_bits, min_s * bandwidth);
      const double to_next = time_to_next_s_ * bandwidth;
      if (bits <= want && bits <= to_next) {
        got = bits;
        time_s = got / bandwidth;
        time_to_next_s_ -= time_s;
      } else if (want <= to_next) {
        got = want;
        time_s = got / bandwidth;
        min_bits = 0;  // done after this step (no rounding loop)
        min_s = 0;
        time_to_next_s_ -= time_s;
      } else {
        got = to_next;
        time_s = time_to_next_s_;
        next_period();
      }
    } else if (min_bits > 0 || min_s > time_to_next_s_) {
      time_s = time_to_next_s_;
      next_period();
    } else {
      time_s = min_s;
      time_to_next_s_ -= time_s;
    }
    clock_s_ += time_s;
    step.bits += got;
    step.seconds += time_s;
    bits -= got;
    min_bits -= got;
    min_s -= time_s;
  }
  return step;
}

void SabreLink::idle(double seconds) {
  while (seconds > time_to_next_s_) {
    seconds -= time_to_next_s_;
    clock_s_ += time_to_next_s_;
    next_period();
  }
  time_to_next_s_ -= seconds;
  clock_s_ += seconds;
}

}  // namespace streamopt::sim
