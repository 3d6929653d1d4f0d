// Congestion control: GCC's building blocks on synthetic delay series, the
// controllers through the registry, the link simulator's invariants and the
// RFC 8867 cases (shortened).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "cc/cc_run.hpp"
#include "cc/gcc_rate.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using namespace streamopt::cc;
using Catch::Matchers::Contains;

namespace {

GroupDelta delta(double send_ms, double arrival_ms, double at_ms) { return {send_ms, arrival_ms, at_ms}; }

CcCase constant_link(double rate_bps, double duration_s, std::vector<FlowConfig> flows) {
  CcCase c;
  c.name = "test";
  c.duration_s = duration_s;
  c.link.capacity = piecewise_capacity({0}, {rate_bps}, duration_s);
  c.flows = std::move(flows);
  return c;
}

FlowConfig media(const std::string& cc, double delay_s = 0.05) {
  FlowConfig f;
  f.cc = cc;
  f.one_way_delay_s = delay_s;
  return f;
}

FlowConfig tcp(double start_s = 0) {
  FlowConfig f;
  f.kind = FlowKind::tcp;
  f.start_s = start_s;
  return f;
}

}  // namespace

TEST_CASE("inter-arrival groups packets sent within 5 ms", "[cc][gcc]") {
  InterArrival ia;
  // Group A: sent 0,1,2; group B: 10,11; group C starts at 20. Arrivals +50 ms.
  CHECK_FALSE(ia.add(0, 50));
  CHECK_FALSE(ia.add(1, 51));
  CHECK_FALSE(ia.add(2, 52));
  CHECK_FALSE(ia.add(10, 60));  // B starts: no previous complete pair yet
  CHECK_FALSE(ia.add(11, 61));
  const auto d = ia.add(20, 75);  // C starts: delta A -> B
  REQUIRE(d);
  CHECK(d->send_delta_ms == Approx(9));
  CHECK(d->arrival_delta_ms == Approx(9));
  const auto d2 = ia.add(30, 90);  // D starts: delta B -> C (C arrived 4 ms late)
  REQUIRE(d2);
  CHECK(d2->send_delta_ms == Approx(9));
  CHECK(d2->arrival_delta_ms == Approx(14));
}

TEST_CASE("inter-arrival merges packets arriving in a burst", "[cc][gcc]") {
  InterArrival ia;
  CHECK_FALSE(ia.add(0, 100));
  // Sent 6 and 12 ms later but arriving within 1 ms: one burst, one group.
  CHECK_FALSE(ia.add(6, 100.5));
  CHECK_FALSE(ia.add(12, 101));
  CHECK_FALSE(ia.add(40, 140));
  const auto d = ia.add(80, 180);
  REQUIRE(d);
  CHECK(d->send_delta_ms == Approx(40 - 12));
  CHECK(d->arrival_delta_ms == Approx(140 - 101));
}

TEST_CASE("trendline slope follows a growing queue and is flat without one", "[cc][gcc]") {
  TrendlineFilter flat, ramp;
  for (int i = 0; i < 200; ++i) {
    flat.update(delta(10, 10, 10.0 * i));
    ramp.update(delta(10, 11, 11.0 * i));  // 1 ms more queue every 10 ms sent
  }
  CHECK(std::fabs(flat.slope()) < 1e-9);
  // Delay grows 1 ms per 11 ms of arrival time.
  CHECK(ramp.slope() == Approx(1.0 / 11).epsilon(0.02));
}

TEST_CASE("Kalman arrival filter tracks the delay gradient and rejects noise", "[cc][gcc]") {
  KalmanArrivalFilter steady, noisy;
  for (int i = 0; i < 500; ++i) {
    steady.update(delta(10, 12, 12.0 * i));
    noisy.update(delta(10, i % 2 ? 15 : 5, 10.0 * i));
  }
  CHECK(steady.estimate_ms() == Approx(2.0).margin(0.1));
  CHECK(std::fabs(noisy.estimate_ms()) < 1.0);
  CHECK(noisy.noise_var_ms2() > steady.noise_var_ms2());
}

