#include <catch2/catch.hpp>
#include <map>

#include "streamopt/streamopt.hpp"

using namespace streamopt;

namespace {

class Plan final : public AbrController {
 public:
  explicit Plan(std::vector<std::size_t> rungs) : rungs_(std::move(rungs)) {}
  void on_download(const DownloadReport&) override {}
  Decision decide(const PlayerState& s) override { return {rungs_.at(s.next_segment), 0, {}}; }
  void reset() override {}
  [[nodiscard]] std::string name() const override { return "plan"; }

 private:
  std::vector<std::size_t> rungs_;
};

// The best session QoE over every rung sequence, by enumeration.
double brute_force(const NetworkTrace& trace, const Manifest& m, const SimConfig& c, const QoeModel& q) {
  const std::size_t n = c.segment_count;
  const std::size_t rungs = m.rung_count();
  std::vector<std::size_t> plan(n, 0);
  double best = -1e300;
  while (true) {
    if (c.initial_rung == kNoRung || plan[0] == c.initial_rung) {
      Plan abr(plan);
      best = std::max(best, simulate(trace, m, abr, c, q).stats.qoe_sum_pensieve);
    }
    std::size_t i = 0;
    while (i < n && ++plan[i] == rungs) plan[i++] = 0;
    if (i == n) break;
  }
  return best;
}

}  // namespace

TEST_CASE("The oracle finds the enumerated optimum on small sessions", "[oracle]") {
  const Manifest m = Manifest::synthetic({0.5e6, 1.5e6, 3e6}, 2.0, 7, 0.2, 5);
  const QoeModel q("lin", m);
  MarkovTraceOptions o;
  o.duration_s = 40;
  o.switch_probability = 0.3;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const NetworkTrace trace = synth_markov(o, seed);
    for (SimConfig c : {SimConfig::pensieve(), SimConfig::standard()}) {
      c.segment_count = 7;
      c.initial_rung = c.mode == SimMode::pensieve ? 1 : kNoRung;
      c.max_buffer_s = 6.0;  // make the buffer cap matter
      c.startup_threshold_s = 2.0;
      const OracleResult r = solve_oracle(trace, m, c, q);
      INFO("seed " << seed << " mode " << (c.mode == SimMode::pensieve ? "pensieve" : "default"));
      CHECK(r.rungs.size() == 7);
      CHECK(r.session.stats.qoe_sum_pensieve == Approx(brute_force(trace, m, c, q)).margin(1e-9));
    }
  }
}

TEST_CASE("The oracle is never beaten by an online controller and beats each on average", "[oracle]") {
  const Manifest m = Manifest::synthetic_default(9);
  const QoeModel q("lin", m);
  MarkovTraceOptions o;
  o.duration_s = 200;
  std::map<std::string, double> gap;  // per controller: sum of oracle - online over the sessions
  std::size_t sessions = 0;
  for (std::uint64_t seed = 20; seed < 24; ++seed) {
    const NetworkTrace trace = synth_markov(o, seed);
    for (SimConfig c : {SimConfig::pensieve(), SimConfig::standard()}) {
      c.segment_count = 20;  // short sessions keep the oracle's cost in the unit budget
      const OracleResult best = solve_oracle(trace, m, c, q);
      const double oracle = best.session.stats.qoe_sum_pensieve;
      REQUIRE(best.rungs.size() == 20);
      ++sessions;
      for (const auto& [name, summary] : Registry::builtin().abr_names()) {
        if (name == "oracle") continue;
        auto abr = make_abr(name, m);
        const double online = simulate(trace, m, *abr, c, q).stats.qoe_sum_pensieve;
        INFO(name << " seed " << seed);
        CHECK(oracle >= online - 1e-9);
        gap[name] += oracle - online;
      }
    }
  }
  REQUIRE(gap.size() >= 7);
  for (const auto& [name, sum] : gap) {
    INFO(name);
    CHECK(sum / static_cast<double>(sessions) > 1.0);  // strictly better on average, by a margin
  }
}

TEST_CASE("Oracle options are validated", "[oracle]") {
  const Manifest m = Manifest::synthetic_default();
  OracleOptions bad;
  bad.time_step_s = 0;
  CHECK_THROWS(solve_oracle(synth_constant(1e6, 10), m, SimConfig::standard(), QoeModel("lin", m), bad));
}
