// The learn component: the engine's Eigen inference against LibTorch's own
// forward pass, a seeded fit that must lower its loss, and a short DAgger
// run end to end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "helpers.hpp"
#include "learn/policy_training.hpp"
#include "learn/rung_dataset.hpp"
#include "learn/torch_policy.hpp"
#include "model/mlp.hpp"
#include "model/rung_features.hpp"
#include "model/rung_policy.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/registry.hpp"

using namespace streamopt;

TEST_CASE("Eigen inference equals LibTorch's forward pass on random models and inputs", "[learn]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const auto random = [&](std::size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = normal(rng);
    return v;
  };
  for (const std::size_t hidden : {1ul, 16ul, 64ul}) {
    const std::size_t in = 27;
    model::ModelFile f;
    f.set_text("kind", "test");
    std::vector<float> scale = random(in);
    for (auto& s : scale) s = std::abs(s) + 0.1f;
    model::write_mlp(f, "m", random(in), scale, {random(hidden * in), random(hidden * hidden), random(hidden)},
                     {random(hidden), random(hidden), random(1)});
    const std::vector<float> rows = random(50 * in);
    const std::vector<float> expected = learn::torch_mlp_forward(f, "m", rows, in);
    const model::Mlp mlp(f, "m");
    model::Matrix x = Eigen::Map<const model::Matrix>(rows.data(), 50, static_cast<Eigen::Index>(in));
    model::Matrix y;
    model::MlpScratch scratch;
    mlp.forward(x, y, scratch);
    REQUIRE(expected.size() == 50);
    for (Eigen::Index i = 0; i < 50; ++i) {
      CHECK(y(i, 0) == Approx(expected[static_cast<std::size_t>(i)]).margin(1e-5).epsilon(1e-5));
    }
  }
}

TEST_CASE("A seeded fit of the rung head lowers its loss and learns the labels", "[learn]") {
  // Labels: the rung with the largest value in one feature column.
  const std::size_t width = model::rung_feature_count();
  const std::size_t column = 20;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  learn::RungDataset data;
  for (int i = 0; i < 600; ++i) {
    const std::size_t rungs = 2 + static_cast<std::size_t>(i % 9);
    std::vector<float> rows(rungs * width);
    for (auto& v : rows) v = uniform(rng);
    std::size_t best = 0;
    for (std::size_t r = 1; r < rungs; ++r) {
      if (rows[r * width + column] > rows[best * width + column]) best = r;
    }
    data.add(rows, rungs, best);
  }
  model::ModelFile file;
  model::write_rung_policy_header(file, "imitation", "test");
  learn::PolicyFitOptions options;
  options.hidden = 32;
  options.epochs = 30;
  const learn::PolicyFit fit = learn::fit_rung_policy(data, options, file);
  CHECK(fit.loss_last < 0.5 * fit.loss_first);
  const model::RungPolicy policy(file);
  std::size_t agree = 0;
  model::RungPolicy::Scratch scratch;
  std::vector<double> scores;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::vector<float> rows(data.features.begin() + data.first_row[i] * width,
                                  data.features.begin() + (data.first_row[i] + data.rungs[i]) * width);
    policy.score(rows, data.rungs[i], scratch, scores);
    agree += static_cast<std::size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin()) == data.label[i];
  }
  CHECK(agree > data.size() * 8 / 10);
  // The same seed gives the same weights.
  model::ModelFile again;
  model::write_rung_policy_header(again, "imitation", "test");
  (void)learn::fit_rung_policy(data, options, again);
  CHECK(again.serialize() == file.serialize());
  CHECK_THROWS_WITH(learn::fit_rung_policy(learn::RungDataset{}, options, again), Catch::Contains("no labelled"));
}