TEST_CASE("over-use needs 10 ms above the threshold on more than one sample", "[cc][gcc]") {
  OveruseDetector d(0.0087, 0.039);
  CHECK(d.detect(20, 5, 0) == Usage::normal);  // first sample: 2.5 ms, one sample
  CHECK(d.detect(21, 5, 5) == Usage::normal);  // 7.5 ms
  CHECK(d.detect(22, 5, 10) == Usage::overuse); // 12.5 ms > 10 ms, rising
  CHECK(d.detect(-30, 5, 15) == Usage::underuse);
  CHECK(d.detect(0, 5, 20) == Usage::normal);
  // A falling signal does not trigger over-use.
  OveruseDetector e(0.0087, 0.039);
  e.detect(25, 5, 0);
  e.detect(24, 5, 5);
  CHECK(e.detect(23, 5, 10) == Usage::normal);
}

TEST_CASE("adaptive threshold rises towards the signal, falls to 6 ms, ignores outliers", "[cc][gcc]") {
  OveruseDetector up(0.0087, 0.039);
  double t = 0;
  for (int i = 0; i < 2000; ++i, t += 10) up.detect(i % 2 ? 20 : -20, 10, t);
  CHECK(up.threshold_ms() == Approx(20).margin(0.5));
  OveruseDetector down(0.0087, 0.039);
  t = 0;
  for (int i = 0; i < 2000; ++i, t += 10) down.detect(0, 10, t);
  CHECK(down.threshold_ms() == Approx(6));
  OveruseDetector frozen(0.01, 0.00018);
  frozen.detect(100, 10, 0);
  frozen.detect(100, 10, 100);  // |m| - th > 15 ms: no adaptation
  CHECK(frozen.threshold_ms() == Approx(12.5));
  // draft-02's K_d is slow: 1 s at |m| = 0 moves the threshold by about 2 ms.
  OveruseDetector slow(0.01, 0.00018);
  t = 0;
  for (int i = 0; i <= 100; ++i, t += 10) slow.detect(0, 10, t);
  CHECK(slow.threshold_ms() == Approx(12.5 * std::exp(-0.18)).epsilon(0.01));
}

TEST_CASE("AIMD: 8 % per second, beta x received on over-use, additive near capacity", "[cc][gcc]") {
  AimdRateControl aimd(1e6, 1e4, 1e8);
  double t = 0;
  aimd.update(Usage::normal, 1e6, 0.1, t);
  for (int i = 0; i < 20; ++i) aimd.update(Usage::normal, 1e6, 0.1, t += 0.05);
  CHECK(aimd.rate_bps() == Approx(1.08e6).epsilon(0.001));
  aimd.update(Usage::overuse, 1.0e6, 0.1, t += 0.05);
  CHECK(aimd.rate_bps() == Approx(0.85e6));
  CHECK(aimd.state() == RateState::hold);
  CHECK(aimd.near_capacity());
  const double before = aimd.rate_bps();
  for (int i = 0; i < 20; ++i) aimd.update(Usage::normal, 0.85e6, 0.1, t += 0.05);
  // Additive: about half a packet (<= 1200 B) per 200 ms response time.
  CHECK(aimd.rate_bps() > before);
  CHECK(aimd.rate_bps() < before + 30e3);
}

TEST_CASE("AIMD cap stops increases above 1.5x the received rate but never cuts", "[cc][gcc]") {
  AimdRateControl aimd(300e3, 1e4, 1e8);
  double t = 0;
  for (int i = 0; i < 40; ++i) aimd.update(Usage::normal, 100e3, 0.1, t += 0.05);
  CHECK(aimd.rate_bps() == Approx(300e3));
}

TEST_CASE("loss-based control: cut above 10 %, hold between, +5 % below 2 %", "[cc][gcc]") {
  LossBasedControl high(1e6, 1e4, 1e8), mid(1e6, 1e4, 1e8), low(1e6, 1e4, 1e8);
  high.update(80, 20, 1e8, 0.0);
  mid.update(95, 5, 1e8, 0.0);
  low.update(100, 0, 1e8, 0.0);
  CHECK(high.update(0, 0, 1e8, 0.3) == Approx(1e6 * (1 - 0.5 * 0.2)));
  CHECK(mid.update(0, 0, 1e8, 0.3) == Approx(1e6));
  CHECK(low.update(0, 0, 1e8, 0.3) == Approx(1.05e6));
  CHECK(low.update(100, 0, 0.5e6, 0.4) == Approx(0.5e6));  // never above the delay-based rate
}

