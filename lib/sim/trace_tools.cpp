// Trace statistics and cleaning.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "streamopt/error.hpp"
#include "streamopt/stats.hpp"
#include "streamopt/trace.hpp"

namespace streamopt {

TraceStats trace_stats(const NetworkTrace& trace) {
  validate_trace(trace);
  TraceStats s;
  s.samples = trace.time_s.size();
  s.duration_s = trace.duration_s();
  std::vector<stats::Weighted> intervals;  // throughput weighted by how long it holds
  double weighted = 0;
  s.min_bps = trace.throughput_bps[1];
  s.max_bps = trace.throughput_bps[1];
  for (std::size_t i = 1; i < trace.time_s.size(); ++i) {
    const double len = trace.time_s[i] - trace.time_s[i - 1];
    const double v = trace.throughput_bps[i];
    intervals.push_back({v, len});
    weighted += v * len;
    s.min_bps = std::min(s.min_bps, v);
    s.max_bps = std::max(s.max_bps, v);
    if (v == 0) s.outage_s += len;
  }
  s.mean_bps = weighted / s.duration_s;
  std::sort(intervals.begin(), intervals.end(),
            [](const stats::Weighted& a, const stats::Weighted& b) { return a.value < b.value; });
  const auto percentile = [&](double q) { return stats::weighted_percentile_sorted(intervals, q); };
  s.p10_bps = percentile(0.10);
  s.p50_bps = percentile(0.50);
  s.p90_bps = percentile(0.90);
  return s;
}

namespace {

NetworkTrace resample(const NetworkTrace& in, double step_s) {
  NetworkTrace out;
  out.name = in.name;
  const double start = in.time_s.front();
  const double end = in.time_s.back();
  out.time_s.push_back(start);
  out.throughput_bps.push_back(in.throughput_bps.front());
  std::size_t i = 1;
  for (double t0 = start; t0 < end - 1e-12; t0 += step_s) {
    const double t1 = std::min(end, t0 + step_s);
    // Time-weighted mean of the piecewise-constant throughput over (t0, t1].
    double bits = 0;
    double t = t0;
    while (i < in.time_s.size() && t < t1) {
      const double seg_end = std::min(in.time_s[i], t1);
      bits += in.throughput_bps[i] * std::max(0.0, seg_end - t);
      t = seg_end;
      if (in.time_s[i] <= t1) ++i;
    }
    out.time_s.push_back(t1);
    out.throughput_bps.push_back(bits / (t1 - t0));
  }
  return out;
}

}  // namespace

NetworkTrace clean_trace(const NetworkTrace& trace, const CleanOptions& options) {
  validate_trace(trace);
  if (options.resample_step_s < 0 || !std::isfinite(options.resample_step_s)) {
    throw Error("clean: resample step must be >= 0 s");
  }
  NetworkTrace out;
  out.name = trace.name;
  const bool has_latency = !trace.latency_s.empty();
  for (std::size_t i = 0; i < trace.time_s.size(); ++i) {
    if (options.merge_duplicate_times && !out.time_s.empty() && trace.time_s[i] == out.time_s.back()) {
      out.throughput_bps.back() = trace.throughput_bps[i];
      if (has_latency) out.latency_s.back() = trace.latency_s[i];
      continue;
    }
    out.time_s.push_back(trace.time_s[i]);
    out.throughput_bps.push_back(trace.throughput_bps[i]);
    if (has_latency) out.latency_s.push_back(trace.latency_s[i]);
  }
  if (options.zeros == ZeroPolicy::fill) {
    const auto first_nonzero = std::find_if(out.throughput_bps.begin(), out.throughput_bps.end(),
                                            [](double v) { return v > 0; });
    if (first_nonzero == out.throughput_bps.end()) {
      throw Error(fmt::format("clean: trace {} has no non-zero throughput to fill outages with", trace.name));
    }
    double previous = *first_nonzero;
    for (double& v : out.throughput_bps) {
      if (v > 0) {
        previous = v;
      } else {
        v = previous;
      }
    }
  }
  if (options.resample_step_s > 0) {
    if (out.duration_s() / options.resample_step_s > static_cast<double>(kMaxTraceSamples)) {
      throw Error(fmt::format("clean: resampling {} s at {} s would exceed {} samples", out.duration_s(),
                              options.resample_step_s, kMaxTraceSamples));
    }
    out = resample(out, options.resample_step_s);
  }
  validate_trace(out);
  return out;
}

}  // namespace streamopt
