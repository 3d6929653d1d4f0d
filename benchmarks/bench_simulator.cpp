// Simulator throughput: segments (live mode: CMAF chunks) simulated per
// second with BBA, on a synthetic Markov trace, one thread.
#include <benchmark/benchmark.h>

#include "streamopt/streamopt.hpp"

namespace {

void simulate_sessions(benchmark::State& state, streamopt::SimConfig config) {
  const auto manifest = streamopt::Manifest::synthetic_default();
  const streamopt::QoeModel qoe("lin", manifest);
  streamopt::MarkovTraceOptions o;
  o.duration_s = 400;
  const auto trace = streamopt::synth_markov(o, 42);
  auto abr = streamopt::make_abr("bba:preset=pensieve", manifest);
  std::size_t segments = 0;
  for (auto _ : state) {
    const auto r = streamopt::simulate(trace, manifest, *abr, config, qoe);
    segments += r.segments.size();
    benchmark::DoNotOptimize(r.stats.qoe_sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(segments));
}

// Live mode, 0.5 s chunks of the 4 s segments, dash.js's default catch-up:
// items are chunks.
void simulate_live_chunks(benchmark::State& state) {
  const auto manifest = streamopt::Manifest::synthetic_default();
  const streamopt::QoeModel qoe("lin", manifest);
  streamopt::MarkovTraceOptions o;
  o.duration_s = 400;
  const auto trace = streamopt::synth_markov(o, 42);
  auto abr = streamopt::make_abr("bba:preset=pensieve", manifest);
  const streamopt::SimConfig config = streamopt::SimConfig::live_stream();
  const auto chunks_per_segment = static_cast<std::size_t>(manifest.segment_duration_s() / config.live.chunk_s);
  std::size_t chunks = 0;
  for (auto _ : state) {
    const auto r = streamopt::simulate(trace, manifest, *abr, config, qoe);
    chunks += r.segments.size() * chunks_per_segment;
    benchmark::DoNotOptimize(r.stats.qoe_sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(chunks));
}

}  // namespace

BENCHMARK(simulate_live_chunks);
BENCHMARK_CAPTURE(simulate_sessions, pensieve_bba, streamopt::SimConfig::pensieve());
BENCHMARK_CAPTURE(simulate_sessions, default_bba, streamopt::SimConfig::standard());
