// The registry and its build context: user parts reach built-in controllers,
// nesting is bounded, MPC plans with the session's QoE model.
#include <catch2/catch.hpp>

#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

TEST_CASE("A copied registry accepts user algorithms without touching the built-in one", "[core][registry]") {
  Registry mine = Registry::builtin();
  mine.add_abr("top", "always the top rung", [](const BuildContext& context, const OptionMap&) {
    return context.make_abr("fixed:rung=" + std::to_string(context.manifest().rung_count() - 1));
  });
  const Manifest m = Manifest::synthetic_default();
  CHECK(mine.make_abr("top", m)->decide({}).rung == 5);
  CHECK_THROWS(make_abr("top", m));
  CHECK_THROWS_WITH(mine.add_abr("top", "", [](const BuildContext&, const OptionMap&) { return nullptr; }),
                    Contains("taken"));
  CHECK_THROWS_WITH(mine.add_abr("a:b", "", [](const BuildContext&, const OptionMap&) { return nullptr; }),
                    Contains("':,;='"));
  CHECK_THROWS_WITH(mine.add_abr("nothing", "", {}), Contains("no factory"));
}

namespace {
// A predictor that always predicts a fixed rate and counts what it saw.
class ConstantPredictor final : public ThroughputPredictor {
 public:
  explicit ConstantPredictor(double rate_bps) : rate_bps_(rate_bps) {}
  void observe(const DownloadReport&) override { seen_ = true; }
  [[nodiscard]] Prediction predict() const override {
    if (!seen_) return {};
    return {rate_bps_, rate_bps_, true};
  }
  void reset() override { seen_ = false; }
  [[nodiscard]] std::string name() const override { return "constant"; }

 private:
  double rate_bps_;
  bool seen_ = false;
};

Registry with_constant_predictor() {
  Registry mine = Registry::builtin();
  mine.add_predictor("constant", "always rate_bps", [](const BuildContext&, const OptionMap& o) {
    return std::make_unique<ConstantPredictor>(o.get_double("rate_bps", 1e6));
  });
  return mine;
}

Decision decide_after_one_download(AbrController& abr, const Manifest& m, double buffer_s) {
  abr.on_download({0, 0, m.segment_size_bytes(0, 0), 0.0, 4.0});
  return abr.decide({4.0, buffer_s, 1, m.segment_count() - 1, 0, false});
}
}  // namespace

TEST_CASE("A predictor registered in a copied registry drives MPC, rate and BOLA built from it",
          "[core][registry]") {
  const Registry mine = with_constant_predictor();
  const auto m = std::make_shared<const Manifest>(Manifest::synthetic_default());
  // The last download says 0.3 Mbps (rung 0 size over 4 s); the user's
  // predictor says otherwise, and the controllers must follow it.
  for (const char* spec : {"mpc:predictor=constant:rate_bps=5e6", "robust_mpc:predictor=constant:rate_bps=5e6",
                           "rate:predictor=constant:rate_bps=5e6", "dynamic:predictor=constant:rate_bps=5e6"}) {
    INFO(spec);
    auto abr = mine.make_abr(spec, m);
    const Decision d = decide_after_one_download(*abr, *m, 20.0);
    CHECK(d.reasons.estimate_bps == 5e6);
    CHECK(d.rung >= 4);
  }
  auto slow = mine.make_abr("mpc:predictor=constant:rate_bps=2e5", m);
  CHECK(decide_after_one_download(*slow, *m, 20.0).rung == 0);
  // The built-in registry does not know it.
  CHECK_THROWS_WITH(Registry::builtin().make_abr("mpc:predictor=constant", m), Contains("unknown throughput predictor 'constant'"));
}

TEST_CASE("MPC takes any built-in predictor and plans with the session's QoE model", "[core][registry]") {
  const auto m = std::make_shared<const Manifest>(Manifest::synthetic_default());
  for (const char* spec : {"mpc:predictor=last", "robust_mpc:predictor=ewma", "mpc:predictor=percentile",
                           "robust_mpc:predictor=harmonic:window=3"}) {
    INFO(spec);
    auto abr = make_abr(spec, m);
    CHECK(decide_after_one_download(*abr, *m, 10.0).rung < m->rung_count());
  }
  // On a fast link with a deep buffer the plan is the top rung at every
  // step, and its value is in the session model's units: 5 x 4.3 Mbps under
  // QoE_lin, 5 x 20 under QoE_hd (utilities 1, 2, 3, 12, 15, 20).
  auto lin = make_abr("mpc", m, "lin");
  auto hd = make_abr("mpc", m, "hd");
  const auto report = DownloadReport{0, 5, 2'150'000, 0.0, 0.5};  // 34 Mbps
  lin->on_download(report);
  hd->on_download(report);
  const PlayerState state{4.0, 30.0, 1, m->segment_count() - 1, 5, false};
  const Decision by_lin = lin->decide(state);
  const Decision by_hd = hd->decide(state);
  CHECK(by_lin.rung == 5);
  CHECK(by_hd.rung == 5);
  CHECK(by_lin.reasons.objective == Approx(5 * 4.3));
  CHECK(by_hd.reasons.objective == Approx(5 * 20.0));
  CHECK_THROWS_WITH(make_abr("mpc:qoe=log", m), Contains("qoe"));
  CHECK_THROWS_WITH(make_abr("robust_mpc:preset=pensieve", m, "log"), Contains("QoE_lin"));
}

