// The learned throughput predictors in the engine: their features on
// hand-made histories, the tree ensemble and MLP evaluators behind the
// registry (model=FILE), the checks on model files, and the sessions the
// predictors are scored on.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "model/mlp.hpp"
#include "model/tree_ensemble.hpp"
#include "predict/learned_features.hpp"
#include "predict/learned_predictor.hpp"
#include "sim/download_reports.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/simulator.hpp"

using namespace streamopt;
using streamopt::test::TempDir;

namespace {

// A download of `megabytes` MB taking `seconds`, starting at `start_s`.
DownloadReport download(double megabytes, double seconds, double start_s, std::size_t segment = 0) {
  DownloadReport r;
  r.segment = segment;
  r.size_bytes = static_cast<std::uint64_t>(megabytes * 1e6);
  r.download_time_s = seconds;
  r.start_time_s = start_s;
  return r;
}

float feature(const std::vector<float>& row, const std::string& name) {
  const auto& names = predict::predictor_feature_names();
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return row[static_cast<std::size_t>(it - names.begin())];
}

// A one-split tree: feature `f` < threshold -> left_value, else right_value.
model::TreeArrays stump(int f, float threshold, float left_value, float right_value, float base) {
  model::TreeArrays t;
  t.base_score = base;
  t.offsets = {0, 3};
  t.feature = {f, 0, 0};
  t.left = {1, -1, -1};
  t.right = {2, -1, -1};
  t.default_left = {1, 0, 0};
  t.value = {threshold, left_value, right_value};
  return t;
}

std::filesystem::path write_tree_model(const TempDir& dir, const std::string& algorithm,
                                       const model::TreeArrays& t) {
  model::ModelFile file;
  predict::write_predictor_header(file, algorithm);
  model::write_trees(file, "trees", t);
  const auto path = dir.path() / (algorithm + ".sopt");
  file.save(path);
  return path;
}

}  // namespace

TEST_CASE("Predictor features of one download repeat it in every lag", "[learned_predictors]") {
  std::deque<DownloadReport> history{download(1.0, 1.0, 0.0)};  // 8 Mbit/s
  std::vector<float> row;
  predict::predictor_features(history, row);
  REQUIRE(row.size() == predict::predictor_feature_count());
  for (int lag = 1; lag <= 8; ++lag) {
    CHECK(feature(row, "log_tput_" + std::to_string(lag)) == Approx(std::log(8.0)));
    CHECK(feature(row, "log_time_" + std::to_string(lag)) == Approx(0.0).margin(1e-6));
    CHECK(feature(row, "log_size_" + std::to_string(lag)) == Approx(0.0).margin(1e-6));
  }
  CHECK(feature(row, "count") == Approx(1.0 / 8));
  CHECK(feature(row, "gap_s") == 0.0F);
  CHECK(feature(row, "log_hm5") == Approx(std::log(8.0)));
  CHECK(feature(row, "log_std8") == Approx(0.0).margin(1e-6));
}

TEST_CASE("Predictor features of a short history: lags, gap, harmonic mean and spread",
          "[learned_predictors]") {
  // 8 Mbit/s, then after 0.5 s idle 2 Mbit/s (1 MB in 4 s).
  std::deque<DownloadReport> history{download(1.0, 1.0, 0.0), download(1.0, 4.0, 1.5)};
  std::vector<float> row;
  predict::predictor_features(history, row);
  CHECK(feature(row, "log_tput_1") == Approx(std::log(2.0)));
  CHECK(feature(row, "log_tput_2") == Approx(std::log(8.0)));
  CHECK(feature(row, "log_tput_3") == Approx(std::log(8.0)));  // padded with the oldest
  CHECK(feature(row, "log_time_1") == Approx(std::log(4.0)));
  CHECK(feature(row, "count") == Approx(2.0 / 8));
  CHECK(feature(row, "gap_s") == Approx(0.5));
  CHECK(feature(row, "log_hm5") == Approx(std::log(3.2)));  // 2 / (1/8 + 1/2)
  CHECK(feature(row, "log_min8") == Approx(std::log(2.0)));
  CHECK(feature(row, "log_max8") == Approx(std::log(8.0)));
  CHECK(feature(row, "log_std8") == Approx(std::log(4.0) / 2));
  CHECK(feature(row, "log_ewma_fast") == Approx(0.5 * std::log(2.0) + 0.5 * std::log(8.0)));
}