TEST_CASE("registry builds the congestion controllers and rejects bad specs", "[cc]") {
  const auto names = Registry::builtin().cc_names();
  std::map<std::string, std::string> by_name(names.begin(), names.end());
  CHECK(by_name.count("gcc"));
  CHECK(by_name.count("nada"));
  CHECK(by_name.count("bbr"));
  CHECK(make_cc("gcc")->name() == "gcc:profile=libwebrtc");
  CHECK(make_cc("gcc:profile=draft02")->name() == "gcc:profile=draft02");
  CHECK_THROWS_WITH(make_cc("gcc:profile=x"), Contains("draft02 or libwebrtc"));
  CHECK_THROWS_WITH(make_cc("gcc:windw=3"), Contains("windw"));
  CHECK_THROWS_WITH(make_cc("cubic"), Contains("known: bbr, gcc, nada"));
  CHECK_THROWS_WITH(make_cc("nada", {100e3, 200e3, 1e6}), Contains("min <= start <= max"));
  for (const char* spec : {"gcc", "nada", "bbr"}) {
    const CcUpdate u = make_cc(spec, {500e3, 100e3, 2e6})->update();
    // BBR starts in STARTUP at 2/ln 2 x the start rate.
    CHECK(u.target_rate_bps == Approx(spec == std::string("bbr") ? 2.885 * 500e3 : 500e3));
    CHECK(u.pacing_rate_bps > 0);
  }
}

TEST_CASE("controllers stay within their limits under hostile feedback", "[cc]") {
  for (const char* spec : {"gcc", "gcc:profile=draft02", "nada", "bbr"}) {
    auto cc = make_cc(spec, {300e3, 100e3, 2e6});
    double t = 0;
    std::uint64_t seq = 0;
    for (int round = 0; round < 400; ++round) {
      TransportFeedback fb;
      for (int k = 0; k < 10; ++k, ++seq) {
        const SentPacket p{seq, 1200, t + k * 0.005};
        cc->on_packet_sent(p);
        PacketResult r;
        r.packet = p;
        r.lost = (seq % 7) == 0 && round > 200;
        // Delay grows for 100 rounds, then shrinks, then jitters.
        r.arrival_s = p.send_s + 0.05 + (round < 100 ? round * 0.002 : round < 200 ? 0.2 - (round - 100) * 0.002 : (k % 3) * 0.01);
        fb.packets.push_back(r);
      }
      t += 0.05;
      fb.receive_s = t + 0.05;
      cc->on_feedback(fb);
      cc->on_rtt(0.1 + (round % 5) * 0.01, fb.receive_s);
      cc->on_tick(fb.receive_s);
      const CcUpdate u = cc->update();
      INFO(spec << " round " << round);
      REQUIRE(std::isfinite(u.target_rate_bps));
      REQUIRE(u.target_rate_bps >= 100e3 - 1e-6);
      REQUIRE(u.target_rate_bps <= 2e6 + 1e-6);
    }
  }
}

TEST_CASE("capacity curve: service time across an outage and looping", "[cc][sim]") {
  // 1 Mbps for 1 s, nothing for 1 s, 1 Mbps for 1 s; looped.
  NetworkTrace tr = piecewise_capacity({0, 1, 2}, {1e6, 0, 1e6}, 3);
  CapacityCurve c(tr);
  CHECK(c.finish_s(0, 125000) == Approx(1.0));   // 1 Mbit
  CHECK(c.finish_s(0, 250000) == Approx(3.0));   // 2 Mbit: waits out the outage
  CHECK(c.finish_s(0.5, 125000) == Approx(2.5));
  CHECK(c.finish_s(0, 500000) == Approx(6.0));   // 4 Mbit: exactly two periods
  CHECK(c.finish_s(0, 625000) == Approx(7.0));   // 5 Mbit: two periods and one second
  CHECK(c.rate_bps(1.5) == 0);
  CHECK(c.rate_bps(3.5) == 1e6);
  CHECK(c.bits_between(0, 6) == Approx(4e6));
  CHECK(c.bits_between(0.5, 2.5) == Approx(1e6));
  NetworkTrace dead = piecewise_capacity({0}, {0}, 5);
  CHECK_THROWS_WITH(CapacityCurve(dead), Contains("never has any capacity"));
}