TEST_CASE("Nested specs are bounded in depth and length", "[core][registry]") {
  const auto m = std::make_shared<const Manifest>(Manifest::synthetic_default());
  std::string spec = "harmonic";
  // rate (depth 0) > 7 robust wrappers (1..7) > harmonic (8): at the limit.
  for (int i = 0; i < 7; ++i) spec = "robust:inner=" + spec;
  CHECK_NOTHROW(make_abr("rate:predictor=" + spec, m));
  for (int i = 0; i < 200; ++i) spec = "robust:inner=" + spec;
  CHECK_THROWS_WITH(make_abr("rate:predictor=" + spec, m), Contains("nested"));
  CHECK_THROWS_WITH(make_predictor(std::string(kMaxSpecLength + 1, 'a')), Contains("longer than the limit"));
}

TEST_CASE("The empirical fetch-time predictor gives each recent rate an equal share", "[core][registry][ttp]") {
  auto ttp = Registry::builtin().make_fetch_time("empirical:window=2");
  CHECK_FALSE(ttp->ready());
  CHECK(ttp->predict(1000).time_s.empty());
  ttp->observe({0, 0, 500'000, 0.0, 1.0});  // 4 Mbps
  ttp->observe({1, 0, 125'000, 1.0, 1.0});  // 1 Mbps
  ttp->observe({2, 0, 0, 2.0, 1.0});        // nothing received: ignored
  REQUIRE(ttp->ready());
  const FetchTimeDistribution d = ttp->predict(1'000'000);  // 8 Mbit
  REQUIRE(d.time_s.size() == 2);
  CHECK(d.time_s[0] == Approx(2.0));
  CHECK(d.time_s[1] == Approx(8.0));
  CHECK(d.expected_s() == Approx(5.0));
  CHECK(ttp->expected_s(1'000'000) == Approx(5.0));
  CHECK(d.quantile_s(0.5) == Approx(2.0));
  CHECK(d.quantile_s(0.9) == Approx(8.0));
  ttp->observe({3, 0, 1'000'000, 3.0, 1.0});  // 8 Mbps pushes 4 Mbps out of the window
  CHECK(ttp->predict(1'000'000).time_s.front() == Approx(1.0));
}

TEST_CASE("MPC over expected fetch times of the empirical predictor decides as MPC over the harmonic mean",
          "[core][registry][ttp]") {
  // size / harmonic mean of rates = mean of size / rate: the same plan.
  const auto m = std::make_shared<const Manifest>(Manifest::synthetic_default());
  auto by_rate = make_abr("mpc", m);
  auto by_time = make_abr("mpc:ttp=empirical:window=5", m);
  double t = 0;
  std::size_t last = 0;
  for (std::size_t k = 0; k < 30; ++k) {
    const double mbps = (k % 3 == 0) ? 0.4 : (k % 3 == 1 ? 3.0 : 1.2);
    const PlayerState state{t, 5.0 + static_cast<double>(k % 7), k, m->segment_count() - k, k ? last : kNoRung, false};
    const Decision a = by_rate->decide(state);
    const Decision b = by_time->decide(state);
    INFO("segment " << k);
    REQUIRE(a.rung == b.rung);
    const auto size = m->segment_size_bytes(k, a.rung);
    const DownloadReport report{k, a.rung, size, t, static_cast<double>(size) * 8.0 / (mbps * 1e6)};
    by_rate->on_download(report);
    by_time->on_download(report);
    t += report.download_time_s;
    last = a.rung;
  }
  CHECK_THROWS_WITH(make_abr("robust_mpc:ttp=empirical", m), Contains("ttp"));
}

TEST_CASE("A fetch-time predictor registered in a copied registry drives MPC", "[core][registry][ttp]") {
  class Fixed final : public TransmissionTimePredictor {
   public:
    explicit Fixed(double seconds) : seconds_(seconds) {}
    void observe(const DownloadReport&) override {}
    [[nodiscard]] bool ready() const override { return true; }
    [[nodiscard]] FetchTimeDistribution predict(std::uint64_t) const override { return {{seconds_}, {1.0}}; }
    void reset() override {}
    [[nodiscard]] std::string name() const override { return "fixed"; }

   private:
    double seconds_;
  };
  Registry mine = Registry::builtin();
  mine.add_fetch_time("fixed", "every fetch takes seconds", [](const BuildContext&, const OptionMap& o) {
    return std::make_unique<Fixed>(o.get_double("seconds", 1.0));
  });
  const auto m = std::make_shared<const Manifest>(Manifest::synthetic_default());
  const PlayerState state{0.0, 8.0, 1, m->segment_count() - 1, 2, false};
  // Every rung takes the same time: the best utility wins.
  CHECK(mine.make_abr("mpc:ttp=fixed:seconds=0.5", m)->decide(state).rung == 5);
  // The rate it reports is the one the fetch time implies for the bottom rung.
  const auto bottom_bytes = static_cast<double>(m->segment_size_bytes(1, 0));
  CHECK(mine.make_abr("mpc:ttp=fixed:seconds=0.5", m)->decide(state).reasons.estimate_bps ==
        Approx(bottom_bytes * 8.0 / 0.5));
  CHECK_THROWS_WITH(make_abr("mpc:ttp=fixed", m), Contains("unknown fetch-time predictor 'fixed'"));
}
