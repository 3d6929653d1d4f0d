// One reallocation of a population of edge sessions per iteration: 1,000
// (and 10,000) sessions on a mix of the envivio 6-rung ladder, a 10-rung
// ladder and a 5-rung one, a third of them phones, buffers spread 0-30 s.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "streamopt/streamopt.hpp"

namespace {

const std::vector<std::vector<double>>& ladders() {
  static const std::vector<std::vector<double>> l{
      {0.3e6, 0.75e6, 1.2e6, 1.85e6, 2.85e6, 4.3e6},
      {0.23e6, 0.331e6, 0.477e6, 0.688e6, 0.991e6, 1.427e6, 2.056e6, 2.962e6, 4.267e6, 6.0e6},
      {0.2e6, 0.6e6, 1.5e6, 3e6, 6e6}};
  return l;
}

void allocate(benchmark::State& state, const char* spec) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(1);
  std::vector<streamopt::EdgeSession> sessions(n);
  for (auto& s : sessions) {
    const auto& ladder = ladders()[rng() % ladders().size()];
    s.bitrates_bps = ladder;
    s.buffer_s = static_cast<double>(rng() % 3000) / 100.0;
    if (rng() % 3 == 0) s.max_rung = 2;
    s.throughput_bps = 1e6 + static_cast<double>(rng() % 5000000);
  }
  auto allocator = streamopt::make_allocator(spec);
  std::vector<streamopt::EdgeAllocation> out(n);
  const double capacity_bps = 1.5e6 * static_cast<double>(n);
  for (auto _ : state) {
    allocator->allocate(capacity_bps, sessions, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

}  // namespace

BENCHMARK_CAPTURE(allocate, none, "none")->Arg(1000);
BENCHMARK_CAPTURE(allocate, equal, "equal")->Arg(1000);
BENCHMARK_CAPTURE(allocate, proportional, "proportional")->Arg(1000);
BENCHMARK_CAPTURE(allocate, maxmin, "maxmin")->Arg(1000);
BENCHMARK_CAPTURE(allocate, qoe_fair, "qoe_fair")->Arg(1000)->Arg(10000);
BENCHMARK_CAPTURE(allocate, utility, "utility")->Arg(1000)->Arg(10000);
