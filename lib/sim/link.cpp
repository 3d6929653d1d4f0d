#include "sim/link.hpp"

#include <fmt/format.h>

#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt::sim {

namespace {
// A single download may not take longer than this (a near-dead trace would
// otherwise loop for hours of CPU time).
constexpr double kMaxDownloadS = 30.0 * 86400.0;

[[noreturn]] void too_slow(const std::string& trace, std::uint64_t bytes) {
  throw Error(fmt::format("trace {}: downloading {} bytes would take over {} s (no usable throughput)", trace,
                          bytes, kMaxDownloadS));
}
// Removes all but one whole period from a long wait (every pass over the
// trace after a wrap is the same, so this changes nothing but the work).
double skip_whole_periods(double wait, double period) {
  if (period > 0 && wait > 2.0 * period) wait -= (std::floor(wait / period) - 1.0) * period;
  return wait;
}

// Inside one download: at every wrap of the trace, compares with the previous
// wrap; once a whole pass is known, skips the passes the download certainly
// spans and rejects traces that deliver nothing in a pass.
class PassSkipper {
 public:
  // `sent` and `elapsed_s` are running totals; `size` is what is needed.
  void at_wrap(double& sent, double& elapsed_s, double size, const NetworkTrace& trace,
               std::uint64_t bytes) {
    if (seen_) {
      const double pass_sent = sent - sent_at_wrap_;
      const double pass_s = elapsed_s - elapsed_at_wrap_;
      if (!(pass_sent > 0)) too_slow(trace.name, bytes);
      const double passes = std::floor((size - sent) / pass_sent) - 1.0;
      if (passes >= 1.0) {
        if (elapsed_s + passes * pass_s > kMaxDownloadS) too_slow(trace.name, bytes);
        sent += passes * pass_sent;
        elapsed_s += passes * pass_s;
      }
    }
    seen_ = true;
    sent_at_wrap_ = sent;
    elapsed_at_wrap_ = elapsed_s;
  }

 private:
  bool seen_ = false;
  double sent_at_wrap_ = 0;
  double elapsed_at_wrap_ = 0;
};

}  // namespace

PensieveLink::PensieveLink(const NetworkTrace& trace, double payload_fraction, double rtt_ms)
    : trace_(&trace), payload_fraction_(payload_fraction), rtt_ms_(rtt_ms), last_time_s_(trace.time_s[0]) {}

void PensieveLink::next_sample() {
  last_time_s_ = trace_->time_s[ptr_];
  ++ptr_;
  if (ptr_ >= trace_->time_s.size()) {
    // fixed_env.py loops back to sample 1 with the clock at 0, not time_s[0].
    ptr_ = 1;
    last_time_s_ = 0;
  }
}

double PensieveLink::download_ms(std::uint64_t bytes) {
  const double size = static_cast<double>(bytes);
  double delay_s = 0.0;
  double sent = 0.0;
  PassSkipper skipper;
  while (true) {
    const double throughput = trace_->throughput_bps[ptr_] / 8.0;
    const double duration = trace_->time_s[ptr_] - last_time_s_;
    const double packet_payload = throughput * duration * payload_fraction_;
    if (sent + packet_payload > size) {
      const double fractional_time = (size - sent) / throughput / payload_fraction_;
      delay_s += fractional_time;
      last_time_s_ += fractional_time;
      break;
    }
    sent += packet_payload;
    delay_s += duration;
    if (delay_s > kMaxDownloadS) too_slow(trace_->name, bytes);
    next_sample();
    if (ptr_ == 1) skipper.at_wrap(sent, delay_s, size, *trace_, bytes);
  }
  return delay_s * 1000.0 + rtt_ms_;
}

void PensieveLink::idle_ms(double ms) {
  double sleep_ms = ms;
  while (true) {
    const double duration = trace_->time_s[ptr_] - last_time_s_;
    if (duration > sleep_ms / 1000.0) {
      last_time_s_ += sleep_ms / 1000.0;
      break;
    }
    sleep_ms -= duration * 1000.0;
    next_sample();
    // After a wrap every pass lasts time_s.back(): skip whole passes.
    if (ptr_ == 1) sleep_ms = skip_whole_periods(sleep_ms, trace_->time_s.back() * 1000.0);
  }
}

LoopingLink::LoopingLink(const NetworkTrace& trace, double payload_fraction, double rtt_s)
    : capacity_(std::make_shared<const LoopedCapacity>(trace, payload_fraction)), rtt_s_(rtt_s) {}

double LoopingLink::download_s(std::uint64_t bytes) {
  if (!capacity_->has_capacity()) too_slow(capacity_->name(), bytes);
  clock_s_ += rtt_s_;
  const double start_s = clock_s_;
  const double finish_s = capacity_->finish_s(start_s, static_cast<double>(bytes));
  if (finish_s - start_s > kMaxDownloadS) too_slow(capacity_->name(), bytes);
  clock_s_ = finish_s;
  return rtt_s_ + (finish_s - start_s);
}

}  // namespace streamopt::sim
