#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/text_io.hpp"
#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using test::error_of;
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
  // A rename that fails (the target is a directory) leaves no temporary behind.
  std::filesystem::create_directories(dir.path() / "taken" / "inside");
  CHECK_THROWS_WITH(write_trace(t, dir.path() / "taken", TraceFormat::cooked), Contains("taken") && Contains("cannot rename"));
  std::size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
    ++entries;
  }
  CHECK(entries == 1);
  // Writing over an existing file replaces it.
  write_trace(t, dir.path() / "ok.log", TraceFormat::cooked);
  write_trace(synth_constant(2e6, 5.0), dir.path() / "ok.log", TraceFormat::cooked);
  CHECK(read_trace(dir.path() / "ok.log").throughput_bps[1] == 2e6);
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

TEST_CASE("Repeated traces are found by their samples, not their names", "[traces]") {
  const NetworkTrace a = parse_trace("0 1\n1 2\n2 3\n", "a");
  const NetworkTrace b = parse_trace("0 1\n1 2\n2 4\n", "b");  // one sample differs
  NetworkTrace a_again = a;
  a_again.name = "other/a";
  NetworkTrace a_latency = a;  // same throughput, with latencies
  a_latency.latency_s = {0.01, 0.01, 0.01};
  CHECK(repeated_traces({}).empty());
  CHECK(repeated_traces({a, b, a_latency}).empty());
  CHECK(repeated_traces({a, b, a_again, b, a}) == std::vector<std::size_t>{2, 3, 4});
  CHECK(repeated_traces({a_latency, a, a_latency}) == std::vector<std::size_t>{2});
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

namespace {

// True when every byte of `text` is printable ASCII (what a message may hold).
bool printable(const std::string& text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("Only regular files are read: FIFOs, devices and directories are refused without blocking", "[traces][hostile]") {
  test::TempDir dir;
  const auto fifo = dir.path() / "pipe.log";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // No writer ever opens the FIFO: a blocking open or read would hang here.
  CHECK_THROWS_WITH(read_trace(fifo), Contains("pipe.log") && Contains("not a regular file"));
  CHECK_THROWS_WITH(read_trace("/dev/zero"), Contains("/dev/zero") && Contains("not a regular file"));
  CHECK_THROWS_WITH(read_trace("/dev/null"), Contains("not a regular file"));
  CHECK_THROWS_WITH(read_trace(dir.path()), Contains("is a directory"));
  CHECK_THROWS_WITH(list_trace_files(fifo), Contains("not a regular file or directory"));
  // A link to a device is refused the same way.
  std::filesystem::create_symlink("/dev/zero", dir.path() / "zero.log");
  CHECK_THROWS_WITH(read_trace(dir.path() / "zero.log"), Contains("not a regular file"));
}

TEST_CASE("Trace files above the size limit are refused before they are read", "[traces][hostile]") {
  test::TempDir dir;
  const auto big = dir.write("big.log", "0 1\n1 1\n");
  std::filesystem::resize_file(big, kMaxTraceFileBytes + 1);  // sparse: nothing is written
  CHECK_THROWS_WITH(read_trace(big), Contains("big.log") && Contains("larger than the limit of 256 MiB"));
  // Exactly at the limit the size is fine (the NUL padding is what fails).
  std::filesystem::resize_file(big, 16);
  CHECK_THROWS_WITH(read_trace(big), Contains("big.log:3") && Contains("NUL byte"));
  CHECK_THROWS_WITH(detail::read_file(big, 15), Contains("limit of 15 bytes"));
  CHECK(detail::read_file(big, 16).size() == 16);
  CHECK(detail::format_byte_limit(std::uintmax_t{1} << 20) == "1 MiB");
  CHECK(detail::format_byte_limit(3072) == "3 KiB");
}

TEST_CASE("Files that are not text get a message naming file, line and what is wrong", "[traces][hostile]") {
  test::TempDir dir;
  CHECK_THROWS_WITH(read_trace(dir.write("bom.log", "\xEF\xBB\xBF" "0.0 1\n1 1\n")),
                    Contains("bom.log:1") && Contains("UTF-8 byte-order mark"));
  CHECK_THROWS_WITH(read_trace(dir.write("bom.json", "\xEF\xBB\xBF[]")), Contains("byte-order mark"));
  std::string binary = "0 1\n1 1\n";
  binary += std::string("\x7F" "ELF\x02\x01\x01\x00\x00\x00\xFF\xFE", 12);
  const std::string elf = error_of([&] { read_trace(dir.write("bin.log", binary)); });
  CHECK_THAT(elf, Contains("bin.log:3") && Contains("not text"));
  CHECK(printable(elf));
  const std::string nul = error_of([&] { parse_trace(std::string("0 1\n\n\n2\0 1\n", 11), "mem"); });
  CHECK_THAT(nul, Contains("mem:4: not text: NUL byte"));
  CHECK_THROWS_WITH(parse_trace("0 1\n\x1B[31m 1\n", "esc"), Contains("esc:2") && Contains("control byte 0x1B"));
  // Form feed, vertical tab and CR are whitespace, not binary.
  CHECK_THROWS_WITH(parse_trace("0 1\r\n1\f 1\n", "ff"), Contains("ff:2") && !Contains("not text"));
}

TEST_CASE("Messages quote at most a short sanitised token of a file", "[traces][hostile]") {
  test::TempDir dir;
  const std::string long_token(5000, 'A');
  const std::string msg = error_of([&] { read_trace(dir.write("long.log", "0 1\n" + long_token + " 1\n")); });
  CHECK_THAT(msg, Contains("long.log:2") && Contains("time") && Contains("..."));
  CHECK(msg.size() < 200);
  const std::string utf8 = error_of([&] { parse_trace("0 1\n\xC3\xBF\xC3\xBF 1\n", "u"); });
  CHECK_THAT(utf8, Contains("u:2: time '\\xC3\\xBF\\xC3\\xBF' is not a number"));
  CHECK(printable(utf8));
  const std::string one_field = error_of([&] { parse_trace("0 1\n" + std::string(300, 'x') + "\n", "f"); });
  CHECK_THAT(one_field, Contains("f:2") && Contains("expected 'time_s throughput_Mbps'") && Contains("..."));
  CHECK(one_field.size() < 200);
  CHECK(detail::sanitize("a'b\\c\td") == "a\\x27b\\x5Cc\\x09d");
  CHECK(detail::sanitize(std::string(40, 'z')) == std::string(32, 'z') + "...");
  const std::string json = error_of([&] { parse_trace("[\n{\"duration_ms\": 1, \"bandwidth_kbps\": 1, \"latency_ms\": 0},\n" + std::string(4000, 'q') + "]", "j.json"); });
  CHECK_THAT(json, Contains("j.json:3") && Contains("invalid JSON"));
  CHECK_THAT(json, !Contains("qqqq"));
}

TEST_CASE("Absurd, non-finite and backwards values are refused with file, line and field", "[traces][hostile]") {
  CHECK_THROWS_WITH(parse_trace("0 1\n1 1e308\n", "t"), Contains("t:2") && Contains("throughput") && Contains("above the limit"));
  CHECK_THROWS_WITH(parse_trace("0 1\n1 1000001\n", "t"), Contains("t:2") && Contains("above the limit of 1e+06 Mbps"));
  CHECK(parse_trace("0 1\n1 1000000\n", "t").throughput_bps[1] == kMaxThroughputBps);
  CHECK_THROWS_WITH(parse_trace("0 1\n1 1e400\n", "t"), Contains("t:2") && Contains("throughput '1e400' is out of range"));
  CHECK_THROWS_WITH(parse_trace("0 1\n1 nan\n", "t"), Contains("t:2") && Contains("throughput") && Contains("not"));
  CHECK_THROWS_WITH(parse_trace("0 1\ninf 1\n", "t"), Contains("t:2") && Contains("time 'inf' is not finite"));
  CHECK_THROWS_WITH(parse_trace("0 1\n-1 1\n", "t"), Contains("t:2") && Contains("negative time"));
  CHECK_THROWS_WITH(parse_trace("0 1\n1e300 1\n", "t"), Contains("t:2") && Contains("time") && Contains("above the limit"));
  CHECK_THROWS_WITH(parse_trace("0 1\n5 1\n4.999 1\n", "t"), Contains("t:3") && Contains("backwards"));
  // Sabre: each field named, with the entry.
  const auto sabre = [](const std::string& entries) { return parse_trace("[" + entries + "]", "s.json"); };
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": 10, "bandwidth_kbps": 1e300, "latency_ms": 0})"),
                    Contains("entry 0") && Contains("bandwidth_kbps") && Contains("above the limit"));
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": 10, "bandwidth_kbps": 1e999, "latency_ms": 0})"),
                    Contains("s.json:1") && Contains("invalid JSON (number out of range at column"));
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": 10, "bandwidth_kbps": 1, "latency_ms": 1e9})"),
                    Contains("latency_ms") && Contains("above the limit"));
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": 1e308, "bandwidth_kbps": 1, "latency_ms": 0})"),
                    Contains("entry 0") && Contains("above the limit"));
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": 10, "bandwidth_kbps": -1, "latency_ms": 0})"), Contains("negative"));
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": "10", "bandwidth_kbps": 1, "latency_ms": 0})"),
                    Contains("entry 0: missing or non-numeric 'duration_ms'"));
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": [10], "bandwidth_kbps": 1, "latency_ms": 0})"),
                    Contains("non-numeric 'duration_ms'"));
  CHECK_THROWS_WITH(sabre(R"({"duration_ms": 10, "bandwidth_kbps": 1, "latency_ms": 0}, 7)"),
                    Contains("entry 1: expected an object"));
  CHECK_THROWS_WITH(sabre("[[]]"), Contains("entry 0: expected an object"));
  CHECK_THROWS_WITH(parse_trace(R"({"duration_ms": 1})", "o.json", TraceFormat::sabre), Contains("expected a JSON array"));
  CHECK_THROWS_WITH(parse_trace("[] 5", "x.json"), Contains("invalid JSON"));
  CHECK_THROWS_WITH(sabre(""), Contains("empty trace"));
  std::string deep = R"({"duration_ms": 10, "bandwidth_kbps": 1, "latency_ms": 0, "x": )";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK_THROWS_WITH(sabre(deep), Contains("entry 0") && Contains("nested too deeply"));
  // Unknown keys, also nested ones, are skipped.
  const NetworkTrace extra = sabre(R"({"duration_ms": 500, "note": {"a": [1, "b", null]}, "bandwidth_kbps": 8, "latency_ms": 5, "ok": true})");
  CHECK(extra.time_s == std::vector<double>{0.0, 0.5});
  CHECK(extra.throughput_bps[1] == 8000.0);
  // Mahimahi: the bin count is checked as lines are read.
  CHECK_THROWS_WITH(parse_trace("1\n99999999999999\n", "m", TraceFormat::mahimahi), Contains("m:2") && Contains("would exceed"));
  CHECK_THROWS_WITH(parse_trace("1\n1e5\n", "m", TraceFormat::mahimahi), Contains("m:2") && Contains("'1e5' is not a non-negative integer"));
}

