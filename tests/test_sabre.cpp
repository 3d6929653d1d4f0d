// Sabre mode (SimMode::sabre) and the sabre presets: the link, the player's
// buffer rules and metrics on hand-computed cases, and the per-trace
// comparison with Sabre's own output (tests/data/sabre_reference.csv, made
// by scripts/sabre_compare.py) when STREAMOPT_DATA is set.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "abr/sabre_common.hpp"
#include "helpers.hpp"
#include "sim/link_sabre.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;

namespace {

// Always the same rung; on its `abandon_segment` it abandons the request at
// the first progress event for `abandon_to`, once, and records that event.
class Fixed final : public AbrController {
 public:
  explicit Fixed(std::size_t rung) : rung_(rung) {}
  void on_download(const DownloadReport& r) override { reports.push_back(r); }
  Decision decide(const PlayerState&) override {
    Decision d;
    d.rung = rung_;
    return d;
  }
  [[nodiscard]] bool may_abandon() const override { return true; }
  std::size_t should_abandon(const DownloadProgress& p) override {
    if (p.segment != abandon_segment || abandoned) return kNoRung;
    abandoned = true;
    event = p;
    return abandon_to;
  }
  void reset() override { reports.clear(); }
  [[nodiscard]] std::string name() const override { return "fixed"; }
  std::vector<DownloadReport> reports;
  std::size_t abandon_segment = kNoRung;
  std::size_t abandon_to = 0;
  bool abandoned = false;
  DownloadProgress event;

 private:
  std::size_t rung_;
};

// A constant link of `bps` with `latency_s` per request, 1000 s long.
NetworkTrace constant_link(double bps, double latency_s) {
  NetworkTrace t;
  t.name = "constant";
  t.time_s = {0, 1000};
  t.throughput_bps = {bps, bps};
  t.latency_s = {latency_s, latency_s};
  return t;
}

}  // namespace

TEST_CASE("Sabre's link spends one latency, then bits across periods, and loops", "[sabre]") {
  sim::SabreLink link(std::vector<sim::SabreLink::Period>{{1.0, 1e6, 0.1}, {1.0, 2e6, 0.2}});
  CHECK(link.latency_s() == Approx(0.1));
  // 0.9 s left of the 1 Mbit/s period carry 0.9 Mbit; 0.6 Mbit at 2 Mbit/s take 0.3 s.
  CHECK(link.transfer_s(1.5e6) == Approx(1.2));
  CHECK(link.clock_s() == Approx(1.3));
  link.idle(0.6);  // 0.1 s left of the second period
  // Half of its 0.2 s latency fits; the other half unit costs 0.5 x 0.1 s
  // in the first period again (the trace loops).
  CHECK(link.latency_s() == Approx(0.15));
  CHECK(link.clock_s() == Approx(2.05));
  // A progress step: at least 12000 bits and 0.05 s (50000 bits at 1 Mbit/s).
  const auto step = link.transfer_step(1e6, 12000, 0.05);
  CHECK(step.bits == Approx(50000));
  CHECK(step.seconds == Approx(0.05));
  CHECK_THROWS_WITH(sim::SabreLink(std::vector<sim::SabreLink::Period>{{1.0, 0.0, 0.0}}),
                    Catch::Matchers::Contains("no period with both a duration and bandwidth"));
}

