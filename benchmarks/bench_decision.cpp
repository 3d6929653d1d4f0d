// Decision latency per controller on the 6-rung envivio-like ladder: one
// decide() per iteration from a warmed-up controller.
#include <benchmark/benchmark.h>

#include "streamopt/streamopt.hpp"

namespace {

const streamopt::Manifest& ladder() {
  static const streamopt::Manifest m = streamopt::Manifest::synthetic_default();
  return m;
}

void decide(benchmark::State& state, const char* spec) {
  auto abr = streamopt::make_abr(spec, ladder());
  // Warm up with a few downloads at varying rates.
  for (int i = 0; i < 8; ++i) {
    streamopt::DownloadReport r;
    r.segment = static_cast<std::size_t>(i);
    r.rung = 2;
    r.size_bytes = 600000;
    r.start_time_s = 4.0 * i;
    r.download_time_s = 1.5 + 0.3 * (i % 3);
    abr->on_download(r);
  }
  streamopt::PlayerState s;
  s.next_segment = 8;
  s.segments_left = 40;
  s.last_rung = 2;
  s.now_s = 40.0;
  double buffer = 3.0;
  for (auto _ : state) {
    s.buffer_s = buffer;
    buffer = buffer > 30.0 ? 3.0 : buffer + 0.7;  // sweep the buffer so caches cannot help
    benchmark::DoNotOptimize(abr->decide(s));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(decide, fixed, "fixed");
BENCHMARK_CAPTURE(decide, rate, "rate");
BENCHMARK_CAPTURE(decide, bba, "bba");
BENCHMARK_CAPTURE(decide, bba_pensieve, "bba:preset=pensieve");
BENCHMARK_CAPTURE(decide, bola, "bola");
BENCHMARK_CAPTURE(decide, dynamic, "dynamic");
BENCHMARK_CAPTURE(decide, mpc_h5, "mpc");
BENCHMARK_CAPTURE(decide, robust_mpc_h5, "robust_mpc");
BENCHMARK_CAPTURE(decide, robust_mpc_h5_pensieve_exhaustive, "robust_mpc:preset=pensieve");
BENCHMARK_CAPTURE(decide, robust_mpc_h10, "robust_mpc:horizon=10");
BENCHMARK_CAPTURE(decide, imitation, "imitation");  // the shipped learned policies, Eigen
BENCHMARK_CAPTURE(decide, ppo, "ppo");
BENCHMARK_CAPTURE(decide, dqn, "dqn");
BENCHMARK_CAPTURE(decide, stochastic_mpc_h15, "stochastic_mpc");  // the shipped ttp, 21 outcomes per fetch
BENCHMARK_CAPTURE(decide, stochastic_mpc_h5, "stochastic_mpc:horizon=5");
