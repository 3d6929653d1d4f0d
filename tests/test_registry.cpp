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
