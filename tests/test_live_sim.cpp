// The live simulator (SimMode::live): chunked availability at the live edge,
// latency, catch-up by playback rate, re-sync, live QoE and statistics.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

using test::Scripted;

// 1 Mbit/s and 4 Mbit/s rungs, 2 s segments of exact sizes.
const Manifest& title() {
  static const Manifest m = Manifest::synthetic({1e6, 4e6}, 2.0, 30, 0.0);
  return m;
}

SimConfig live(double chunk_s = 0.5) {
  SimConfig c = SimConfig::live_stream();
  c.rtt_s = 0.04;
  c.payload_fraction = 1.0;
  c.live.chunk_s = chunk_s;
  c.live.target_latency_s = 3.0;
  return c;
}

// `mbps` everywhere except an outage over [from_s, to_s).
NetworkTrace with_outage(double mbps, double from_s, double to_s) {
  NetworkTrace t;
  t.name = "outage";
  for (double s = 0; s <= 400; s += 0.5) {
    t.time_s.push_back(s);
    t.throughput_bps.push_back(s > from_s && s <= to_s ? 0.0 : mbps * 1e6);
  }
  return t;
}

SessionResult play(const NetworkTrace& trace, const SimConfig& config, Scripted& abr, const std::string& qoe = "lin") {
  const QoeModel model(qoe, title());
  return simulate(trace, title(), abr, config, model);
}

}  // namespace

TEST_CASE("Live: chunks leave the encoder in real time, so a fast link waits and only chunk time measures it",
          "[live_sim]") {
  const NetworkTrace fast = synth_constant(50e6, 600);
  Scripted abr(0);
  const SessionResult r = play(fast, live(), abr);
  REQUIRE(r.segments.size() == 30);
  // Near the edge every segment arrives about as fast as it is produced.
  for (std::size_t k = 2; k < r.segments.size(); ++k) {
    CHECK(r.segments[k].download_time_s > 1.0);
    CHECK(r.segments[k].transfer_time_s < 0.1);
  }
  const DownloadReport& last = abr.reports.back();
  CHECK(last.transfer_time_s > 0);
  CHECK(last.throughput_bps() > 20e6);  // chunk-aware: near the 50 Mbit/s link
  const double naive_bps = static_cast<double>(last.size_bytes) * 8.0 / last.download_time_s;
  CHECK(naive_bps < 2e6);  // request to last byte: near the 1 Mbit/s bitrate
  CHECK(r.stats.rebuffer_s == 0);
  CHECK(r.stats.live);
  CHECK(r.stats.live_latency_mean_s == Approx(3.0).margin(0.3));
  CHECK(r.stats.time_at_target > 0.9);

  SimConfig naive = live();
  naive.live.chunk_aware_throughput = false;
  Scripted abr2(0);
  play(fast, naive, abr2);
  CHECK(abr2.reports.back().transfer_time_s == 0);
  CHECK(abr2.reports.back().throughput_bps() < 2e6);
}

TEST_CASE("Live: the player's state carries the latency, the target and the live edge", "[live_sim]") {
  Scripted abr(0);
  play(synth_constant(20e6, 600), live(), abr);
  REQUIRE(abr.states.size() == 30);
  for (std::size_t k = 1; k < abr.states.size(); ++k) {
    const PlayerState& s = abr.states[k];
    CHECK(s.live);
    CHECK(s.target_latency_s == 3.0);
    CHECK(s.latency_s == Approx(s.live_edge_s - (s.live_edge_s - s.latency_s)));
    CHECK(s.latency_s > 0.5);
    CHECK(s.latency_s < 4.5);
    CHECK(s.live_edge_s > abr.states[k - 1].live_edge_s);
    CHECK(s.buffer_s <= s.latency_s + 1e-9);
  }
}

TEST_CASE("Live: without chunks a segment is only available once it is complete", "[live_sim]") {
  Scripted abr(0);
  const SessionResult r = play(synth_constant(50e6, 600), live(0.0), abr);
  // The session joins with the edge 3 s in: segment 1 (media 2-4 s) is complete 1 s later.
  CHECK(r.segments[0].download_time_s < 0.2);
  CHECK(r.segments[1].download_time_s >= 0.9);
  for (const auto& s : r.segments) CHECK(s.transfer_time_s <= s.download_time_s);
}

