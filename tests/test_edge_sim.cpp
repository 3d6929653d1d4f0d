// The multi-player edge simulator: one player alone plays as the
// single-session simulator does; identical players split the link evenly;
// runs are deterministic and conserve bytes; device caps, telemetry and
// cross-session priors do what they say.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "edge/edge_link.hpp"
#include "helpers.hpp"
#include "streamopt/edge_sim.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

std::vector<std::shared_ptr<const Manifest>> one_title() {
  return {std::make_shared<const Manifest>(Manifest::synthetic_default())};
}

// Every session plays the whole title, arrives at 0 and has an 80 ms RTT.
EdgeSimConfig whole_title_config(std::size_t sessions) {
  EdgeSimConfig c;
  c.sessions = sessions;
  c.capacity_scale = 1;
  c.duration_s = 0;  // one session per slot
  c.min_segments = 1000;
  c.first_arrival_spread_s = 0;
  c.phone_share = 0;
  c.min_rtt_s = c.max_rtt_s = 0.08;
  return c;
}

}  // namespace

TEST_CASE("One player alone on the edge plays as the single-session simulator", "[edge][edge_sim]") {
  const auto titles = one_title();
  const NetworkTrace trace = synth_step(3e6, 0.8e6, 40, 200, 1.0);
  for (const char* abr : {"robust_mpc", "bola", "rate"}) {
    INFO(abr);
    EdgeSimConfig c = whole_title_config(1);
    c.abr = abr;
    const auto edge = simulate_edge(trace, titles, "none", c);
    REQUIRE(edge.sessions.size() == 1);
    SimConfig sc = SimConfig::standard();
    sc.max_buffer_s = c.max_buffer_s;
    auto controller = make_abr(abr, titles[0]);
    const QoeModel qoe("lin", *titles[0]);
    const auto single = simulate(trace, *titles[0], *controller, sc, qoe);
    const SessionStats& a = edge.sessions[0].stats;
    CHECK(a.segments == single.stats.segments);
    CHECK(a.qoe_per_segment == Approx(single.stats.qoe_per_segment).margin(1e-6));
    CHECK(a.rebuffer_s == Approx(single.stats.rebuffer_s).margin(1e-6));
    CHECK(a.switches == single.stats.switches);
    CHECK(a.startup_delay_s == Approx(single.stats.startup_delay_s).margin(1e-6));
  }
}

TEST_CASE("Identical players on n times the capacity each play as one alone", "[edge][edge_sim]") {
  const auto titles = one_title();
  const NetworkTrace trace = synth_step(3e6, 0.8e6, 40, 200, 1.0);
  const auto alone = simulate_edge(trace, titles, "none", whole_title_config(1));
  EdgeSimConfig c = whole_title_config(4);
  c.capacity_scale = 4;
  const auto four = simulate_edge(trace, titles, "none", c);
  REQUIRE(four.sessions.size() == 4);
  for (const auto& s : four.sessions) {
    CHECK(s.stats.qoe_per_segment == Approx(alone.sessions[0].stats.qoe_per_segment).margin(1e-6));
  }
  CHECK(four.summary.jain_qoe == Approx(1.0));
}

TEST_CASE("Edge runs are deterministic, conserve bytes and give every allocator the same sessions", "[edge][edge_sim]") {
  Manifest envivio_like = Manifest::synthetic_default(1);
  envivio_like.set_name("envivio-like");
  Manifest five = Manifest::synthetic({0.2e6, 0.6e6, 1.5e6, 3e6, 6e6}, 2.0, 60, 0.1, 2);
  five.set_name("five-rungs");
  const std::vector<std::shared_ptr<const Manifest>> titles{std::make_shared<const Manifest>(envivio_like),
                                                            std::make_shared<const Manifest>(five)};
  MarkovTraceOptions mo;
  mo.duration_s = 300;
  const NetworkTrace trace = synth_markov(mo, 3);
  EdgeSimConfig c;
  c.sessions = 12;
  c.duration_s = 200;
  c.mean_watch_s = 40;
  const auto a = simulate_edge(trace, titles, "qoe_fair", c);
  const auto b = simulate_edge(trace, titles, "qoe_fair", c);
  REQUIRE(a.sessions.size() == b.sessions.size());
  CHECK(a.summary.mean_qoe == b.summary.mean_qoe);
  CHECK(a.summary.min_qoe == b.summary.min_qoe);
  CHECK(a.sessions.size() > c.sessions);  // slots start new sessions after the first ones
  CHECK(a.summary.utilisation > 0);
  CHECK(a.summary.utilisation <= 1.0 + 1e-9);
  // The link never delivers more than its capacity in any sampling interval.
  for (std::size_t i = 1; i < a.samples.size(); ++i) CHECK(a.samples[i].delivered_bps > -1e-9);
  // The first session of every slot arrives at the same time under any allocator.
  const auto none = simulate_edge(trace, titles, "none", c);
  const auto first_arrivals = [](const EdgeRunResult& r) {
    std::vector<double> t(12, -1);
    for (const auto& s : r.sessions) {
      if (t[s.slot] < 0 || s.arrival_s < t[s.slot]) t[s.slot] = s.arrival_s;
    }
    return t;
  };
  CHECK(first_arrivals(none) == first_arrivals(a));
  // Phones never play above their rung.
  for (const auto& s : none.sessions) {
    const Manifest& m = s.title == titles[0]->name() ? *titles[0] : *titles[1];
    CHECK(s.stats.mean_bitrate_bps <= m.bitrate_bps(s.max_rung) + 1e-6);
    if (!s.phone) CHECK(s.max_rung == m.rung_count() - 1);
  }
}