TEST_CASE("Predictor features keep the last 8 usable downloads and refuse an empty history",
          "[learned_predictors]") {
  std::deque<DownloadReport> history;
  std::vector<float> row;
  CHECK_THROWS_WITH(predict::predictor_features(history, row),
                    Catch::Contains("no usable download"));
  for (int i = 0; i < 12; ++i) history.push_back(download(1.0, 1.0 + i, 20.0 * i));
  history.push_back(download(0.0, 1.0, 300.0));  // no bytes: not a sample
  predict::predictor_features(history, row);
  CHECK(feature(row, "log_time_1") == Approx(std::log(12.0)));
  CHECK(feature(row, "log_time_8") == Approx(std::log(5.0)));
  CHECK(feature(row, "count") == Approx(1.0));
}

TEST_CASE("A tree ensemble follows thresholds, missing values and sums its trees",
          "[learned_predictors]") {
  model::TreeArrays t = stump(1, 0.5F, -1.0F, 2.0F, 0.25F);
  // A second tree: a two-level one on feature 0.
  t.offsets.push_back(8);
  for (int v : {0, 0, 0, 0, 0}) t.feature.push_back(v);
  for (int v : {1, 3, -1, -1, -1}) t.left.push_back(v);
  for (int v : {2, 4, -1, -1, -1}) t.right.push_back(v);
  for (int v : {0, 0, 0, 0, 0}) t.default_left.push_back(v);
  for (float v : {10.0F, 5.0F, 100.0F, 1.0F, 3.0F}) t.value.push_back(v);
  model::ModelFile file;
  model::write_trees(file, "trees", t);
  const model::TreeEnsemble trees(file, "trees", 2);
  CHECK(trees.tree_count() == 2);
  const float nan = std::nanf("");
  CHECK(trees.predict(std::vector<float>{1.0F, 0.0F}) == Approx(0.25 - 1.0 + 1.0));
  CHECK(trees.predict(std::vector<float>{7.0F, 0.5F}) ==
        Approx(0.25 + 2.0 + 3.0));  // 0.5 is not < 0.5
  CHECK(trees.predict(std::vector<float>{12.0F, nan}) ==
        Approx(0.25 - 1.0 + 100.0));  // NaN: default left
  CHECK(trees.predict(std::vector<float>{nan, 1.0F}) ==
        Approx(0.25 + 2.0 + 100.0));  // NaN: default right
}

TEST_CASE("Malformed trees are refused with the file and node named", "[learned_predictors]") {
  model::ModelFile file;
  model::TreeArrays t = stump(0, 0.5F, 1.0F, 2.0F, 0.0F);
  SECTION("a child before its parent") { t.left[0] = 0; }
  SECTION("a feature out of range") { t.feature[0] = 7; }
  SECTION("a non-finite leaf") { t.value[2] = INFINITY; }
  model::write_trees(file, "trees", t);
  CHECK_THROWS_WITH(model::TreeEnsemble(file, "trees", 3), Catch::Contains("tree 0 node"));
}

TEST_CASE("gbdt:model=FILE predicts exp of its trees through the registry",
          "[learned_predictors]") {
  TempDir dir;
  // Below 2 Mbit/s on the last download predict 1 Mbit/s, else 4 Mbit/s.
  const auto path = write_tree_model(
      dir, "gbdt",
      stump(0, static_cast<float>(std::log(2.0)), 0.0F, static_cast<float>(std::log(4.0)), 0.0F));
  auto p = make_predictor("gbdt:model=" + path.string());
  CHECK(p->name() == "gbdt");
  CHECK_FALSE(p->predict().valid);
  p->observe(download(1.0, 8.0, 0.0));  // 1 Mbit/s
  CHECK(p->predict().valid);
  CHECK(p->predict().estimate_bps == Approx(1e6));
  CHECK(p->predict().conservative_bps == Approx(1e6));  // no error seen yet
  p->observe(download(1.0, 1.0, 10.0));  // 8 Mbit/s: predicted 1, error 7/8 of actual
  CHECK(p->predict().estimate_bps == Approx(4e6));
  CHECK(p->predict().conservative_bps == Approx(4e6 / (1.0 + 7.0 / 8.0)));
  p->reset();
  CHECK_FALSE(p->predict().valid);
}

TEST_CASE("mlp:model=FILE runs the stored MLP through the registry", "[learned_predictors]") {
  TempDir dir;
  const std::size_t n = predict::predictor_feature_count();
  model::ModelFile file;
  predict::write_predictor_header(file, "mlp");
  // Output = ln 3 + 0 x features: always 3 Mbit/s.
  model::write_mlp(file, "mlp", std::vector<float>(n, 0.0F), std::vector<float>(n, 1.0F),
                   {std::vector<float>(n, 0.0F)}, {{static_cast<float>(std::log(3.0))}});
  file.save(dir.path() / "m.sopt");
  auto p = make_predictor("mlp:model=" + (dir.path() / "m.sopt").string());
  p->observe(download(1.0, 1.0, 0.0));
  CHECK(p->predict().estimate_bps == Approx(3e6));
}