TEST_CASE("Sabre mode starts at rung 0, plays from the first segment and keeps a segment of room", "[sabre]") {
  // 1 s segments of 1 and 2 Mbit; 4 Mbit/s with 50 ms latency; a 3 s cap.
  const Manifest m = Manifest::synthetic({1e6, 2e6}, 1.0, 6, 0.0);
  const QoeModel q("lin", m);
  SimConfig c = SimConfig::sabre();
  c.max_buffer_s = 3.0;
  Fixed abr(1);
  const auto r = simulate(constant_link(4e6, 0.05), m, abr, c, q);
  REQUIRE(r.segments.size() == 6);
  CHECK(r.segments[0].rung == 0);
  CHECK(r.segments[0].download_time_s == Approx(0.30));  // 0.05 + 1 Mbit / 4 Mbit/s
  CHECK(r.stats.startup_delay_s == Approx(0.30));
  // Each later segment takes 0.55 s; buffer 1 -> 1.45 -> 1.9 -> 2.35 then
  // the player waits until one more segment fits under 3 s (2 s buffered).
  const std::vector<double> sleeps{0, 0, 0, 0.35, 0.45, 0};
  for (std::size_t i = 0; i < 6; ++i) {
    INFO("segment " << i);
    CHECK(r.segments[i].sleep_s == Approx(sleeps[i]).margin(1e-9));
    if (i > 0) CHECK(r.segments[i].download_time_s == Approx(0.55));
  }
  CHECK(r.segments.back().buffer_s == Approx(2.45));
  // The controller measures the throughput after the first byte.
  REQUIRE(abr.reports.size() == 6);
  CHECK(abr.reports[1].throughput_bps() == Approx(4e6));
  CHECK(abr.reports[1].download_time_s == Approx(0.55));
  // Sabre's metrics: played bitrate over start-up + media + stalls (6.3 s).
  CHECK(r.stats.rebuffer_s == 0);
  CHECK(r.stats.mean_bitrate_bps == Approx((1e6 + 5 * 2e6) / 6.3));
  CHECK(r.stats.sabre_score == Approx(5 * std::log(2.0) / 6.3));
}

TEST_CASE("Sabre mode counts stalls in its time-average bitrate and score", "[sabre]") {
  // 4 Mbit segments at 1 Mbit/s take 4 s each against 1 s buffered.
  const Manifest m = Manifest::synthetic({1e6, 4e6}, 1.0, 3, 0.0);
  const QoeModel q("lin", m);
  Fixed abr(1);
  const auto r = simulate(constant_link(1e6, 0.0), m, abr, SimConfig::sabre(), q);
  CHECK(r.segments[1].rebuffer_s == Approx(3.0));
  CHECK(r.stats.rebuffer_s == Approx(6.0));
  // 1 s start-up + 3 s media + 6 s stalls.
  CHECK(r.stats.mean_bitrate_bps == Approx((1e6 + 2 * 4e6) / 10.0));
  CHECK(r.stats.sabre_score == Approx((2 * std::log(4.0) - 5.0 * 6.0) / 10.0));
}

TEST_CASE("Sabre mode asks abandonment at its progress steps and restarts the request", "[sabre]") {
  const Manifest m = Manifest::synthetic({1e6, 4e6}, 1.0, 3, 0.0);
  const QoeModel q("lin", m);
  Fixed abr(1);
  abr.abandon_segment = 1;
  SECTION("for a lower rung") {
    abr.abandon_to = 0;
    const auto r = simulate(constant_link(1e6, 0.02), m, abr, SimConfig::sabre(), q);
    // First step: 20 ms latency, then 30 ms (30000 bits) to reach 50 ms.
    CHECK(abr.event.elapsed_s == Approx(0.05));
    CHECK(abr.event.first_byte_s == Approx(0.02));
    CHECK(abr.event.received_bytes == 3750);
    CHECK(abr.event.buffer_s == Approx(1.0 - 0.05));
    const auto& s = r.segments[1];
    CHECK(s.rung == 0);
    CHECK(s.abandoned_rung == 1);
    CHECK(s.abandoned_s == Approx(0.05));
    CHECK(s.download_time_s == Approx(0.05 + 0.02 + 1.0));
    // The report is the completed request's.
    CHECK(abr.reports[1].download_time_s == Approx(1.02));
    CHECK(abr.reports[1].rung == 0);
  }
  SECTION("for the same rung (Sabre decides anew and may keep it)") {
    abr.abandon_to = 1;
    const auto r = simulate(constant_link(1e6, 0.02), m, abr, SimConfig::sabre(), q);
    CHECK(r.segments[1].rung == 1);
    CHECK(r.segments[1].abandoned_rung == 1);
    CHECK(r.segments[1].download_time_s == Approx(0.05 + 0.02 + 4.0));
  }
}