TEST_CASE("Caps from an allocator bound the players' rungs", "[edge][edge_sim]") {
  const auto titles = one_title();
  const NetworkTrace trace = synth_constant(20e6, 100);
  EdgeSimConfig c = whole_title_config(4);
  // Plenty of capacity: uncapped players climb to the top rung (4.3 Mbit/s);
  // an equal split of a link scaled to 4 x 2 Mbit/s caps them under 2.
  c.capacity_scale = 0.4;  // 8 Mbit/s in all
  const auto none = simulate_edge(trace, titles, "none", c);
  const auto equal = simulate_edge(trace, titles, "equal:headroom=1", c);
  for (const auto& s : equal.sessions) CHECK(s.stats.mean_bitrate_bps <= 1.85e6 + 1e-6);
  CHECK(none.summary.mean_bitrate_bps > equal.summary.mean_bitrate_bps);
}

TEST_CASE("Every session reports start, downloads and end to the telemetry sink", "[edge][edge_sim][telemetry]") {
  const auto titles = one_title();
  const NetworkTrace trace = synth_constant(3e6, 100);
  RingSink ring(100000);
  const auto r = simulate_edge(trace, titles, "maxmin", whole_title_config(3), &ring);
  const auto events = ring.drain();
  std::size_t starts = 0, downloads = 0, ends = 0;
  for (const auto& e : events) {
    starts += e.kind == TelemetryKind::start;
    downloads += e.kind == TelemetryKind::download;
    ends += e.kind == TelemetryKind::end;
    CHECK(e.group == trace.name);
    if (e.kind == TelemetryKind::download) CHECK(e.throughput_bps > 0);
  }
  CHECK(starts == 3);
  CHECK(ends == 3);
  CHECK(downloads == 3 * titles[0]->segment_count());
  CHECK(parse_telemetry_event(to_json(events.back())).session_id == events.back().session_id);
}

TEST_CASE("Cross-session priors start later sessions higher on a fast link", "[edge][edge_sim][telemetry]") {
  // robust_mpc starts at the lowest rung without a sample; with a prior from
  // the sessions already playing it starts near the link's rate.
  const auto titles = one_title();
  const NetworkTrace trace = synth_constant(5e6, 100);
  EdgeSimConfig c;
  c.sessions = 6;
  c.capacity_scale = 6;
  c.duration_s = 300;
  c.mean_watch_s = 30;
  c.phone_share = 0;
  const auto off = simulate_edge(trace, titles, "none", c);
  c.priors = true;
  const auto on = simulate_edge(trace, titles, "none", c);
  CHECK(on.summary.startup_qoe > off.summary.startup_qoe + 0.1);
}

TEST_CASE("A bad edge configuration is refused naming the field", "[edge][edge_sim]") {
  const auto titles = one_title();
  const NetworkTrace trace = synth_constant(3e6, 100);
  EdgeSimConfig c;
  c.sessions = 0;
  CHECK_THROWS_WITH(simulate_edge(trace, titles, "none", c), Contains("sessions"));
  c = EdgeSimConfig{};
  c.phone_share = 1.5;
  CHECK_THROWS_WITH(simulate_edge(trace, titles, "none", c), Contains("phone_share"));
  c = EdgeSimConfig{};
  c.abr = "nope";
  CHECK_THROWS_WITH(simulate_edge(trace, titles, "none", c), Contains("unknown ABR controller 'nope'"));
  CHECK_THROWS_WITH(simulate_edge(trace, titles, "fairest", EdgeSimConfig{}), Contains("unknown allocator"));
  CHECK_THROWS_WITH(simulate_edge(trace, {}, "none", EdgeSimConfig{}), Contains("no titles"));
  CHECK_THROWS_WITH(simulate_edge(synth_constant(0, 100), titles, "none", EdgeSimConfig{}), Contains("no capacity"));
}