TEST_CASE("The policy trainers' split reads a repeated trace once, so no trace is on both sides", "[learn]") {
  test::TempDir dir;
  std::vector<std::filesystem::path> files, copies;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    MarkovTraceOptions m;
    m.duration_s = 60;
    files.push_back(dir.path() / ("t" + std::to_string(seed)));
    write_trace(synth_markov(m, seed), files.back(), TraceFormat::cooked);
    if (seed <= 4) {  // an overlapping second directory: the first four again
      copies.push_back(dir.path() / ("copy_t" + std::to_string(seed)));
      std::filesystem::copy_file(files.back(), copies.back());
    }
  }
  std::vector<std::filesystem::path> given = files;
  given.insert(given.end(), copies.begin(), copies.end());
  const auto samples_of = [](const std::vector<NetworkTrace>& traces) {
    std::vector<std::vector<double>> out;
    for (const auto& t : traces) out.push_back(t.throughput_bps);
    return out;
  };
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const learn::TraceSplit split = learn::split_traces("test", given, {}, 0.2, seed);
    CHECK(split.repeated == 4);
    CHECK(split.train.size() == 8);
    CHECK(split.val.size() == 2);
    for (const auto& v : samples_of(split.val)) {
      for (const auto& t : samples_of(split.train)) CHECK(v != t);
    }
  }
  SECTION("given validation traces: a training trace repeating one is left out") {
    const learn::TraceSplit split = learn::split_traces("test", given, {copies[0], copies[1]}, 0.2, 1);
    CHECK(split.repeated == 6);  // t1, t2 (repeat validation), copy_t1..copy_t4 (repeat t1..t4)
    CHECK(split.train.size() == 8);
    CHECK(split.val.size() == 2);
    CHECK_THROWS_WITH(learn::split_traces("test", {files[0]}, {copies[0]}, 0.2, 1),
                      Catch::Matchers::Contains("every training trace repeats a validation trace"));
  }
  SECTION("trace weights follow their traces through the repeats and the shuffle") {
    std::vector<double> weights;
    for (std::size_t i = 0; i < given.size(); ++i) weights.push_back(static_cast<double>(i + 1));
    const learn::TraceSplit split = learn::split_traces("test", given, {}, 0.2, 3, weights);
    const learn::TraceSplit plain = learn::split_traces("test", given, {}, 0.2, 3);
    CHECK(samples_of(split.train) == samples_of(plain.train));  // weights do not move the split
    CHECK(samples_of(split.val) == samples_of(plain.val));
    REQUIRE(split.train_weight.size() == split.train.size());
    CHECK(plain.train_weight == std::vector<double>(plain.train.size(), 1.0));
    for (std::size_t k = 0; k < split.train.size(); ++k) {
      // A trace's weight is its first file's (copies are the ones left out).
      const auto file = std::find_if(files.begin(), files.end(), [&](const auto& f) {
        return read_trace(f).throughput_bps == split.train[k].throughput_bps;
      });
      REQUIRE(file != files.end());
      CHECK(split.train_weight[k] == static_cast<double>(file - files.begin() + 1));
    }
    CHECK_THROWS_WITH(learn::split_traces("test", given, {}, 0.2, 3, {1.0, 2.0}),
                      Catch::Matchers::Contains("2 trace weights for 14 training traces"));
    weights[5] = 0;
    CHECK_THROWS_WITH(learn::split_traces("test", given, {}, 0.2, 3, weights),
                      Catch::Matchers::Contains("a trace weight must be > 0"));
  }
  SECTION("without repeats the split is what it was: the seeded shuffle of the given traces") {
    const learn::TraceSplit a = learn::split_traces("test", files, {}, 0.2, 7);
    const learn::TraceSplit b = learn::split_traces("test", given, {}, 0.2, 7);
    CHECK(a.repeated == 0);
    CHECK(samples_of(a.val) != samples_of(learn::split_traces("test", files, {}, 0.2, 8).val));
    CHECK(samples_of(a.val) == samples_of(learn::split_traces("test", files, {}, 0.2, 7).val));
    CHECK(b.train.size() == a.train.size());
  }
}

TEST_CASE("DAgger training writes a policy the registry runs", "[learn]") {
  test::TempDir dir;
  const Manifest manifest = Manifest::synthetic_default(5);
  manifest.save(dir.path() / "video");
  std::vector<std::filesystem::path> traces;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    MarkovTraceOptions m;
    m.duration_s = 120;
    const auto path = dir.path() / "traces" / ("t" + std::to_string(seed));
    std::filesystem::create_directories(path.parent_path());
    write_trace(synth_markov(m, seed), path, TraceFormat::cooked);
    traces.push_back(path);
  }
  learn::ImitationOptions o;
  o.traces = traces;
  o.video = dir.path() / "video";
  o.out = dir.path() / "policy.sopt";
  o.sim.segment_count = 12;
  o.iterations = 2;
  o.epochs = 8;
  o.hidden = 16;
  o.threads = 1;
  o.expert.horizon_segments = 4;
  std::vector<learn::TrainProgress> seen;
  o.progress = [&](const learn::TrainProgress& p) { seen.push_back(p); };
  const learn::TrainResult r = learn::train_imitation(o);
  REQUIRE(r.history.size() == 2);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].samples > seen[0].samples);  // labels aggregate
  for (const auto& p : r.history) CHECK(p.loss < p.loss_first);
  CHECK(std::isfinite(r.best_val_qoe));
  auto abr = make_abr("imitation:model=" + o.out.string(), std::make_shared<const Manifest>(manifest));
  CHECK(abr->decide(test::state_at(10, 0)).reasons.scores.size() == manifest.rung_count());

  SECTION("a registry controller as the expert: its rung where it has no scores, its scores where it has") {
    learn::ImitationOptions e = o;
    e.expert_abr = "fixed:rung=3";
    e.iterations = 1;
    e.epochs = 200;  // ~60 labels: a step per epoch
    learn::train_imitation(e);
    auto copy = make_abr("imitation:model=" + o.out.string(), std::make_shared<const Manifest>(manifest));
    const QoeModel qoe("lin", manifest);
    std::size_t decided = 0, at_three = 0;
    for (const auto& path : traces) {  // the states it learned on: its own sessions
      const SessionResult played = simulate(read_trace(path), manifest, *copy, e.sim, qoe);
      for (std::size_t i = 1; i < played.segments.size(); ++i) {  // the first rung is forced
        ++decided;
        at_three += played.segments[i].rung == 3 ? 1 : 0;
      }
    }
    CHECK(at_three >= decided * 9 / 10);
    e.expert_abr = "robust_mpc:horizon=4";
    const learn::TrainResult mpc = learn::train_imitation(e);  // soft targets from MPC's per-rung plan values
    CHECK(mpc.history.front().loss < mpc.history.front().loss_first);
    CHECK(std::isfinite(mpc.best_val_qoe));
    e.expert_abr = "no_such_controller";
    CHECK_THROWS_WITH(learn::train_imitation(e), Catch::Contains("imitation: expert:") &&
                                                     Catch::Contains("no_such_controller"));
  }

  SECTION("bad input") {
    learn::ImitationOptions bad = o;
    bad.traces.clear();
    CHECK_THROWS_WITH(learn::train_imitation(bad), Catch::Contains("no training traces"));
    bad = o;
    bad.traces.resize(1);
    CHECK_THROWS_WITH(learn::train_imitation(bad), Catch::Contains("--val"));
    bad = o;
    bad.out = dir.path() / "missing" / "policy.sopt";
    CHECK_THROWS_WITH(learn::train_imitation(bad), Catch::Contains("does not exist"));
  }
}
