// The learned throughput predictors' training side: XGBoost's trees
// exported into the engine predict what XGBoost predicts, predictor
// datasets split by session, and a seeded training run whose model the
// registry loads.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <random>
#include <set>

#include "helpers.hpp"
#include "learn/tree_trainer.hpp"
#include "model/model_file.hpp"
#include "model/tree_ensemble.hpp"
#include "predict/learned_features.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/registry.hpp"

using namespace streamopt;
using streamopt::test::TempDir;

namespace {

// `rows` x `columns` uniform values and a nonlinear target of them.
void random_rows(std::size_t rows, std::size_t columns, std::uint32_t seed, std::vector<float>& x,
                 std::vector<float>& y) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.0F, 2.0F);
  x.resize(rows * columns);
  y.resize(rows);
  for (auto& v : x) v = u(rng);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = &x[r * columns];
    y[r] = std::sin(row[0]) + row[1] * row[2] + (row[3] > 0.5F ? 1.0F : 0.0F) + 0.1F * u(rng);
  }
}

// A video and a few synthetic traces on disk.
struct SyntheticData {
  TempDir dir;
  std::filesystem::path video = dir.path() / "video";
  std::filesystem::path traces = dir.path() / "traces";
  explicit SyntheticData(std::size_t trace_count) {
    Manifest::synthetic_default(2).save(video);
    std::filesystem::create_directories(traces);
    MarkovTraceOptions o;
    o.duration_s = 240;
    for (std::size_t i = 0; i < trace_count; ++i) {
      write_trace(synth_markov(o, 100 + i), traces / ("trace_" + std::to_string(i)),
                  TraceFormat::cooked);
    }
  }
};

}  // namespace

TEST_CASE("Exported XGBoost trees predict what XGBoost predicts, gbdt and random forest",
          "[learn]") {
  const std::size_t columns = 6;
  std::vector<float> x, y, probe, unused;
  random_rows(600, columns, 3, x, y);
  random_rows(300, columns, 4, probe, unused);
  for (std::size_t i = 0; i < probe.size(); i += 17)
    probe[i] = std::nanf("");  // missing values take the default
  const bool forest = GENERATE(false, true);
  learn::TreeFitOptions o;
  o.random_forest = forest;
  o.trees = forest ? 12 : 30;
  o.max_depth = 4;
  const learn::TreeFit fit = learn::fit_trees(x, y, columns, o, probe);
  model::ModelFile file;
  model::write_trees(file, "trees", fit.trees);
  const model::TreeEnsemble trees(file, "trees", columns);
  CHECK(trees.tree_count() == o.trees);
  REQUIRE(fit.probe_output.size() == 300);
  double worst = 0;
  for (std::size_t r = 0; r < 300; ++r) {
    const double engine = trees.predict({probe.data() + r * columns, columns});
    worst = std::max(worst, std::fabs(engine - fit.probe_output[r]));
  }
  INFO((forest ? "rf" : "gbdt") << ": largest difference " << worst);
  CHECK(worst <= 1e-5);
  // The informative columns carry the gain; the noise columns 4 and 5 little.
  CHECK(fit.gain[0] + fit.gain[1] + fit.gain[2] + fit.gain[3] > 5 * (fit.gain[4] + fit.gain[5]));
}

TEST_CASE("Predictor datasets split by session with a fixed seed and write CSV and NPY",
          "[learn]") {
  SyntheticData data(10);
  learn::DatasetOptions o;
  o.traces = list_trace_files(data.traces);
  o.video = data.video;
  o.val_fraction = 0.3;
  o.seed = 9;
  const learn::PredictorDataset d = learn::build_predictor_dataset(o);
  REQUIRE(d.rows() > 0);
  CHECK(d.feature_names.size() == predict::predictor_feature_count());
  CHECK(d.features.size() == d.rows() * d.feature_names.size());
  std::vector<std::set<std::uint8_t>> splits(d.sessions.size());
  for (std::size_t r = 0; r < d.rows(); ++r) splits[d.session[r]].insert(d.split[r]);
  std::size_t val_sessions = 0;
  for (const auto& s : splits) {
    CHECK(s.size() == 1);  // no session in two splits
    val_sessions += s.count(1);
  }
  CHECK(val_sessions == 3);
  CHECK(learn::build_predictor_dataset(o).split == d.split);  // same seed, same split
  o.seed = 10;
  CHECK(learn::build_predictor_dataset(o).split != d.split);

  learn::write_predictor_dataset(d, data.dir.path() / "out");
  std::ifstream npy(data.dir.path() / "out" / "features.npy", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(npy)), {});
  REQUIRE(bytes.size() > 10);
  CHECK(bytes.substr(0, 6) == "\x93NUMPY");
  const std::size_t header =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  CHECK((10 + header) % 64 == 0);
  const std::size_t columns = d.feature_names.size() + 6;  // session, segment, split, size, time, target
  CHECK(d.size_bytes.size() == d.rows());
  CHECK(d.download_s.size() == d.rows());
  for (std::size_t r = 0; r < d.rows(); ++r) {
    INFO("row " << r);
    CHECK(d.download_s[r] > 0);
    CHECK(d.size_bytes[r] > 0);
  }
  CHECK(bytes.size() == 10 + header + 4 * d.rows() * columns);
  CHECK(bytes.find("'shape': (" + std::to_string(d.rows()) + ", " + std::to_string(columns) +
                   ")") != std::string::npos);
}