TEST_CASE("ttp:model=FILE turns the stored logits into fetch times for the size", "[learned_predictors]") {
  TempDir dir;
  const std::size_t n = predict::predictor_feature_count() + 1;  // + ln(size)
  model::ModelFile file;
  predict::write_predictor_header(file, "ttp", predict::kFetchTimeModelKind);
  // Constant logits ln 0.2, ln 0.3, ln 0.5 over rates 1, 2 and 4 Mbit/s.
  model::write_mlp(file, "ttp", std::vector<float>(n, 0.0F), std::vector<float>(n, 1.0F),
                   {std::vector<float>(3 * n, 0.0F)},
                   {{static_cast<float>(std::log(0.2)), static_cast<float>(std::log(0.3)),
                     static_cast<float>(std::log(0.5))}});
  file.set_floats("bin_rate_bps", {3}, {1e6F, 2e6F, 4e6F});
  const auto path = dir.path() / "ttp.sopt";
  file.save(path);
  auto ttp = Registry::builtin().make_fetch_time("ttp:model=" + path.string());
  CHECK_FALSE(ttp->ready());
  CHECK(ttp->predict(1000000).time_s.empty());
  ttp->observe(download(1.0, 1.0, 0.0));
  REQUIRE(ttp->ready());
  const FetchTimeDistribution d = ttp->predict(1000000);  // 8 Mbit
  REQUIRE(d.time_s.size() == 3);
  CHECK(d.time_s[0] == Approx(2.0));  // ascending times: the fastest rate first
  CHECK(d.time_s[2] == Approx(8.0));
  CHECK(d.probability[0] == Approx(0.5));
  CHECK(d.probability[2] == Approx(0.2));
  CHECK(ttp->expected_s(2000000) == Approx(2 * (0.5 * 2 + 0.3 * 4 + 0.2 * 8)));
  ttp->reset();
  CHECK_FALSE(ttp->ready());

  file.set_floats("bin_rate_bps", {3}, {1e6F, 4e6F, 2e6F});
  file.save(path);
  CHECK_THROWS_WITH(Registry::builtin().make_fetch_time("ttp:model=" + path.string()), Catch::Contains("ascend"));
  file.set_floats("bin_rate_bps", {2}, {1e6F, 2e6F});
  file.save(path);
  CHECK_THROWS_WITH(Registry::builtin().make_fetch_time("ttp:model=" + path.string()),
                    Catch::Contains("one logit per bin"));
  predict::write_predictor_header(file, "ttp");  // a throughput predictor's kind
  file.save(path);
  CHECK_THROWS_WITH(Registry::builtin().make_fetch_time("ttp:model=" + path.string()), Catch::Contains("kind"));
}

TEST_CASE("Learned predictors refuse another algorithm's or feature set's model",
          "[learned_predictors]") {
  TempDir dir;
  const auto path = write_tree_model(dir, "gbdt", stump(0, 0.0F, 0.0F, 1.0F, 0.0F));
  CHECK_THROWS_WITH(make_predictor("rf:model=" + path.string()),
                    Catch::Contains("gbdt predictor, expected rf"));
  model::ModelFile file = model::ModelFile::load(path);
  file.set_text("feature_version", "99");
  file.save(path);
  CHECK_THROWS_WITH(make_predictor("gbdt:model=" + path.string()),
                    Catch::Contains("feature set (version 99)"));
  file.set_text("kind", "rung_policy");
  file.save(path);
  CHECK_THROWS_WITH(make_predictor("gbdt:model=" + path.string()), Catch::Contains("kind"));
  CHECK_THROWS_WITH(make_predictor("gbdt:model=" + (dir.path() / "missing.sopt").string()),
                    Catch::Contains("missing.sopt"));
}