TEST_CASE("Live: an outage stalls playback, the latency grows, and the default catch-up brings it back",
          "[live_sim]") {
  const NetworkTrace trace = with_outage(20, 20, 25);
  Scripted abr(0);
  const SessionResult r = play(trace, live(), abr);
  double worst_latency_s = 0;
  double rate_above_one = 0;
  for (const auto& s : r.segments) {
    worst_latency_s = std::max(worst_latency_s, s.latency_s);
    rate_above_one = std::max(rate_above_one, s.playback_rate);
  }
  CHECK(r.stats.rebuffer_s > 1.0);
  CHECK(worst_latency_s > 4.0);
  CHECK(rate_above_one > 1.05);
  CHECK(rate_above_one <= 1.5);
  CHECK(r.segments.back().latency_s == Approx(3.0).margin(0.3));
  CHECK(r.stats.playback_rate_changes > 0);
  CHECK(r.stats.live_latency_p95_s >= r.stats.live_latency_mean_s);

  SimConfig off = live();
  off.live.catchup = false;
  Scripted abr2(0);
  const SessionResult stuck = play(trace, off, abr2);
  CHECK(stuck.stats.playback_rate_changes == 0);
  CHECK(stuck.segments.back().latency_s > r.segments.back().latency_s + 0.5);
}

TEST_CASE("Live: a controller's playback rate is clamped to the allowed range and drives the latency",
          "[live_sim]") {
  const NetworkTrace fast = synth_constant(50e6, 600);
  Scripted slow(0, 0, 0.9);
  const SessionResult r = play(fast, live(), slow);
  CHECK(r.segments.back().playback_rate == 0.9);
  // Playing at 0.9x for a minute leaves the playhead ~6 s further behind.
  CHECK(r.segments.back().latency_s > 6.0);
  CHECK(r.stats.playback_rate_changes == 1);

  Scripted greedy(0, 0, 3.0);
  const SessionResult g = play(fast, live(), greedy);
  CHECK(g.segments.back().playback_rate == 1.5);
  CHECK(g.stats.rebuffer_s > 0);  // faster than the edge: the buffer runs dry
  CHECK(g.stats.live_latency_mean_s < 3.0);

  // The speed term of the live QoE charges |1 - rate|.
  const QoeModel model("lin:speed=2", title());
  const QoeTerms t = model.live_segment(0, 0, 5, 0.0, {0.5, 0.9});
  CHECK(t.speed_penalty == Approx(0.2));
}

TEST_CASE("Live: a player behind the DVR window re-syncs to the target latency and skips segments",
          "[live_sim]") {
  SimConfig c = live();
  c.live.dvr_window_s = 4.0;
  c.live.catchup = false;
  Scripted abr(0);
  // A 12 s outage at second 15: the player falls far behind the 4 s window.
  const SessionResult r = play(with_outage(20, 15, 27), c, abr);
  CHECK(r.stats.resyncs >= 1);
  CHECK(r.segments.size() < 30);
  CHECK(r.segments.back().segment == 29);
  bool jumped = false;
  for (std::size_t k = 1; k < r.segments.size(); ++k) {
    if (r.segments[k].segment > r.segments[k - 1].segment + 1) jumped = true;
  }
  CHECK(jumped);
  CHECK(r.segments.back().latency_s < 6.0);

  SimConfig drift = live();
  drift.live.max_drift_s = 1.0;
  drift.live.catchup = false;
  Scripted abr2(0);
  const SessionResult d = play(with_outage(20, 15, 20), drift, abr2);
  CHECK(d.stats.resyncs >= 1);
}

TEST_CASE("Live QoE: latency is charged at the low weight up to the threshold and the high one above",
          "[live_sim]") {
  const QoeModel model("lin:latency_low=0.1,latency_high=1,latency_threshold_s=1.1,speed=0", title());
  CHECK(model.live_segment(0, kNoRung, 3, 0.0, {1.0, 1.0}).latency_penalty == Approx(0.1));
  CHECK(model.live_segment(0, kNoRung, 3, 0.0, {2.0, 1.0}).latency_penalty == Approx(2.0));
  const QoeTerms t = model.live_segment(1, 0, 3, 0.5, {2.0, 1.0});
  CHECK(t.total == Approx(t.utility - t.rebuffer_penalty - t.smoothness_penalty - 2.0));
  // Defaults: LoL+'s weights in the model's units (lowest rung 1 Mbit/s, top 4 Mbit/s).
  const QoeModel lin("lin", title());
  CHECK(lin.latency_low_weight() == Approx(0.05));
  CHECK(lin.latency_high_weight() == Approx(0.4));
  CHECK(lin.speed_weight() == Approx(1.0));
  CHECK_THAT(test::error_of([] { QoeModel("lin:speed=-1", title()); }), Contains("weights"));
}