TEST_CASE("link simulator: conservation, FIFO order, queuing delay = backlog / capacity", "[cc][sim]") {
  CcCase c = constant_link(1e6, 30, {media("gcc"), media("nada"), tcp(5)});
  c.link.queue_limit_s = 0.1;
  CcRunOptions o;
  o.keep_packets = true;
  const CcRunResult r = run_cc_case(c, o);
  REQUIRE(r.packets.size() > 1000);
  std::vector<CcPacketRecord> order = r.packets;
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.send_s < b.send_s; });
  double link_free_s = 0, delivered_bits = 0;
  std::size_t delivered = 0, dropped = 0;
  double last_departure = -1;
  for (const CcPacketRecord& p : order) {
    if (std::isnan(p.arrival_s)) {
      ++dropped;
      continue;
    }
    ++delivered;
    delivered_bits += p.size_bytes * 8.0;
    const double departure = p.arrival_s - c.flows[p.flow].one_way_delay_s;
    if (departure > c.duration_s) continue;  // service finished after the end: still consistent below
    const double start = std::max(p.send_s, link_free_s);
    REQUIRE(p.queue_delay_s == Approx(start - p.send_s).margin(1e-9));
    REQUIRE(departure == Approx(start + p.size_bytes * 8.0 / 1e6).margin(1e-9));
    REQUIRE(departure >= last_departure);  // FIFO
    REQUIRE(p.queue_delay_s <= 0.1 + 1e-9);  // drop-tail limit
    link_free_s = departure;
    last_departure = departure;
  }
  CHECK(delivered + dropped == r.packets.size());
  CHECK(dropped > 0);  // TCP fills a 100 ms queue
  CHECK(delivered_bits <= 1e6 * c.duration_s + 1e6 * 0.2);
  CHECK(r.metrics.utilisation > 0.8);
  CHECK(r.metrics.utilisation <= 1.0 + 1e-9);
}

TEST_CASE("link simulator is deterministic and seeds random loss", "[cc][sim]") {
  CcCase c = constant_link(2e6, 20, {media("gcc"), media("bbr")});
  c.link.random_loss = 0.02;
  const CcRunResult a = run_cc_case(c), b = run_cc_case(c);
  REQUIRE(a.intervals.size() == b.intervals.size());
  for (std::size_t i = 0; i < a.intervals.size(); ++i) {
    REQUIRE(a.intervals[i].target_bps == b.intervals[i].target_bps);
    REQUIRE(a.intervals[i].received_bps == b.intervals[i].received_bps);
  }
  CHECK(a.metrics.flows[0].loss_fraction == Approx(0.02).margin(0.01));
  c.link.seed = 2;
  const CcRunResult other = run_cc_case(c);
  CHECK(other.metrics.flows[0].throughput_bps != a.metrics.flows[0].throughput_bps);
}

TEST_CASE("GCC and NADA use a steady link without standing queues", "[cc][sim]") {
  for (const char* spec : {"gcc", "gcc:profile=draft02", "nada"}) {
    INFO(spec);
    const CcRunResult r = run_cc_case(constant_link(1.5e6, 60, {media(spec)}));
    const CcFlowMetrics& f = r.metrics.flows[0];
    CHECK(r.metrics.utilisation > 0.6);
    CHECK(f.queue_delay_p95_s < 0.12);
    CHECK(f.loss_fraction < 0.02);
    CHECK(f.frame_delay_p95_s < 0.4);
    CHECK(std::isfinite(f.ramp_up_s));
  }
}

TEST_CASE("GCC backs off on a capacity drop and the queue drains", "[cc][sim]") {
  CcCase c = constant_link(2e6, 40, {media("gcc")});
  c.link.capacity = piecewise_capacity({0, 20}, {2e6, 0.5e6}, 40);
  const CcRunResult r = run_cc_case(c);
  double target_late = 0, queue_late = 0;
  int n = 0;
  for (const CcIntervalRecord& i : r.intervals) {
    if (i.time_s > 30) {
      target_late += i.target_bps;
      queue_late = std::max(queue_late, std::isnan(i.queue_delay_s) ? 0.0 : i.queue_delay_s);
      ++n;
    }
  }
  CHECK(target_late / n < 0.55e6);
  CHECK(queue_late < 0.1);
  REQUIRE(r.metrics.step_times_s.size() == 1);
  CHECK(r.metrics.flows[0].peak_queue_after_drop_s.size() == 1);
  CHECK(std::isfinite(r.metrics.flows[0].convergence_s[0]));
}

