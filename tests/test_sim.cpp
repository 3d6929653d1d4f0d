#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

using test::Scripted;
using test::trace_mbps;

SimConfig ideal(SimMode mode) {
  SimConfig c = mode == SimMode::pensieve ? SimConfig::pensieve() : SimConfig::standard();
  c.rtt_s = 0;
  c.payload_fraction = 1.0;
  c.initial_rung = 0;
  c.startup_threshold_s = 1.0;
  c.segment_count = 8;
  return c;
}

}  // namespace

TEST_CASE("Pensieve mode loops the trace back with the clock at 0, not at the first timestamp", "[sim]") {
  // Intervals (100,101] at 1 Mbps and (101,102] at 4 Mbps; 125000-byte segments.
  const NetworkTrace trace = trace_mbps({100, 101, 102}, {9, 1, 4});
  const Manifest m = Manifest::synthetic({1e6}, 1.0, 8, 0.0);
  const QoeModel q("lin", m);
  Scripted abr(0);
  const auto pensieve = simulate(trace, m, abr, ideal(SimMode::pensieve), q);
  std::vector<double> times;
  for (const auto& r : pensieve.segments) times.push_back(r.download_time_s);
  // After the wrap, sample 1 spans (0, 101]: 101 s at 1 Mbps.
  CHECK_THAT(times, Catch::Matchers::Approx(std::vector<double>{1, .25, .25, .25, .25, 1, 1, 1}));
  // The standard link repeats the trace seamlessly instead.
  const auto standard = simulate(trace, m, abr, ideal(SimMode::standard), q);
  times.clear();
  for (const auto& r : standard.segments) times.push_back(r.download_time_s);
  CHECK_THAT(times, Catch::Matchers::Approx(std::vector<double>{1, .25, .25, .25, .25, 1, .25, .25}));
}

TEST_CASE("A constant link fills the buffer to its cap and then waits", "[sim]") {
  const NetworkTrace trace = synth_constant(8e6, 100.0);
  const Manifest m = Manifest::synthetic({2e6}, 4.0, 30, 0.0);  // 1 MB segments: 1 s each
  const QoeModel q("lin", m);
  Scripted abr(0);
  SimConfig c = ideal(SimMode::standard);
  c.segment_count = 0;
  c.max_buffer_s = 20.0;
  c.startup_threshold_s = 4.0;
  const auto r = simulate(trace, m, abr, c, q);
  REQUIRE(r.segments.size() == 30);
  CHECK(r.stats.startup_delay_s == Approx(1.0));
  CHECK(r.segments[0].buffer_s == Approx(4.0));
  CHECK(r.segments[1].buffer_s == Approx(7.0));   // -1 s download, +4 s media
  CHECK(r.segments[6].buffer_s == Approx(20.0));  // 4 + 3 x 6 = 22 -> capped
  CHECK(r.segments[6].sleep_s == Approx(2.0));
  CHECK(r.segments[10].sleep_s == Approx(3.0));   // steady state: one segment per 4 s
  CHECK(r.stats.rebuffer_s == 0);
  CHECK(r.stats.qoe_per_segment == Approx(2.0));
}

