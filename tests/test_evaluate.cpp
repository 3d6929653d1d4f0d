#include <catch2/catch.hpp>
#include <fstream>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {
std::vector<TraceSet> sets() {
  MarkovTraceOptions o;
  o.duration_s = 120;
  TraceSet a{"markov", {}};
  for (std::uint64_t s = 1; s <= 6; ++s) a.traces.push_back(synth_markov(o, s));
  TraceSet b{"steps", {synth_step(3e6, 0.5e6, 30, 120), synth_constant(1.3e6, 100)}};
  return {a, b};
}
}  // namespace

TEST_CASE("Evaluation results do not depend on the thread count", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("bba,robust_mpc,oracle");
  c.threads = 1;
  const auto one = evaluate(sets(), m, c);
  c.threads = 3;
  const auto three = evaluate(sets(), m, c);
  REQUIRE(one.sessions.size() == 3 * 8);
  REQUIRE(one.rows.size() == 3 * 2);
  for (std::size_t i = 0; i < one.sessions.size(); ++i) {
    CHECK(one.sessions[i].trace == three.sessions[i].trace);
    CHECK(one.sessions[i].stats.qoe_sum == three.sessions[i].stats.qoe_sum);
  }
  CHECK(format_csv(one) == format_csv(three));
}

TEST_CASE("Aggregate rows average sessions and compare with the oracle", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("rate,oracle");
  c.sim = SimConfig::pensieve();
  const auto r = evaluate(sets(), m, c);
  const AggregateRow& rate = r.rows[0];
  CHECK(rate.algorithm == "rate");
  CHECK(rate.trace_set == "markov");
  CHECK(rate.sessions == 6);
  double qoe = 0, sum = 0, oracle_sum = 0;
  for (const auto& s : r.sessions) {
    if (s.trace_set != "markov") continue;
    if (s.algorithm == "rate") {
      qoe += s.stats.qoe_per_segment;
      sum += s.stats.qoe_sum_pensieve;
    } else {
      oracle_sum += s.stats.qoe_sum_pensieve;
    }
  }
  CHECK(rate.qoe_per_segment == Approx(qoe / 6));
  CHECK(rate.percent_of_oracle == Approx(100 * sum / oracle_sum));
  CHECK(rate.percent_of_oracle <= 100.0);
  CHECK(r.rows[2].percent_of_oracle == Approx(100.0));
  CHECK(rate.p10_session_qoe <= rate.p50_session_qoe);
  CHECK(rate.p50_session_qoe <= rate.p90_session_qoe);
  const std::string table = format_markdown_table(r);
  CHECK_THAT(table, Contains("| rate | markov | 6 |"));
  CHECK_THAT(format_json(r), Contains("\"percent_of_oracle\""));
}

TEST_CASE("Without the oracle, % of oracle is reported as n/a", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("bba");
  const auto r = evaluate(sets(), m, c);
  CHECK(std::isnan(r.rows[0].percent_of_oracle));
  CHECK_THAT(format_markdown_table(r), Contains("n/a"));
  CHECK_THAT(format_json(r), Contains("\"percent_of_oracle\": null"));
}

TEST_CASE("Evaluation fails fast on bad algorithms and writes results atomically", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("bba,bolla");
  CHECK_THROWS_WITH(evaluate(sets(), m, c), Contains("unknown ABR controller 'bolla'"));
  c.algorithms = parse_spec_list("oracle:step=1");
  CHECK_THROWS_WITH(evaluate(sets(), m, c), Contains("unknown option 'step'"));
  c.algorithms = parse_spec_list("bba");
  c.keep_segments = true;
  const auto r = evaluate(sets(), m, c);
  test::TempDir dir;
  write_evaluation(r, dir.path() / "out");
  CHECK(std::filesystem::exists(dir.path() / "out" / "results.csv"));
  CHECK(std::filesystem::exists(dir.path() / "out" / "table.md"));
  CHECK(std::filesystem::exists(dir.path() / "out" / "logs" / "bba" / "markov" / "markov-1"));
  std::size_t tmp_files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
    tmp_files += e.path().extension() == ".tmp";
  }
  CHECK(tmp_files == 0);
}
