// Simulator throughput: segments (live mode: CMAF chunks) simulated per
// second with BBA, on a synthetic Markov trace, one thread.
#include <benchmark/benchmark.h>

#include "streamopt/streamopt.hpp"

namespace {

// Items are segments, or in live mode chunks.
void simulate_sessions(benchmark::State& state, streamopt::SimConfig config) {
  const auto manifest = streamopt::Manifest::synthetic_default();
  const streamopt::QoeModel qoe("lin", manifest);
  streamopt::MarkovTraceOptions o;
  o.duration_s = 400;
  const auto trace = streamopt::synth_markov(o, 42);
  auto abr = streamopt::make_abr("bba:preset=pensieve", manifest);
  const std::size_t items_per_segment =
      config.mode == streamopt::SimMode::live
          ? static_cast<std::size_t>(manifest.segment_duration_s() / config.live.chunk_s)
          : 1;
  std::size_t items = 0;
  for (auto _ : state) {
    const auto r = streamopt::simulate(trace, manifest, *abr, config, qoe);
    items += r.segments.size() * items_per_segment;
    benchmark::DoNotOptimize(r.stats.qoe_sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
}

}  // namespace

// Live: 0.5 s chunks of the 4 s segments, dash.js's default catch-up.
BENCHMARK_CAPTURE(simulate_sessions, live_bba_chunks, streamopt::SimConfig::live_stream());
BENCHMARK_CAPTURE(simulate_sessions, pensieve_bba, streamopt::SimConfig::pensieve());
BENCHMARK_CAPTURE(simulate_sessions, default_bba, streamopt::SimConfig::standard());
