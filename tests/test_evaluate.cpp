#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {
namespace fs = std::filesystem;

std::vector<TraceSet> sets() {
  MarkovTraceOptions o;
  o.duration_s = 120;
  TraceSet a{"markov", {}};
  for (std::uint64_t s = 1; s <= 6; ++s) a.traces.push_back(synth_markov(o, s));
  TraceSet b{"steps", {synth_step(3e6, 0.5e6, 30, 120), synth_constant(1.3e6, 100)}};
  return {a, b};
}

// The fields of one CSV line (quoted fields unquoted, "" as ").
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every path under `dir`, relative to it.
std::set<std::string> tree(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).generic_string());
  return out;
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
  // The oracle knows the trace: on every session it scores at least what the
  // rate rule does (up to its grid's tolerance).
  const std::size_t per_algorithm = r.sessions.size() / 2;
  for (std::size_t i = 0; i < per_algorithm; ++i) {
    const auto& online = r.sessions[i];
    const auto& oracle = r.sessions[per_algorithm + i];
    REQUIRE(online.trace == oracle.trace);
    CHECK(oracle.stats.qoe_sum_pensieve >= online.stats.qoe_sum_pensieve - 0.5);
  }
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
    // Temporaries are named NAME.tmp-XXXX (staged directories) and .NAME.tmp-PID-N (files).
    tmp_files += e.path().filename().string().find(".tmp") != std::string::npos;
  }
  CHECK(tmp_files == 0);
}

TEST_CASE("The oracle grid is bounded", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("oracle:time_step_s=0.0001");
  CHECK_THROWS_WITH(evaluate(sets(), m, c), Contains("time_step_s 0.0001 is out of range"));
  c.algorithms = parse_spec_list("oracle:buffer_step_s=1e300");
  CHECK_THROWS_WITH(evaluate(sets(), m, c), Contains("buffer_step_s"));
  c.algorithms = parse_spec_list("oracle");
  c.oracle.time_step_s = 0;
  CHECK_THROWS_WITH(evaluate(sets(), m, c), Contains("time_step_s 0 is out of range"));
}

TEST_CASE("sessions.csv has one row per session with its statistics", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("bba,bola:variant=basic,min_buffer_s=8,robust_mpc");
  const auto r = evaluate(sets(), m, c);
  const auto lines = lines_of(format_sessions_csv(r));
  REQUIRE(lines.size() == 1 + 3 * 8);  // header + algorithms x traces
  CHECK(lines[0] ==
        "trace_set,trace,algorithm,segments,qoe_per_segment,mean_bitrate_bps,rebuffer_s,rebuffer_ratio,switches,"
        "startup_s");
  std::set<std::string> algorithms;
  for (std::size_t i = 0; i < r.sessions.size(); ++i) {
    const auto& s = r.sessions[i];
    const auto f = csv_fields(lines[i + 1]);
    REQUIRE(f.size() == 10);
    CHECK(f[0] == s.trace_set);
    CHECK(f[1] == s.trace);
    CHECK(f[2] == s.algorithm);
    CHECK(std::stoul(f[3]) == s.stats.segments);
    // Written in the shortest form that reads back exactly.
    CHECK(std::stod(f[4]) == s.stats.qoe_per_segment);
    CHECK(std::stod(f[5]) == s.stats.mean_bitrate_bps);
    CHECK(std::stod(f[6]) == s.stats.rebuffer_s);
    CHECK(std::stod(f[7]) == s.stats.rebuffer_ratio);
    CHECK(std::stoul(f[8]) == s.stats.switches);
    CHECK(std::stod(f[9]) == s.stats.startup_delay_s);
    algorithms.insert(f[2]);
  }
  // The spec with a comma survives quoting.
  CHECK(algorithms == std::set<std::string>{"bba", "bola:min_buffer_s=8,variant=basic", "robust_mpc"});
  CHECK(r.sessions[0].stats.segments == m.segment_count());
  CHECK(r.sessions[0].stats.mean_bitrate_bps > 0);
}

