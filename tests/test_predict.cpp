#include <catch2/catch.hpp>
#include <cmath>

#include "streamopt/streamopt.hpp"

using namespace streamopt;

namespace {
// A download of `bytes` that took `seconds`: throughput = bytes * 8 / seconds.
DownloadReport sample(double mbps, double seconds = 1.0) {
  DownloadReport r;
  r.size_bytes = static_cast<std::uint64_t>(mbps * 1e6 / 8.0 * seconds);
  r.download_time_s = seconds;
  return r;
}
}  // namespace

TEST_CASE("Predictors are invalid before the first sample and ignore empty reports", "[predict]") {
  for (const auto& [name, summary] : Registry::builtin().predictor_names()) {
    auto p = make_predictor(name);
    CHECK_FALSE(p->predict().valid);
    p->observe(DownloadReport{});  // zero time
    CHECK_FALSE(p->predict().valid);
    p->observe(sample(2.0));
    CHECK(p->predict().valid);
    CHECK(p->predict().conservative_bps <= p->predict().estimate_bps);
    p->reset();
    CHECK_FALSE(p->predict().valid);
  }
}

TEST_CASE("Last sample predicts the latest rate, and its conservative value is the window minimum", "[predict]") {
  auto p = make_predictor("last");
  for (double v : {3.0, 1.0, 4.0, 2.0}) p->observe(sample(v));
  CHECK(p->predict().estimate_bps == Approx(2e6));
  CHECK(p->predict().conservative_bps == Approx(1e6));
}

TEST_CASE("Harmonic mean uses only the last N samples", "[predict]") {
  auto p = make_predictor("harmonic:window=3");
  for (double v : {100.0, 1.0, 2.0, 4.0}) p->observe(sample(v));
  // 3 / (1/1 + 1/2 + 1/4) = 3 / 1.75
  CHECK(p->predict().estimate_bps == Approx(3.0 / 1.75 * 1e6));
  CHECK(p->predict().conservative_bps == Approx(1e6));
}

TEST_CASE("EWMA corrects the zero start and takes the minimum of fast and slow", "[predict]") {
  auto p = make_predictor("ewma:fast_half_life_s=1,slow_half_life_s=4,safety=0.5");
  p->observe(sample(8.0, 1.0));
  // One sample: both bias-corrected averages equal it.
  CHECK(p->predict().estimate_bps == Approx(8e6));
  p->observe(sample(2.0, 1.0));
  // fast: a=0.5 -> raw 0.5*4+0.5*2=... computed in bps below.
  const double af = 0.5, as = std::pow(0.5, 0.25);
  const double fast = ((1 - af) * 8e6 * af + (1 - af) * 2e6) / (1 - std::pow(0.5, 2.0));
  const double slow = ((1 - as) * 8e6 * as + (1 - as) * 2e6) / (1 - std::pow(0.5, 0.5));
  CHECK(p->predict().estimate_bps == Approx(std::min(fast, slow)));
  CHECK(p->predict().estimate_bps == Approx(fast));  // the fast one reacts to the drop
  CHECK(p->predict().conservative_bps == Approx(0.5 * fast));
}

TEST_CASE("Sliding percentile returns the weighted median and a lower percentile", "[predict]") {
  auto p = make_predictor("percentile:max_weight=100000,percentile=0.5,conservative_percentile=0.2");
  // Equal byte counts give equal weights.
  for (double v : {5.0, 1.0, 3.0, 4.0, 2.0}) p->observe(sample(v, 10.0 / v));
  CHECK(p->predict().estimate_bps == Approx(3e6));
  CHECK(p->predict().conservative_bps == Approx(1e6));
}

TEST_CASE("Sliding percentile forgets the oldest weight beyond its cap", "[predict]") {
  auto p = make_predictor("percentile:max_weight=1000");
  // sqrt(250000) = 500 per sample: only the last two samples fit.
  p->observe(sample(0.1, 20.0));   // 250000 bytes at 0.1 Mbps
  p->observe(sample(10.0, 0.2));   // 250000 bytes at 10 Mbps
  p->observe(sample(20.0, 0.1));   // 250000 bytes at 20 Mbps
  CHECK(p->predict().estimate_bps == Approx(10e6));
  CHECK(p->predict().conservative_bps == Approx(10e6));
}

TEST_CASE("The robust wrapper divides by one plus the largest recent error", "[predict]") {
  auto p = make_predictor("robust:inner=last,error_window=2");
  p->observe(sample(2.0));  // error 0 (nothing predicted yet)
  CHECK(p->predict().conservative_bps == Approx(2e6));
  p->observe(sample(1.0));  // predicted 2, got 1: error 1.0
  CHECK(p->predict().estimate_bps == Approx(1e6));
  CHECK(p->predict().conservative_bps == Approx(0.5e6));
  p->observe(sample(1.0));  // error 0; window {1.0, 0}
  CHECK(p->predict().conservative_bps == Approx(0.5e6));
  p->observe(sample(1.0));  // window {0, 0}
  CHECK(p->predict().conservative_bps == Approx(1e6));
}

TEST_CASE("The robust wrapper keeps its error history across sessions only when asked", "[predict]") {
  auto fresh = make_predictor("robust:inner=last");
  auto carry = make_predictor("robust:inner=last,carry_history=true");
  for (auto* p : {fresh.get(), carry.get()}) {
    p->observe(sample(4.0));
    p->observe(sample(1.0));  // error 3
    p->reset();
    p->observe(sample(1.0));
  }
  CHECK(fresh->predict().conservative_bps == Approx(1e6));
  // carry: errors {3, 0 (|1-1|/1)} -> 1 / (1 + 3)
  CHECK(carry->predict().conservative_bps == Approx(0.25e6));
}

TEST_CASE("EWMA refuses half-lives whose weights round away, and never predicts NaN", "[predict]") {
  CHECK_THROWS_WITH(make_predictor("ewma:fast_half_life_s=1e20"), Catch::Matchers::Contains("half-lives must be in"));
  CHECK_THROWS_WITH(make_predictor("ewma:slow_half_life_s=0"), Catch::Matchers::Contains("half-lives must be in"));
  // The fuzzer's case at the largest accepted half-life: a finite estimate.
  auto p = make_predictor("ewma:fast_half_life_s=1e4,slow_half_life_s=1e4");
  p->observe({0, 0, 162155, 0.0, 0.101355});
  const Prediction pr = p->predict();
  REQUIRE(pr.valid);
  CHECK(pr.estimate_bps == Approx(162155 * 8.0 / 0.101355).epsilon(1e-6));
}