TEST_CASE("Sabre's estimator and quality_from_throughput follow sabre.py", "[sabre]") {
  abr::SabreEstimator e(3.0);
  CHECK_FALSE(e.valid());
  e.push(1.0, 5e6, 0.02);
  // One sample: the zero-bias correction returns it unchanged.
  CHECK(e.throughput_bps() == Approx(5e6));
  CHECK(e.latency_s() == Approx(0.02));
  e.push(2.0, 1e6, 0.04);
  // Half-lives 3 s and 8 s over 3 s of downloads (min of the two), and 1
  // and 8/3 segments over 2 samples for latency (max of the two), computed
  // by hand from Sabre's Ewma.push.
  CHECK(e.throughput_bps() == Approx(2039684.1995794922));
  CHECK(e.latency_s() == Approx(0.0333333333333));
  const Manifest m = Manifest::synthetic({1e6, 2e6, 4e6}, 3.0, 4, 0.0);
  // 0.3 + 3 x 2/3 = 2.3 s fits a 3 s segment; 0.3 + 3 x 4/3 = 4.3 s does not.
  CHECK(abr::sabre_quality_from_throughput(m, 3e6, 0.3) == 1);
  CHECK(abr::sabre_quality_from_throughput(m, 3e6, 1.1) == 0);
}

TEST_CASE("The sabre presets build, and unknown presets are refused", "[sabre]") {
  const Manifest& m = test::envivio_ladder();
  for (const char* spec : {"bola:preset=sabre", "bola:preset=sabre_e", "dynamic:preset=sabre", "rate:preset=sabre"}) {
    INFO(spec);
    CHECK(make_abr(spec, m) != nullptr);
  }
  CHECK_THROWS_WITH(make_abr("bola:preset=dashjs", m), Catch::Matchers::Contains("preset='dashjs'"));
  CHECK_THROWS_WITH(make_abr("rate:preset=x", m), Catch::Matchers::Contains("preset='x'"));
  CHECK_THROWS_WITH(make_abr("dynamic:preset=x", m), Catch::Matchers::Contains("preset='x'"));
  CHECK(SimConfig::from_name("sabre").mode == SimMode::sabre);
}

TEST_CASE("Sabre mode matches Sabre's output on every sabre-4g trace", "[sabre][.data]") {
  const auto root = test::require_data({"traces/sabre-4g", "video/bbb-sabre/movie.json"});
  if (root.empty()) return;
  const auto csv = std::filesystem::path(__FILE__).parent_path() / "data" / "sabre_reference.csv";
  std::ifstream in(csv);
  REQUIRE(in.good());
  const Manifest m = Manifest::load(root / "video/bbb-sabre/movie.json");
  const QoeModel q("lin", m);
  const std::map<std::string, std::string> specs{{"bola", "bola:preset=sabre"},
                                                 {"bolae", "bola:preset=sabre_e"},
                                                 {"dynamic", "dynamic:preset=sabre"},
                                                 {"throughput", "rate:preset=sabre"}};
  std::string line;
  std::size_t rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("algorithm,", 0) == 0) continue;
    std::istringstream fields(line);
    std::string algorithm, trace, bitrate, rebuffer;
    std::getline(fields, algorithm, ',');
    std::getline(fields, trace, ',');
    std::getline(fields, bitrate, ',');
    std::getline(fields, rebuffer, ',');
    INFO(algorithm << " on " << trace);
    REQUIRE(specs.count(algorithm) == 1);
    auto abr = make_abr(specs.at(algorithm), m);
    const auto r = simulate(read_trace(root / "traces/sabre-4g" / trace), m, *abr, SimConfig::sabre(), q);
    const double sabre_bps = std::stod(bitrate) * 1000.0;
    CHECK(std::abs(r.stats.mean_bitrate_bps - sabre_bps) <= 0.01 * sabre_bps);
    CHECK(std::abs(r.stats.rebuffer_s - std::stod(rebuffer)) <= 0.05);
    ++rows;
  }
  CHECK(rows == 160);
}