TEST_CASE("Live: bad settings are refused with the setting named", "[live_sim]") {
  const NetworkTrace trace = synth_constant(5e6, 100);
  const auto error_for = [&](auto change) {
    SimConfig c = live();
    change(c);
    return test::error_of([&] { SimulatedPlayer p(trace, title(), c, QoeModel("lin", title())); });
  };
  CHECK_THAT(error_for([](SimConfig& c) { c.live.target_latency_s = 0; }), Contains("target_latency_s"));
  CHECK_THAT(error_for([](SimConfig& c) { c.live.chunk_s = 3; }), Contains("chunk_s"));
  CHECK_THAT(error_for([](SimConfig& c) { c.live.min_playback_rate = 1.2; }), Contains("playback rates"));
  CHECK_THAT(error_for([](SimConfig& c) { c.live.max_playback_rate = 0.9; }), Contains("playback rates"));
  CHECK_THAT(error_for([](SimConfig& c) { c.live.dvr_window_s = 1; }), Contains("dvr_window_s"));
  CHECK_THAT(error_for([](SimConfig& c) { c.live.max_drift_s = -1; }), Contains("max_drift_s"));
  CHECK_THAT(test::error_of([] { (void)SimConfig::from_name("livee"); }), Contains("live"));
  // The oracle has no live counterpart.
  CHECK_THAT(test::error_of([&] { solve_oracle(trace, title(), live(), QoeModel("lin", title()), {}); }),
             Contains("live"));
}

TEST_CASE("Live: evaluate reports latency columns and the same numbers on any thread count", "[live_sim]") {
  std::vector<TraceSet> sets{{"outages", {with_outage(8, 20, 24), with_outage(3, 40, 43), synth_constant(6e6, 300)}}};
  EvaluationConfig config;
  config.sim = live();
  config.algorithms = {parse_spec("bola"), parse_spec("robust_mpc")};
  config.threads = 1;
  const EvaluationResult one = evaluate(sets, title(), config);
  config.threads = 3;
  const EvaluationResult three = evaluate(sets, title(), config);
  REQUIRE(one.rows.size() == 2);
  for (std::size_t i = 0; i < one.rows.size(); ++i) {
    CHECK(one.rows[i].live);
    CHECK(one.rows[i].live_latency_mean_s == three.rows[i].live_latency_mean_s);
    CHECK(one.rows[i].live_latency_mean_s > 2.0);
    CHECK(one.rows[i].live_latency_p95_s >= one.rows[i].live_latency_mean_s);
  }
  CHECK_THAT(format_csv(one), Contains("live_latency_mean_s,live_latency_p95_s,time_at_target,playback_rate_changes"));
  CHECK_THAT(format_sessions_csv(one), Contains("live_latency_p95_s"));
  CHECK_THAT(format_markdown_table(one), Contains("latency p95 s"));
  config.sim = SimConfig::standard();
  CHECK_THAT(format_csv(evaluate(sets, title(), config)), !Contains("live_latency"));
}

TEST_CASE("Live: a controller's per-tick playback rate overrides its decision's and the default catch-up",
          "[live_sim]") {
  // Plays at 0.9x through its tick hook while its decisions ask for 1.5x.
  class Ticking final : public AbrController {
   public:
    void on_download(const DownloadReport&) override {}
    Decision decide(const PlayerState&) override {
      Decision d;
      d.playback_rate = 1.5;
      return d;
    }
    double playback_rate(const PlayerState& s) override {
      ++ticks;
      CHECK(s.live);
      CHECK(s.buffer_s >= 0);
      return 0.9;
    }
    void reset() override { ticks = 0; }
    [[nodiscard]] std::string name() const override { return "ticking"; }
    std::size_t ticks = 0;
  };
  Ticking abr;
  const QoeModel model("lin", title());
  const SessionResult r = simulate(synth_constant(50e6, 600), title(), abr, live(), model);
  CHECK(abr.ticks > 4 * r.segments.size());  // several ticks per 2 s segment
  CHECK(r.segments.back().playback_rate == 0.9);
  CHECK(r.segments.back().latency_s > 6.0);
}
