#include <catch2/catch.hpp>
#include <cmath>

#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {
const Manifest& ladder() {
  static const Manifest m = Manifest::synthetic({300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3}, 4.0, 10, 0.0);
  return m;
}
}  // namespace

TEST_CASE("QoE_lin is Mbps minus 4.3 per stall second minus Mbps switched", "[qoe]") {
  const QoeModel q("lin", ladder());
  const QoeTerms t = q.segment(4, 1, 3, 0.5);
  CHECK(t.utility == Approx(2.85));
  CHECK(t.rebuffer_penalty == Approx(4.3 * 0.5));
  CHECK(t.smoothness_penalty == Approx(2.1));
  CHECK(t.total == Approx(2.85 - 2.15 - 2.1));
  CHECK(q.segment(1, kNoRung, 0, 0).smoothness_penalty == 0);
}

TEST_CASE("QoE_log and QoE_hd follow the MPC paper", "[qoe]") {
  const QoeModel log("log", ladder());
  CHECK(log.utility(0, 0) == Approx(0.0));
  CHECK(log.utility(5, 0) == Approx(std::log(4300.0 / 300.0)));
  CHECK(log.rebuffer_penalty_per_s() == Approx(2.66));
  const QoeModel hd("hd", ladder());
  CHECK(hd.utility(3, 0) == 12);
  CHECK(hd.rebuffer_penalty_per_s() == 8);
  CHECK(hd.segment(5, 4, 0, 1.0).total == Approx(20 - 8 - 5));
  const QoeModel custom("lin:rebuffer=10,smoothness=0", ladder());
  CHECK(custom.segment(5, 0, 0, 1.0).total == Approx(4.3 - 10));
}

TEST_CASE("Quality QoE uses the manifest's per-segment scores", "[qoe]") {
  const Manifest m({{1e6, 0, 0, ""}, {2e6, 0, 0, ""}}, 2.0, 2, {}, {{70, 80}, {60, 90}});
  const QoeModel q("quality:rebuffer=5", m);
  CHECK(q.utility(1, 1) == 90);
  CHECK(q.segment(1, 0, 1, 0.0).smoothness_penalty == Approx(30));
  CHECK_THROWS_WITH(QoeModel("quality", ladder()), Contains("no per-segment quality"));
}

TEST_CASE("Bad QoE specs are rejected", "[qoe]") {
  CHECK_THROWS_WITH(QoeModel("nope", ladder()), Contains("unknown QoE model"));
  CHECK_THROWS_WITH(QoeModel("hd:utilities=1/2", ladder()), Contains("2 utilities for a 6-rung"));
  CHECK_THROWS_WITH(QoeModel("lin:rebuffer=-1", ladder()), Contains(">= 0"));
  CHECK_THROWS_WITH(QoeModel("lin:weight=2", ladder()), Contains("unknown option"));
}

TEST_CASE("Session statistics follow the Pensieve convention of skipping the first segment", "[qoe]") {
  const QoeModel q("lin", ladder());
  std::vector<SegmentRecord> recs(3);
  const std::size_t rungs[] = {1, 3, 3};
  const double stalls[] = {2.0, 0.5, 0.0};
  for (std::size_t i = 0; i < 3; ++i) {
    recs[i].rung = rungs[i];
    recs[i].bitrate_bps = ladder().bitrate_bps(rungs[i]);
    recs[i].rebuffer_s = stalls[i];
    recs[i].qoe = q.segment(rungs[i], i ? rungs[i - 1] : kNoRung, i, stalls[i]);
  }
  const SessionStats s = summarize(recs, ladder(), 2.0);
  // By hand: 0.75 - 4.3 x 2 = -7.85; 1.85 - 4.3 x 0.5 - 1.1 = -1.4; 1.85.
  CHECK(s.qoe_sum == Approx(-7.85 - 1.4 + 1.85));
  CHECK(s.qoe_sum_pensieve == Approx(-1.4 + 1.85));
  CHECK(s.qoe_per_segment == Approx(0.45 / 2));
  CHECK(s.rebuffer_s == Approx(0.5));
  CHECK(s.rebuffer_ratio == Approx(0.5 / 12.5));
  CHECK(s.switches == 1);
  CHECK(s.mean_switch_bps == Approx(1.1e6));
  CHECK(s.mean_bitrate_bps == Approx((750e3 + 2 * 1850e3) / 3));
  CHECK(s.startup_delay_s == 2.0);
  // Segments 2..N: utility (1.85 + 1.85) / 2, rebuffering 2.15 / 2, switching 1.1 / 2.
  CHECK(s.utility_per_segment == Approx(1.85));
  CHECK(s.rebuffer_penalty_per_segment == Approx(2.15 / 2));
  CHECK(s.smoothness_penalty_per_segment == Approx(1.1 / 2));
}