TEST_CASE("In-memory traces are held to the same limits", "[traces][hostile]") {
  NetworkTrace t = synth_constant(1e6, 4.0);
  t.name = "arr";
  NetworkTrace huge = t;
  huge.throughput_bps[2] = 1e308;
  CHECK_THROWS_WITH(validate_trace(huge), Contains("arr") && Contains("sample 2 throughput") && Contains("above the limit"));
  NetworkTrace nan = t;
  nan.time_s[1] = std::nan("");
  CHECK_THROWS_WITH(validate_trace(nan), Contains("sample 1 time") && Contains("not finite"));
  NetworkTrace late = t;
  late.time_s.back() = 2 * kMaxTraceTimeS;
  CHECK_THROWS_WITH(validate_trace(late), Contains("time") && Contains("above the limit"));
  NetworkTrace lag = t;
  lag.latency_s.assign(t.time_s.size(), 0.01);
  lag.latency_s[3] = -1;
  CHECK_THROWS_WITH(validate_trace(lag), Contains("sample 3 latency"));
  lag.latency_s[3] = 1e6;
  CHECK_THROWS_WITH(validate_trace(lag), Contains("sample 3 latency"));
  lag.latency_s[3] = 0.5;
  CHECK_NOTHROW(validate_trace(lag));
}