TEST_CASE("Both link models share by weight and deliver every byte", "[edge][edge_sim]") {
  const NetworkTrace trace = synth_constant(12e6, 100);
  const sim::LoopedCapacity capacity(trace, 1.0);
  for (bool packet : {false, true}) {
    INFO((packet ? "packet" : "fluid"));
    auto link = packet ? edge::make_packet_link(capacity, 0.1) : edge::make_fluid_link(capacity);
    // Two long downloads; weights 2:1 (set before they start).
    link->set_weight(0, 2e6);
    link->set_weight(1, 1e6);
    link->start(0, 60e6, 0.0, 0.05);
    link->start(1, 60e6, 0.0, 0.05);
    std::vector<std::size_t> finished;
    const double first = link->run_until(1e9, finished);
    REQUIRE(finished.size() == 1);
    CHECK(finished[0] == 0);
    // Flow 0 got two thirds of 12 Mbit/s: 60 Mbit in 7.5 s after the RTT.
    CHECK(first == Approx(7.55).epsilon(packet ? 0.1 : 1e-9));
    finished.clear();
    const double second = link->run_until(1e9, finished);
    REQUIRE(finished.size() == 1);
    // Both done: 120 Mbit at 12 Mbit/s, 10 s after the RTT.
    CHECK(second == Approx(10.05).epsilon(packet ? 0.1 : 1e-9));
    CHECK(link->delivered_bits() == Approx(120e6));
    CHECK(link->downloads() == 0);
  }
}

TEST_CASE("Without weights the packet link shares a FIFO queue about evenly", "[edge][edge_sim]") {
  const NetworkTrace trace = synth_constant(10e6, 100);
  const sim::LoopedCapacity capacity(trace, 1.0);
  auto link = edge::make_packet_link(capacity, 0.1);
  for (std::size_t id = 0; id < 4; ++id) link->start(id, 40e6, 0.0, 0.06);
  std::vector<std::size_t> finished;
  const double first = link->run_until(1e9, finished);
  // Even sharing finishes all four near 16 s; the first no earlier than 12 s.
  CHECK(first > 12.0);
  while (link->downloads() > 0) link->run_until(1e9, finished);
  CHECK(finished.size() == 4);
  CHECK(link->delivered_bits() == Approx(160e6));
}

TEST_CASE("The packet-level edge plays sessions close to the fluid one", "[edge][edge_sim]") {
  const auto titles = one_title();
  const NetworkTrace trace = synth_step(3e6, 1.2e6, 40, 200, 1.0);
  EdgeSimConfig c = whole_title_config(3);
  c.capacity_scale = 3;
  const auto fluid = simulate_edge(trace, titles, "none", c);
  c.sharing = EdgeSharing::packet;
  const auto packet = simulate_edge(trace, titles, "none", c);
  const auto packet_fair = simulate_edge(trace, titles, "qoe_fair", c);
  REQUIRE(packet.sessions.size() == 3);
  CHECK(packet.summary.mean_bitrate_bps == Approx(fluid.summary.mean_bitrate_bps).epsilon(0.25));
  CHECK(packet.summary.utilisation > 0.3);
  CHECK(packet.summary.utilisation <= 1.0 + 1e-9);
  CHECK(packet_fair.sessions.size() == 3);
}

TEST_CASE("A population can mix controllers: slots cycle through the specs", "[edge][edge_sim]") {
  const auto titles = one_title();
  const NetworkTrace trace = synth_constant(3e6, 100);
  EdgeSimConfig c = whole_title_config(4);
  c.capacity_scale = 4;
  c.abr = "robust_mpc,bola:variant=basic,rate";
  const auto r = simulate_edge(trace, titles, "none", c);
  REQUIRE(r.sessions.size() == 4);
  for (const auto& s : r.sessions) {
    const char* expected[] = {"robust_mpc", "bola:variant=basic", "rate"};
    CHECK(s.abr == expected[s.slot % 3]);
  }
  c.abr = "robust_mpc,nope";
  CHECK_THROWS_WITH(simulate_edge(trace, titles, "none", c), Contains("unknown ABR controller 'nope'"));
}

TEST_CASE("Slots keep starting sessions until the end of arrivals, however long the draws", "[edge][edge_sim]") {
  // Watch lengths far above the 20 s title: every session plays the whole
  // title and the slot starts the next one after a short gap, up to 200 s.
  const std::vector<std::shared_ptr<const Manifest>> titles{
      std::make_shared<const Manifest>(Manifest::synthetic({0.3e6, 1e6}, 4.0, 5, 0.0, 1))};
  EdgeSimConfig c;
  c.sessions = 3;
  c.duration_s = 200;
  c.mean_watch_s = 1000;
  c.mean_gap_s = 1;
  c.first_arrival_spread_s = 1;
  const auto r = simulate_edge(synth_constant(10e6, 100), titles, "none", c);
  CHECK(r.sessions.size() >= 3 * 7);
  double last_arrival = 0;
  for (const auto& s : r.sessions) last_arrival = std::max(last_arrival, s.arrival_s);
  CHECK(last_arrival > 170);
  CHECK(last_arrival <= 200);
}