TEST_CASE("A trace given twice under two names is one session group in a predictor dataset", "[learn]") {
  SyntheticData data(6);
  learn::DatasetOptions o;
  o.traces = list_trace_files(data.traces);
  const std::filesystem::path copies = data.dir.path() / "copies";
  std::filesystem::create_directories(copies);
  for (std::size_t i = 0; i < 3; ++i) {  // a second directory repeating half of the first
    std::filesystem::copy_file(o.traces[i], copies / ("copy_" + std::to_string(i)));
    o.traces.push_back(copies / ("copy_" + std::to_string(i)));
  }
  o.video = data.video;
  o.val_fraction = 0.5;
  o.seed = 3;
  const learn::PredictorDataset d = learn::build_predictor_dataset(o);
  CHECK(d.repeated_traces == 3);
  REQUIRE(d.sessions.size() == 6);
  for (const auto& source : d.sessions) CHECK(source.rfind("copy_", 0) != 0);
  // Exactly half of the six distinct traces are on the validation side.
  std::set<std::uint32_t> val_sessions;
  for (std::size_t r = 0; r < d.rows(); ++r) {
    if (d.split[r] == 1) val_sessions.insert(d.session[r]);
  }
  CHECK(val_sessions.size() == 3);
}

TEST_CASE("train_predictor writes models the registry's gbdt, rf and mlp load", "[learn]") {
  SyntheticData data(8);
  const std::string algo = GENERATE(std::string("gbdt"), std::string("rf"), std::string("mlp"));
  learn::PredictorTrainOptions o;
  o.algorithm = algo;
  o.data.traces = list_trace_files(data.traces);
  o.data.video = data.video;
  o.data.val_fraction = 0.25;
  o.trees = 10;
  o.epochs = 5;
  o.threads = 1;
  o.out = data.dir.path() / (algo + ".sopt");
  const learn::PredictorTrainResult r = learn::train_predictor(o);
  CHECK(r.train_rows > 0);
  CHECK(r.val_rows > 0);
  CHECK(r.importance.size() == predict::predictor_feature_count());
  CHECK(model::ModelFile::load(o.out).text("importance").find('=') != std::string::npos);
  auto p = make_predictor(algo + ":model=" + o.out.string());
  DownloadReport report;
  report.size_bytes = 500000;
  report.download_time_s = 1.0;
  p->observe(report);
  const Prediction prediction = p->predict();
  CHECK(prediction.valid);
  CHECK(prediction.estimate_bps > 0.1e6);
  CHECK(prediction.estimate_bps < 20e6);
}

TEST_CASE("train --algo ttp writes a fetch-time model whose loss falls and the registry's ttp loads",
          "[learn]") {
  SyntheticData data(8);
  learn::PredictorTrainOptions o;
  o.algorithm = "ttp";
  o.data.traces = list_trace_files(data.traces);
  o.data.video = data.video;
  o.data.val_fraction = 0.25;
  o.epochs = 20;
  o.threads = 1;
  o.out = data.dir.path() / "ttp.sopt";
  const learn::PredictorTrainResult r = learn::train_predictor(o);
  CHECK(r.val_rows > 0);
  CHECK(r.importance.size() == predict::predictor_feature_count() + 1);  // + ln(size)
  // Better than knowing nothing: uniform over 21 bins is ln 21 nats.
  CHECK(r.val_nll < std::log(21.0));
  const model::ModelFile file = model::ModelFile::load(o.out);
  CHECK(file.kind() == "fetch_time_predictor");
  CHECK(file.floats("bin_rate_bps").values.size() == 21);
  auto ttp = Registry::builtin().make_fetch_time("ttp:model=" + o.out.string());
  CHECK_FALSE(ttp->ready());
  DownloadReport report;
  report.size_bytes = 500000;
  report.download_time_s = 1.0;
  ttp->observe(report);
  REQUIRE(ttp->ready());
  const FetchTimeDistribution d = ttp->predict(1000000);
  REQUIRE(d.time_s.size() == 21);
  double total = 0;
  for (double p : d.probability) total += p;
  CHECK(total == Approx(1.0));
  CHECK(std::is_sorted(d.time_s.begin(), d.time_s.end()));
  CHECK(d.expected_s() > 0.1);
  CHECK(d.expected_s() < 100);
}