TEST_CASE("write_evaluation replaces earlier results as a set and leaves other files alone", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("bba");
  c.keep_segments = true;
  const auto with_logs = evaluate(sets(), m, c);
  test::TempDir tmp;
  const fs::path out = tmp.path() / "nested" / "out";
  EvaluationWriteOptions w;
  w.sessions_csv = true;
  write_evaluation(with_logs, out, w);
  CHECK(slurp(out / "sessions.csv") == format_sessions_csv(with_logs));
  CHECK(slurp(out / "results.json") == format_json(with_logs));
  CHECK(fs::exists(out / "logs" / "bba" / "steps"));
  tmp.write("nested/out/notes.txt", "mine");

  // A second run without logs or sessions.csv: the stale ones go, notes.txt stays.
  c.algorithms = parse_spec_list("rate");
  c.keep_segments = false;
  const auto second = evaluate(sets(), m, c);
  write_evaluation(second, out);
  CHECK(tree(out) == std::set<std::string>{"notes.txt", "results.csv", "results.json", "table.md"});
  CHECK(slurp(out / "results.csv") == format_csv(second));
  CHECK(slurp(out / "notes.txt") == "mine");
  // No staging directory is left beside the output.
  CHECK(tree(tmp.path() / "nested") == std::set<std::string>{"out", "out/notes.txt", "out/results.csv",
                                                              "out/results.json", "out/table.md"});
}

TEST_CASE("A failed write_evaluation leaves nothing behind", "[evaluate]") {
  const Manifest m = Manifest::synthetic_default();
  EvaluationConfig c;
  c.algorithms = parse_spec_list("bba");
  c.keep_segments = true;
  auto r = evaluate(sets(), m, c);
  // A trace name that would leave the logs directory fails after the tables
  // and some logs are written.
  r.sessions.back().trace = "..";
  test::TempDir tmp;
  CHECK_THROWS_WITH(write_evaluation(r, tmp.path() / "out"), Contains("leaves the logs directory"));
  CHECK(tree(tmp.path()).empty());

  // Over earlier results: they stay as they were.
  const auto good = evaluate(sets(), m, c);
  write_evaluation(good, tmp.path() / "out");
  const auto before = tree(tmp.path());
  const std::string csv = slurp(tmp.path() / "out" / "results.csv");
  r.rows.clear();
  CHECK_THROWS(write_evaluation(r, tmp.path() / "out"));
  CHECK(tree(tmp.path()) == before);
  CHECK(slurp(tmp.path() / "out" / "results.csv") == csv);

  // A file where the directory should be.
  tmp.write("file", "x");
  CHECK_THROWS_WITH(write_evaluation(good, tmp.path() / "file"), Contains("not a directory"));
}

TEST_CASE("StagedDirectory moves only the named entries into an existing directory", "[evaluate]") {
  test::TempDir tmp;
  const fs::path target = tmp.path() / "logs";
  tmp.write("logs/a.log", "old a");
  tmp.write("logs/b.log", "old b");
  {
    StagedDirectory staged(target);
    CHECK(fs::is_empty(staged.staging()));
    CHECK(staged.staging().parent_path() == fs::absolute(tmp.path()).lexically_normal());
    std::ofstream(staged.staging() / "a.log") << "new a";
    std::ofstream(staged.staging() / "c.log") << "new c";
    staged.commit({"a.log", "c.log", "a.log"});
  }
  CHECK(tree(tmp.path()) == std::set<std::string>{"logs", "logs/a.log", "logs/b.log", "logs/c.log"});
  CHECK(slurp(target / "a.log") == "new a");
  CHECK(slurp(target / "b.log") == "old b");
  {
    StagedDirectory abandoned(target);
    std::ofstream(abandoned.staging() / "a.log") << "never";
  }
  CHECK(slurp(target / "a.log") == "new a");
  CHECK(tree(tmp.path()).size() == 4);
}
