#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

TEST_CASE("Cooked traces parse into seconds and bits per second", "[traces]") {
  test::TempDir dir;
  const auto p = dir.write("a+b=c-d.log", "0.0\t1.5\n# comment\n\n1.0 2\r\n2.5\t0\n");
  const NetworkTrace t = read_trace(p);
  CHECK(t.name == "a+b=c-d.log");
  CHECK(t.time_s == std::vector<double>{0.0, 1.0, 2.5});
  CHECK(t.throughput_bps == std::vector<double>{1.5e6, 2e6, 0});
  CHECK(t.duration_s() == 2.5);
}

TEST_CASE("Trace parsers name the file and line of each defect", "[traces]") {
  test::TempDir dir;
  CHECK_THROWS_WITH(read_trace(dir.write("e", "")), Contains("empty trace"));
  CHECK_THROWS_WITH(read_trace(dir.write("one", "0 1\n")), Contains("single sample"));
  CHECK_THROWS_WITH(read_trace(dir.write("nan", "0 1\n1 abc\n")), Contains("nan:2") && Contains("'abc' is not a number"));
  CHECK_THROWS_WITH(read_trace(dir.write("neg", "0 1\n1 -2\n")), Contains("neg:2") && Contains("negative"));
  CHECK_THROWS_WITH(read_trace(dir.write("back", "0 1\n2 1\n1 1\n")), Contains("back:3") && Contains("backwards"));
  CHECK_THROWS_WITH(read_trace(dir.write("short", "0 1\n1\n")), Contains("short:2"));
  CHECK_THROWS_WITH(read_trace(dir.write("flat", "3 1\n3 1\n")), Contains("spans no time"));
  CHECK_THROWS_WITH(read_trace(dir.path() / "missing"), Contains("cannot open"));
  CHECK_THROWS_WITH(read_trace(dir.write("bad.json", "[{\"duration_ms\": 10}]")), Contains("entry 0") && Contains("bandwidth_kbps"));
  CHECK_THROWS_WITH(read_trace(dir.write("worse.json", "[{")), Contains("invalid JSON"));
  CHECK_THROWS_WITH(read_trace(dir.write("mm", "5\n3\n"), TraceFormat::mahimahi), Contains("mm:2") && Contains("backwards"));
}

TEST_CASE("Sabre JSON traces become samples at the end of each period", "[traces]") {
  test::TempDir dir;
  const auto p = dir.write("n.json", R"([{"duration_ms": 1000, "bandwidth_kbps": 500, "latency_ms": 20},
                                         {"duration_ms": 500, "bandwidth_kbps": 2000, "latency_ms": 40}])");
  const NetworkTrace t = read_trace(p);
  CHECK(t.time_s == std::vector<double>{0.0, 1.0, 1.5});
  CHECK(t.throughput_bps == std::vector<double>{500e3, 500e3, 2000e3});
  CHECK(t.latency_s[2] == Approx(0.04));
  const auto out = dir.path() / "back.json";
  write_trace(t, out, TraceFormat::sabre);
  const NetworkTrace again = read_trace(out);
  CHECK(again.time_s == t.time_s);
  CHECK(again.throughput_bps == t.throughput_bps);
}

TEST_CASE("Mahimahi conversion keeps the delivered bytes", "[traces]") {
  test::TempDir dir;
  NetworkTrace t = synth_constant(12e6, 10.0, 1.0);  // 1000 packets per second
  const auto mm = dir.path() / "const.mahi";
  write_trace(t, mm, TraceFormat::mahimahi);
  const NetworkTrace back = read_trace(mm, TraceFormat::automatic, 1.0);
  const TraceStats s = trace_stats(back);
  CHECK(s.duration_s == Approx(10.0));
  CHECK(s.mean_bps == Approx(12e6).epsilon(0.01));
  // 1 packet per ms -> 12 Mbps in every 0.5 s bin
  const NetworkTrace fine = read_trace(mm, TraceFormat::mahimahi, 0.5);
  CHECK(fine.throughput_bps[3] == Approx(12e6));
}

TEST_CASE("Cooked files round-trip exactly", "[traces]") {
  test::TempDir dir;
  MarkovTraceOptions o;
  o.duration_s = 50;
  const NetworkTrace t = synth_markov(o, 3);
  write_trace(t, dir.path() / "m.log", TraceFormat::cooked);
  const NetworkTrace back = read_trace(dir.path() / "m.log");
  CHECK(back.time_s == t.time_s);
  CHECK(back.throughput_bps.size() == t.throughput_bps.size());
  for (std::size_t i = 0; i < t.throughput_bps.size(); ++i) CHECK(back.throughput_bps[i] == Approx(t.throughput_bps[i]).epsilon(1e-15));
}

TEST_CASE("Writing to an impossible path leaves no partial file", "[traces]") {
  test::TempDir dir;
  const NetworkTrace t = synth_constant(1e6, 5.0);
  CHECK_THROWS_WITH(write_trace(t, dir.path() / "no" / "such" / "dir.log", TraceFormat::cooked), Contains("cannot open"));
  NetworkTrace bad = t;
  bad.throughput_bps[2] = -1;
  CHECK_THROWS_WITH(write_trace(bad, dir.path() / "bad.log", TraceFormat::cooked), Contains("sample 2"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "bad.log"));
}

