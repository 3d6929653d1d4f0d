// Congestion control: controller cost per feedback packet, and the link
// simulator's speed in simulated seconds per wall-clock second.
#include <benchmark/benchmark.h>

#include "streamopt/streamopt.hpp"

namespace {

// One feedback of 10 packets per iteration (a 2.4 Mbps flow at 50 ms
// feedback intervals), with a slowly varying queue; items = packets.
void controller_feedback(benchmark::State& state, const char* spec) {
  auto cc = streamopt::make_cc(spec, {1e6, 50e3, 10e6});
  std::uint64_t seq = 0;
  double t = 0;
  streamopt::TransportFeedback fb;
  fb.packets.resize(10);
  for (auto _ : state) {
    for (std::size_t k = 0; k < fb.packets.size(); ++k, ++seq) {
      streamopt::PacketResult& r = fb.packets[k];
      r.packet = {seq, 1200, t + static_cast<double>(k) * 0.005, -1};
      cc->on_packet_sent(r.packet);
      r.lost = seq % 101 == 0;
      r.arrival_s = r.packet.send_s + 0.05 + 0.01 * static_cast<double>((seq / 200) % 5);
    }
    t += 0.05;
    fb.receive_s = t + 0.05;
    cc->on_feedback(fb);
    cc->on_rtt(0.1, fb.receive_s);
    benchmark::DoNotOptimize(cc->update().target_rate_bps);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 10);
}

// One media flow on a 2 Mbps link for 100 s (the speed target);
// the counter is simulated seconds per wall second.
void link_simulator(benchmark::State& state, const char* spec) {
  streamopt::CcCase c;
  c.name = "bench";
  c.duration_s = 100;
  c.link.capacity = streamopt::piecewise_capacity({0}, {2e6}, 100);
  streamopt::FlowConfig f;
  f.cc = spec;
  c.flows = {f};
  for (auto _ : state) {
    const auto r = streamopt::run_cc_case(c);
    benchmark::DoNotOptimize(r.metrics.utilisation);
  }
  state.counters["sim_s_per_s"] = benchmark::Counter(100.0 * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(controller_feedback, gcc_libwebrtc, "gcc");
BENCHMARK_CAPTURE(controller_feedback, gcc_draft02, "gcc:profile=draft02");
BENCHMARK_CAPTURE(controller_feedback, nada, "nada");
BENCHMARK_CAPTURE(controller_feedback, bbr, "bbr");
BENCHMARK_CAPTURE(link_simulator, gcc_2mbps, "gcc");
BENCHMARK_CAPTURE(link_simulator, nada_2mbps, "nada");