TEST_CASE("TCP flow fills the link and halves on loss", "[cc][sim]") {
  const CcRunResult r = run_cc_case(constant_link(2e6, 30, {tcp()}));
  CHECK(r.metrics.utilisation > 0.85);
  CHECK(r.metrics.flows[0].label == "tcp");
  CHECK(std::isnan(r.metrics.media_tcp_ratio) == false);
  CHECK(r.metrics.flows[0].loss_fraction > 0);
  CHECK(r.metrics.flows[0].loss_fraction < 0.05);
}

TEST_CASE("every RFC 8867 case runs shortened with every controller", "[cc][cases]") {
  const auto names = cc_case_names();
  CHECK(names.size() == 7);
  for (const std::string& name : names) {
    for (const char* spec : {"gcc", "nada", "bbr"}) {
      INFO(name << " " << spec);
      const CcCase c = make_cc_case(name, spec, 0.2);
      const CcRunResult r = run_cc_case(c);
      CHECK(r.metrics.flows.size() == c.flows.size());
      CHECK(r.metrics.utilisation > 0.2);
      CHECK(r.metrics.utilisation <= 1.0 + 1e-9);
      CHECK(r.metrics.jain_fairness > 0);
      CHECK(r.metrics.jain_fairness <= 1.0 + 1e-9);
      for (const CcFlowMetrics& f : r.metrics.flows) CHECK(f.throughput_bps > 0);
    }
  }
  const CcCase c51 = make_cc_case("rfc8867-5.1", "gcc");
  CHECK(c51.duration_s == 100);
  CHECK(c51.link.queue_limit_s == 0.3);
  CHECK(c51.flows.at(0).one_way_delay_s == 0.05);
  const CcCase c55 = make_cc_case("rfc8867-5.5", "gcc");
  CHECK(c55.flows.at(4).one_way_delay_s == Approx(0.15));
  CHECK_THROWS_WITH(make_cc_case("rfc8867-9.9", "gcc"), Contains("known: rfc8867-5.1"));
  CHECK_THROWS(make_cc_case("rfc8867-5.1", "gcc", 0));
}

TEST_CASE("media/TCP ratio and pause are measured", "[cc][cases]") {
  const CcRunResult r = run_cc_case(make_cc_case("rfc8867-5.6-300ms", "gcc", 0.3));
  CHECK(std::isfinite(r.metrics.media_tcp_ratio));
  CHECK(r.metrics.media_tcp_ratio > 0);
  const CcCase c = make_cc_case("rfc8867-5.8", "gcc", 0.5);
  const CcRunResult p = run_cc_case(c);
  for (const CcIntervalRecord& i : p.intervals) {
    // Nothing of flow 0 arrives well inside its pause (after the pipe drains).
    if (i.flow == 0 && i.time_s > c.flows[0].pause_start_s + 1.0 && i.time_s < c.flows[0].pause_end_s) {
      CHECK(i.received_bps == 0);
    }
  }
}

TEST_CASE("bad cases are rejected with the reason", "[cc][sim]") {
  CcCase c = constant_link(1e6, 10, {media("gcc")});
  c.flows.clear();
  CHECK_THROWS_WITH(run_cc_case(c), Contains("no flows"));
  c = constant_link(1e6, 10, {media("gcc")});
  c.duration_s = -1;
  CHECK_THROWS_WITH(run_cc_case(c), Contains("duration"));
  c = constant_link(1e6, 10, {media("gcc", -0.1)});
  CHECK_THROWS_WITH(run_cc_case(c), Contains("one_way_delay_s"));
  c = constant_link(1e6, 10, {media("nope")});
  CHECK_THROWS_WITH(run_cc_case(c), Contains("unknown congestion controller 'nope'"));
  c = constant_link(1e6, 10, {media("gcc")});
  c.link.capacity = piecewise_capacity({0}, {0}, 10);
  CHECK_THROWS_WITH(run_cc_case(c), Contains("never has any capacity"));
  c = constant_link(1e6, 10, {media("gcc")});
  c.link.random_loss = 1.0;
  CHECK_THROWS_WITH(run_cc_case(c), Contains("random_loss"));
  CHECK_THROWS_WITH(piecewise_capacity({0, 5}, {1e6}, 10), Contains("as many times as rates"));
}