TEST_CASE("play_reports returns the reports the controller got, one per segment",
          "[learned_predictors]") {
  const Manifest manifest = Manifest::synthetic_default(3);
  MarkovTraceOptions o;
  o.duration_s = 200;
  const NetworkTrace trace = synth_markov(o, 5);
  auto abr = make_abr("robust_mpc", manifest);
  const QoeModel qoe("lin", manifest);
  const auto session = sim::play_reports(trace, manifest, *abr, SimConfig::pensieve(), qoe);
  const SessionResult reference = simulate(trace, manifest, *abr, SimConfig::pensieve(), qoe);
  REQUIRE(session.reports.size() == reference.segments.size());
  for (std::size_t i = 0; i < session.reports.size(); ++i) {
    CHECK(session.reports[i].segment == reference.segments[i].segment);
    CHECK(session.reports[i].size_bytes == reference.segments[i].size_bytes);
    CHECK(session.reports[i].download_time_s == reference.segments[i].download_time_s);
  }
}

TEST_CASE("Pensieve-format logs read back as reports, and malformed lines are named",
          "[learned_predictors]") {
  TempDir dir;
  const auto good =
      dir.write("log", "2.5\t300\t4\t0\t125000\t500\t0.3\n5.0\t750\t6\t0\t250000\t1000\t0.7\n");
  const auto session = sim::read_pensieve_log_reports(good);
  REQUIRE(session.reports.size() == 2);
  CHECK(session.reports[1].size_bytes == 250000);
  CHECK(session.reports[1].download_time_s == Approx(1.0));
  CHECK(session.reports[1].throughput_bps() == Approx(2e6));
  CHECK(session.reports[1].start_time_s == Approx(4.0));
  const auto bad = dir.write("bad", "2.5\t300\t4\t0\t125000\t500\t0.3\n1 2 three\n");
  CHECK_THROWS_WITH(sim::read_pensieve_log_reports(bad), Catch::Contains("bad:2"));
}

TEST_CASE("Predictors are scored on each next download's realised throughput",
          "[learned_predictors]") {
  // 8, 2, 8 Mbit/s: `last` predicts 8 then 2, wrong by 6 Mbit/s both times.
  sim::ReportSession hand{
      "hand", {download(1.0, 1.0, 0.0), download(1.0, 4.0, 2.0), download(1.0, 1.0, 7.0)}};
  auto last = make_predictor("last");
  const sim::PredictorScore s = sim::score_predictor(*last, {hand, hand});
  CHECK(s.samples == 4);  // the first download of each session has no prediction
  CHECK(s.mae_bps == Approx(6e6));
  CHECK(s.mape == Approx((6.0 / 2 + 6.0 / 8) / 2));
  CHECK(s.rmse_bps == Approx(6e6));

  // A tiny synthetic set played by robust_mpc: every predictor is scored on
  // the same downloads.
  const Manifest manifest = Manifest::synthetic_default(3);
  const QoeModel qoe("lin", manifest);
  auto abr = make_abr("robust_mpc", manifest);
  std::vector<sim::ReportSession> sessions;
  MarkovTraceOptions o;
  o.duration_s = 120;
  for (std::uint64_t seed : {1, 2, 3}) {
    sessions.push_back(
        sim::play_reports(synth_markov(o, seed), manifest, *abr, SimConfig::pensieve(), qoe));
  }
  std::size_t usable = 0;
  for (const auto& session : sessions) usable += session.reports.size() - 1;
  const auto harmonic = make_predictor("harmonic"), gbdt = make_predictor("gbdt");
  const sim::PredictorScore h = sim::score_predictor(*harmonic, sessions);
  CHECK(h.samples == usable);
  CHECK(sim::score_predictor(*gbdt, sessions).samples == usable);
  CHECK(h.mae_bps > 0);
  CHECK(h.rmse_bps >= h.mae_bps);
}

TEST_CASE("The shipped learned predictors beat the harmonic mean's MAE by 20 % on hsdpa",
          "[.data][learned_predictors]") {
  const auto root = streamopt::test::require_data({"traces/hsdpa", "video/envivio"});
  if (root.empty()) return;
  const Manifest manifest = Manifest::load(root / "video/envivio");
  const QoeModel qoe("lin", manifest);
  auto abr = make_abr("robust_mpc", manifest);
  std::vector<sim::ReportSession> sessions;
  for (const auto& file : list_trace_files(root / "traces/hsdpa")) {
    sessions.push_back(
        sim::play_reports(read_trace(file), manifest, *abr, SimConfig::pensieve(), qoe));
  }
  const double harmonic = sim::score_predictor(*make_predictor("harmonic"), sessions).mae_bps;
  for (const char* name : {"gbdt", "rf", "mlp"}) {
    const double learned = sim::score_predictor(*make_predictor(name), sessions).mae_bps;
    INFO(name << ": MAE " << learned << " bit/s, harmonic " << harmonic);
    CHECK(learned <= 0.8 * harmonic);
  }
}
