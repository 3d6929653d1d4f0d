// How a player embeds the decision engine: two calls per segment.
//
//   embed_player [CONTROLLER_SPEC] [TRACE_FILE]
//
// The "network" here is a trace-driven stand-in for a real HTTP download so
// that the example runs anywhere; in a real player, fetch_segment() is the
// HTTP request and the clock is the player's own.
#include <streamopt/streamopt.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

namespace {

// Seconds to fetch `bytes` starting at `now_s` over a piecewise-constant trace
// (looping), plus a fixed request round trip.
double fetch_segment(const streamopt::NetworkTrace& trace, double now_s, std::uint64_t bytes) {
  constexpr double kRttS = 0.05;
  const double period_s = trace.duration_s();
  double t = now_s + kRttS;
  double bits = static_cast<double>(bytes) * 8.0;
  while (bits > 0) {
    const double phase = std::fmod(t, period_s) + trace.time_s.front();
    const auto it = std::upper_bound(trace.time_s.begin(), trace.time_s.end(), phase);
    const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(it - trace.time_s.begin()), trace.time_s.size() - 1);
    const double rate_bps = std::max(trace.throughput_bps[i], 1e3);
    const double step_s = std::min(0.01, bits / rate_bps);
    bits -= rate_bps * step_s;
    t += step_s;
  }
  return t - now_s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const char* spec = argc > 1 ? argv[1] : "robust_mpc";
    const auto trace = argc > 2 ? streamopt::read_trace(argv[2])
                                : streamopt::synth_step(3e6, 0.8e6, 40.0, 200.0);
    const auto manifest = streamopt::Manifest::synthetic_default();
    auto abr = streamopt::make_abr(spec, manifest);

    double now_s = 0, buffer_s = 0, stall_s = 0;
    std::size_t last_rung = streamopt::kNoRung;
    for (std::size_t segment = 0; segment < manifest.segment_count(); ++segment) {
      // 1. Before the request: ask for a rung (and an optional wait).
      const streamopt::PlayerState state{now_s, buffer_s, segment, manifest.segment_count() - segment, last_rung};
      const streamopt::Decision d = abr->decide(state);
      const double wait_s = std::min(d.delay_s, buffer_s);
      now_s += wait_s;
      buffer_s -= wait_s;
      // 2. Download it (here: over the trace).
      const std::uint64_t bytes = manifest.segment_size_bytes(segment, d.rung);
      const double download_s = fetch_segment(trace, now_s, bytes);
      // 3. After the download: report it.
      abr->on_download({segment, d.rung, bytes, now_s, download_s});
      if (segment > 0) stall_s += std::max(0.0, download_s - buffer_s);
      buffer_s = std::max(0.0, buffer_s - download_s) + manifest.segment_duration_s();
      now_s += download_s;
      // A player stops fetching while its buffer is full.
      constexpr double kMaxBufferS = 30.0;
      if (buffer_s > kMaxBufferS) {
        now_s += buffer_s - kMaxBufferS;
        buffer_s = kMaxBufferS;
      }
      std::printf("segment %2zu: rung %zu (%4.0f kbps) rule %-12s estimate %5.0f kbps buffer %5.1f s\n", segment,
                  d.rung, manifest.bitrate_bps(d.rung) / 1e3, d.reasons.rule.c_str(),
                  d.reasons.estimate_bps / 1e3, buffer_s);
      last_rung = d.rung;
    }
    std::printf("played %zu segments with %s: %.1f s of stalls\n", manifest.segment_count(), spec, stall_s);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_player: %s\n", e.what());
    return 1;
  }
}