TEST_CASE("trace cases and result files", "[cc][sim]") {
  NetworkTrace tr;
  tr.name = "steps";
  for (int i = 0; i <= 30; ++i) {
    tr.time_s.push_back(i);
    tr.throughput_bps.push_back(i % 10 < 5 ? 3e6 : 1e6);
  }
  const CcCase c = make_trace_case(tr, "nada");
  CHECK(c.duration_s == 30);
  CcRunOptions o;
  o.keep_packets = true;
  const CcRunResult r = run_cc_case(c, o);
  const auto dir = std::filesystem::temp_directory_path() / "streamopt_cc_test";
  std::filesystem::remove_all(dir);
  write_cc_result(r, dir);
  for (const char* f : {"intervals.csv", "packets.csv", "metrics.json"}) CHECK(std::filesystem::file_size(dir / f) > 100);
  std::ifstream in(dir / "intervals.csv");
  std::string header;
  std::getline(in, header);
  CHECK(header.rfind("time_s,flow,capacity_bps,target_bps", 0) == 0);
  CHECK_THAT(format_cc_metrics(r), Contains("| 0 | nada:rmax_bps=1500000 |"));
  std::filesystem::remove_all(dir);
}

namespace {

// Feeds `cc` 100 ms feedbacks of 10 packets for `seconds`, received at
// `rate_bps` with `queue_s` of extra one-way delay after the first second.
void feed_steady(CongestionController& cc, double& t, std::uint64_t& seq, double seconds, double rate_bps,
                 double queue_s) {
  const double gap_s = 1200 * 8.0 / rate_bps;
  for (double end = t + seconds; t < end;) {
    TransportFeedback fb;
    for (int k = 0; k < 10; ++k, ++seq) {
      const SentPacket p{seq, 1200, t, -1};
      cc.on_packet_sent(p);
      fb.packets.push_back({p, false, t + 0.05 + queue_s});
      t += gap_s;
    }
    fb.receive_s = t + 0.1;
    cc.on_feedback(fb);
    cc.on_rtt(0.1 + queue_s, fb.receive_s);
  }
}

}  // namespace

TEST_CASE("NADA: accelerated ramp-up without queuing, price equilibrium with it", "[cc][nada]") {
  auto cc = make_cc("nada", {300e3, 100e3, 10e6});
  double t = 0;
  std::uint64_t seq = 0;
  feed_steady(*cc, t, seq, 2.0, 1e6, 0.0);
  // RFC 8698 4.3: r_ref >= (1 + gamma) r_recv, gamma = min(0.5, 50 / (100 + 100 + 120)).
  CHECK(cc->update().state.phase == std::string("accelerated_ramp_up"));
  CHECK(cc->update().target_rate_bps >= 1e6 * (1 + 50.0 / 320) * 0.97);
  // A standing 20 ms queue: x_curr = 20 ms, equilibrium r_ref = XREF RMAX / x = 10 * 1.5e6 / 20.
  feed_steady(*cc, t, seq, 120.0, 1e6, 0.02);
  CHECK(cc->update().state.phase == std::string("gradual"));
  CHECK(cc->update().state.signal == Approx(20).margin(0.5));
  CHECK(cc->update().target_rate_bps == Approx(750e3).epsilon(0.03));
}

TEST_CASE("BBR-style: bandwidth estimate tracks the bottleneck and cycles its gains", "[cc][bbr]") {
  const CcRunResult r = run_cc_case(constant_link(2e6, 40, {media("bbr")}));
  std::vector<double> bw;
  std::map<std::string, int> phases;
  for (const CcIntervalRecord& i : r.intervals) {
    if (i.time_s < 10) continue;
    bw.push_back(i.state.signal);
    ++phases[i.state.phase];
  }
  std::sort(bw.begin(), bw.end());
  CHECK(bw[bw.size() / 2] == Approx(2e6).epsilon(0.1));
  CHECK(phases["probe_bw"] > 0);
  CHECK(phases.count("startup") == 0);
  CHECK(r.metrics.utilisation > 0.85);
}