TEST_CASE("Trace statistics are time-weighted and count outages", "[traces]") {
  NetworkTrace t;
  t.time_s = {0, 1, 4, 5};
  t.throughput_bps = {9, 2e6, 0, 8e6};
  const TraceStats s = trace_stats(t);
  CHECK(s.duration_s == 5);
  CHECK(s.mean_bps == Approx((2e6 * 1 + 8e6 * 1) / 5));
  CHECK(s.outage_s == 3);
  CHECK(s.p50_bps == 0);
  CHECK(s.p90_bps == 8e6);
  CHECK(s.min_bps == 0);
  CHECK(s.max_bps == 8e6);
}

TEST_CASE("Cleaning merges duplicate times, fills outages and resamples", "[traces]") {
  NetworkTrace t;
  t.name = "dirty";
  t.time_s = {0, 1, 1, 2, 3, 4};
  t.throughput_bps = {0, 1e6, 3e6, 0, 0, 5e6};
  CleanOptions keep;
  const NetworkTrace merged = clean_trace(t, keep);
  CHECK(merged.time_s == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(merged.throughput_bps[1] == 3e6);
  CleanOptions fill;
  fill.zeros = ZeroPolicy::fill;
  const NetworkTrace filled = clean_trace(t, fill);
  CHECK(filled.throughput_bps == std::vector<double>{3e6, 3e6, 3e6, 3e6, 5e6});
  CleanOptions re;
  re.resample_step_s = 2.0;
  const NetworkTrace coarse = clean_trace(t, re);
  CHECK(coarse.time_s == std::vector<double>{0, 2, 4});
  CHECK(coarse.throughput_bps[1] == Approx(1.5e6));  // (3 + 0) / 2
  CHECK(coarse.throughput_bps[2] == Approx(2.5e6));  // (0 + 5) / 2
  NetworkTrace dead = t;
  dead.throughput_bps.assign(6, 0);
  CHECK_THROWS_WITH(clean_trace(dead, fill), Contains("no non-zero"));
}

TEST_CASE("Synthetic generators are seeded and shaped as asked", "[traces]") {
  MarkovTraceOptions o;
  o.duration_s = 200;
  const NetworkTrace a = synth_markov(o, 11);
  const NetworkTrace b = synth_markov(o, 11);
  const NetworkTrace c = synth_markov(o, 12);
  CHECK(a.throughput_bps == b.throughput_bps);
  CHECK(a.throughput_bps != c.throughput_bps);
  for (double v : a.throughput_bps) {
    CHECK(v >= 0.5 * o.min_bps);
    CHECK(v <= 1.5 * o.max_bps);
  }
  CHECK(a.duration_s() == Approx(200));
  const NetworkTrace step = synth_step(3e6, 1e6, 10.0, 20.0, 1.0);
  CHECK(step.throughput_bps[1] == 3e6);
  CHECK(step.throughput_bps[6] == 1e6);
  CHECK(step.throughput_bps[11] == 3e6);
  CHECK_THROWS(synth_constant(1e6, -1.0));
  MarkovTraceOptions bad = o;
  bad.switch_probability = 2;
  CHECK_THROWS_WITH(synth_markov(bad, 1), Contains("switch_probability"));
}

TEST_CASE("Trace directories list sorted regular files only", "[traces]") {
  test::TempDir dir;
  dir.write("b.log", "0 1\n1 1\n");
  dir.write("a.log", "0 1\n1 1\n");
  dir.write(".hidden", "x");
  dir.write("LICENSE", "x");
  std::filesystem::create_directories(dir.path() / "sub");
  const auto files = list_trace_files(dir.path());
  REQUIRE(files.size() == 2);
  CHECK(files[0].filename() == "a.log");
  CHECK_THROWS_WITH(list_trace_files(dir.path() / "sub"), Contains("no trace files"));
  CHECK_THROWS_WITH(list_trace_files(dir.path() / "nope"), Contains("no such"));
}

TEST_CASE("Traces parse from memory with the given name in errors", "[traces]") {
  const NetworkTrace cooked = parse_trace("0 1\n2 3\n", "mem");
  CHECK(cooked.name == "mem");
  CHECK(cooked.throughput_bps[1] == 3e6);
  const NetworkTrace sabre = parse_trace(R"( [{"duration_ms": 500, "bandwidth_kbps": 100, "latency_ms": 0}])", "s");
  CHECK(sabre.time_s.back() == 0.5);
  const NetworkTrace mm = parse_trace("1\n2\n1000\n", "m", TraceFormat::automatic, 1.0);
  CHECK(mm.throughput_bps[1] == Approx(3 * 1500 * 8.0));
  CHECK_THROWS_WITH(parse_trace("0 1\nx 2\n", "mem"), Contains("mem:2"));
  CHECK_THROWS_WITH(parse_trace("1\n2\n", "m", TraceFormat::mahimahi, 0.0), Contains("bin"));
}

TEST_CASE("Traces that would need absurd numbers of samples are refused", "[traces]") {
  CHECK_THROWS_WITH(parse_trace("2\n2\n111111111111111111\n", "m"), Contains("would exceed"));
  CHECK_THROWS_WITH(synth_constant(1e6, 1e9, 1e-3), Contains("would exceed"));
  CleanOptions fine;
  fine.resample_step_s = 1e-9;
  CHECK_THROWS_WITH(clean_trace(synth_constant(1e6, 100.0), fine), Contains("would exceed"));
}