TEST_CASE("The strtod fallback for floating-point from_chars matches std::from_chars", "[core][text_io]") {
  // emscripten's libc++ has no floating-point std::from_chars; the WebAssembly
  // build (bindings/js) parses with detail::from_chars_double_strtod instead.
  const std::vector<std::string> inputs = {
      "0", "-0", "1", "1.", ".5", "-.5", "3.25", "1e3", "1E-3", "2.5e+10", "1e", "1e+", "5x", "0x10", "+1", " 1",
      "", "-", ".", "e5", "-e5", "inf", "-INF", "Infinity", "infin", "nan", "NaN(abc_1)", "nan(", "nan(a b)",
      "1e400", "-1e400", "123456789012345678901234567890", "0.1000000000000000055511151231257827", "4.9e-324x", "1e-400", "-2e-310",
      "1,5", "12abc", "9007199254740993"};
  for (const auto& input : inputs) {
    CAPTURE(input);
    double expected = 42, got = 42;
    const char* first = input.data();
    const char* last = input.data() + input.size();
    const auto want = std::from_chars(first, last, expected);
    const auto have = detail::from_chars_double_strtod(first, last, got);
    CHECK(have.ptr - first == want.ptr - first);
    CHECK(have.ec == want.ec);
    if (want.ec == std::errc()) {
      if (std::isnan(expected)) {
        CHECK(std::isnan(got));
      } else {
        CHECK(std::memcmp(&got, &expected, sizeof got) == 0);
      }
    } else {
      CHECK(got == 42);
    }
  }
}