TEST_CASE("Simulated sessions keep their invariants for every controller and mode", "[sim]") {
  const Manifest m = Manifest::synthetic_default(3);
  const QoeModel q("lin", m);
  MarkovTraceOptions o;
  o.duration_s = 150;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const NetworkTrace trace = synth_markov(o, seed);
    for (const auto& [name, summary] : Registry::builtin().abr_names()) {
      for (const SimConfig& c : {SimConfig::pensieve(), SimConfig::standard()}) {
        auto abr = make_abr(name, m);
        const auto r = simulate(trace, m, *abr, c, q);
        INFO(name << " seed " << seed);
        REQUIRE(r.segments.size() == (c.mode == SimMode::pensieve ? 48u : 49u));
        double previous_time = 0;
        for (const auto& s : r.segments) {
          CHECK(s.buffer_s >= 0);
          CHECK(s.buffer_s <= c.max_buffer_s + 1e-9);
          CHECK(s.rebuffer_s >= 0);
          CHECK(s.time_s >= previous_time);
          CHECK(s.download_time_s >= c.rtt_s);
          CHECK(s.size_bytes == m.segment_size_bytes(s.segment, s.rung));  // bytes conserved
          previous_time = s.time_s;
        }
        // Media conservation: played + buffered = fetched.
        const auto& last = r.segments.back();
        const double fetched = m.segment_duration_s() * static_cast<double>(r.segments.size());
        const double played = last.time_s - r.stats.startup_delay_s - r.stats.rebuffer_s;
        CHECK(played + last.buffer_s == Approx(fetched).margin(1e-6));
        // Same inputs, same outputs.
        auto again = make_abr(name, m);
        CHECK(simulate(trace, m, *again, c, q).stats.qoe_sum == r.stats.qoe_sum);
      }
    }
  }
}

TEST_CASE("The controller sees consistent player state and download reports", "[sim]") {
  const NetworkTrace trace = synth_constant(4e6, 100.0);
  const Manifest m = Manifest::synthetic_default();
  Scripted abr(2);
  const auto r = simulate(trace, m, abr, SimConfig::standard(), QoeModel("lin", m));
  REQUIRE(abr.states.size() == 49);
  REQUIRE(abr.reports.size() == 49);
  CHECK(abr.states[0].last_rung == kNoRung);
  for (std::size_t k = 1; k < 49; ++k) {
    CHECK(abr.states[k].next_segment == k);
    CHECK(abr.states[k].segments_left == 49 - k);
    CHECK(abr.states[k].last_rung == 2);
    CHECK(abr.states[k].buffer_s == Approx(r.segments[k - 1].buffer_s));
    CHECK(abr.states[k].now_s == Approx(r.segments[k - 1].time_s));
    CHECK(abr.reports[k].start_time_s == Approx(r.segments[k - 1].time_s));
    CHECK(abr.reports[k].end_time_s() == Approx(r.segments[k].time_s - r.segments[k].sleep_s));
  }
}

TEST_CASE("A controller's wait drains the buffer but never causes a stall", "[sim]") {
  const NetworkTrace trace = synth_constant(8e6, 100.0);
  const Manifest m = Manifest::synthetic({2e6}, 4.0, 10, 0.0);
  Scripted abr(0, 100.0);  // asks for far more than the buffer holds
  SimConfig c = ideal(SimMode::standard);
  c.segment_count = 0;
  const auto r = simulate(trace, m, abr, c, QoeModel("lin", m));
  for (std::size_t k = 1; k < r.segments.size(); ++k) {
    CHECK(r.segments[k].delay_s == Approx(r.segments[k - 1].buffer_s));
  }
  CHECK(r.stats.rebuffer_s == Approx(1.0 * 9));  // each 1 s download now stalls: an empty buffer
}

TEST_CASE("The simulator rejects bad controllers, configs and dead traces", "[sim]") {
  const Manifest m = Manifest::synthetic_default();
  const QoeModel q("lin", m);
  const NetworkTrace trace = synth_constant(2e6, 50.0);
  Scripted bad(6);
  CHECK_THROWS_WITH(simulate(trace, m, bad, SimConfig::standard(), q), Contains("controller scripted: decision chose rung 6"));
  Scripted nan(0, std::nan(""));
  CHECK_THROWS_WITH(simulate(trace, m, nan, SimConfig::standard(), q), Contains("invalid delay"));
  Scripted ok(0);
  SimConfig c = SimConfig::standard();
  c.payload_fraction = 0;
  CHECK_THROWS_WITH(simulate(trace, m, ok, c, q), Contains("payload_fraction"));
  c = SimConfig::standard();
  c.segment_count = 50;
  CHECK_THROWS_WITH(simulate(trace, m, ok, c, q), Contains("manifest has 49"));
  const NetworkTrace dead = synth_constant(0.0, 50.0);
  CHECK_THROWS_WITH(simulate(dead, m, ok, SimConfig::standard(), q), Contains("no usable throughput"));
  CHECK_THROWS_WITH(simulate(dead, m, ok, SimConfig::pensieve(), q), Contains("no usable throughput"));
  CHECK_THROWS_WITH(SimConfig::from_name("fast"), Contains("unknown simulator mode"));
}

TEST_CASE("Pensieve logs have seven columns in the reference units", "[sim]") {
  const Manifest m = Manifest::synthetic_default();
  Scripted abr(1);
  const auto r = simulate(synth_constant(3e6, 100.0), m, abr, SimConfig::pensieve(), QoeModel("lin", m));
  const auto path = std::filesystem::temp_directory_path() / "streamopt-test-log.txt";
  write_pensieve_log(r.segments, path);
  std::ifstream in(path);
  double time_s, kbps, buffer_s, rebuf_s, bytes, delay_ms, reward;
  REQUIRE(in >> time_s >> kbps >> buffer_s >> rebuf_s >> bytes >> delay_ms >> reward);
  CHECK(kbps == 750);
  CHECK(bytes == static_cast<double>(r.segments[0].size_bytes));
  CHECK(delay_ms == Approx(r.segments[0].download_time_s * 1000));
  CHECK(reward == Approx(r.segments[0].qoe.total));
  std::filesystem::remove(path);
}

TEST_CASE("A stepped SimulatedPlayer gives exactly what simulate gives", "[sim]") {
  const Manifest m = Manifest::synthetic_default(4);
  const QoeModel q("lin", m);
  MarkovTraceOptions o;
  o.duration_s = 100;
  const NetworkTrace trace = synth_markov(o, 8);
  auto reference = make_abr("robust_mpc", m);
  const SessionResult expected = simulate(trace, m, *reference, SimConfig::pensieve(), q);
  auto abr = make_abr("robust_mpc", m);
  SimulatedPlayer player(trace, m, SimConfig::pensieve(), q);
  CHECK(player.forced_rung() == 1);
  while (!player.done()) {
    Decision d;
    d.rung = player.forced_rung();
    if (d.rung == kNoRung) d = abr->decide(player.state());
    abr->on_download(player.play(d));
  }
  CHECK(player.result().stats.qoe_sum == expected.stats.qoe_sum);
  CHECK(player.records().size() == 48);
  CHECK_THROWS_WITH(player.play({}), Contains("session is over"));
  SimulatedPlayer fresh(trace, m, SimConfig::standard(), q);
  Decision bad;
  bad.rung = 9;
  CHECK_THROWS_WITH(fresh.play(bad), Contains("rung 9"));
}

TEST_CASE("Tiny or nearly dead traces end quickly instead of hanging", "[sim]") {
  const Manifest m = Manifest::synthetic_default();
  const QoeModel q("lin", m);
  Scripted abr(5);
  NetworkTrace tiny;  // 1 ms long, 100 Mbps: thousands of passes per segment
  tiny.name = "tiny";
  tiny.time_s = {0, 0.0005, 0.001};
  tiny.throughput_bps = {1e8, 1e8, 2e8};
  for (const SimConfig& c : {SimConfig::pensieve(), SimConfig::standard()}) {
    const auto r = simulate(tiny, m, abr, c, q);
    CHECK(r.segments.back().download_time_s > 0);
    CHECK(r.stats.rebuffer_s == 0);
  }
  NetworkTrace slow = tiny;  // 1 bit per second: a segment would take years
  slow.throughput_bps = {1, 1, 1};
  CHECK_THROWS_WITH(simulate(slow, m, abr, SimConfig::standard(), q), Contains("no usable throughput"));
  CHECK_THROWS_WITH(simulate(slow, m, abr, SimConfig::pensieve(), q), Contains("no usable throughput"));
}
