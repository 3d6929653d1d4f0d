// Learned-model files, Eigen inference, the policies' features, the learned
// controllers through the registry, and the lookahead oracle (the
// imitation trainer's expert).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "helpers.hpp"
#include "model/mlp.hpp"
#include "model/model_file.hpp"
#include "model/rung_features.hpp"
#include "model/rung_policy.hpp"
#include "streamopt/evaluate.hpp"
#include "streamopt/oracle.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"

using namespace streamopt;
using streamopt::model::ModelFile;

namespace {

ModelFile sample_file() {
  ModelFile f;
  f.set_text("kind", "test");
  f.set_text("note", std::string("bytes \0 and \xff", 13));
  f.set_floats("w", {2, 3}, {1.5f, -2.0f, 0.0f, 1e-30f, 3.25f, -0.0f});
  f.set_ints("idx", {3}, {-1, 0, 2147483647});
  return f;
}

// A policy whose head scores rung r by -|bitrate_mbps - target_mbps|: one
// linear layer reading the bitrate feature, then a fixed ReLU trick is not
// needed: score = -(bitrate - target)^2 is not linear, so use two layers:
// h0 = relu(b - t), h1 = relu(t - b), score = -(h0 + h1).
ModelFile target_policy(float target_mbps) {
  ModelFile f;
  model::write_rung_policy_header(f, "imitation", "test");
  const std::size_t width = model::rung_feature_count();
  std::size_t bitrate = 0;
  while (model::rung_feature_names()[bitrate] != "bitrate_mbps") ++bitrate;
  std::vector<float> w0(2 * width, 0.0f);
  w0[bitrate] = 1.0f;
  w0[width + bitrate] = -1.0f;
  model::write_mlp(f, "head", std::vector<float>(width, 0.0f), std::vector<float>(width, 1.0f),
                   {w0, {-1.0f, -1.0f}}, {{-target_mbps, target_mbps}, {0.0f}});
  return f;
}

}  // namespace

TEST_CASE("Model files round-trip byte for byte", "[model]") {
  const ModelFile f = sample_file();
  const std::string bytes = f.serialize();
  const ModelFile g = ModelFile::parse(bytes, "mem");
  CHECK(g.serialize() == bytes);
  CHECK(g.kind() == "test");
  CHECK(g.text("note") == f.text("note"));
  CHECK(g.floats("w").shape == std::vector<std::uint32_t>{2, 3});
  CHECK(g.floats("w").values == f.floats("w").values);
  CHECK(std::signbit(g.floats("w").values[5]));
  CHECK(g.ints("idx").values == f.ints("idx").values);
  test::TempDir dir;
  f.save(dir.path() / "m.sopt");
  CHECK(ModelFile::load(dir.path() / "m.sopt").serialize() == bytes);
  // Little-endian on disk whatever the host: the version field reads 1.
  CHECK(bytes.substr(0, 8) == "SOPTMODL");
  CHECK(bytes[8] == 1);
  CHECK(bytes[9] == 0);
}

TEST_CASE("Corrupt, truncated or foreign model files are named errors", "[model]") {
  const std::string bytes = sample_file().serialize();
  SECTION("any flipped byte") {
    for (std::size_t i = 12; i < bytes.size(); i += 7) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0x40);
      CHECK_THROWS_WITH(ModelFile::parse(bad, "m.sopt"), Catch::Contains("m.sopt"));
    }
  }
  SECTION("truncated") {
    for (const std::size_t n : {0ul, 5ul, 20ul, bytes.size() - 1}) {
      CHECK_THROWS_WITH(ModelFile::parse(bytes.substr(0, n), "m.sopt"), Catch::Contains("m.sopt"));
    }
  }
  SECTION("checksum") {
    std::string bad = bytes;
    bad[bytes.size() / 2] = static_cast<char>(bad[bytes.size() / 2] ^ 1);
    CHECK_THROWS_WITH(ModelFile::parse(bad, "m.sopt"), Catch::Contains("checksum"));
  }
  SECTION("version") {
    std::string bad = bytes;
    bad[8] = 2;
    CHECK_THROWS_WITH(ModelFile::parse(bad, "m.sopt"), Catch::Contains("version 2 is not supported"));
  }
  SECTION("not a model") {
    CHECK_THROWS_WITH(ModelFile::parse("{\"kind\": 1}", "m.json"), Catch::Contains("not a streamopt model file"));
    test::TempDir dir;
    CHECK_THROWS_WITH(ModelFile::load(dir.path()), Catch::Contains("not a file"));
  }
  SECTION("missing entries and wrong kinds") {
    const ModelFile f = ModelFile::parse(bytes, "m.sopt");
    CHECK_THROWS_WITH(f.floats("nope"), Catch::Contains("no float tensor 'nope'"));
    CHECK_THROWS_WITH(f.expect_kind("rung_policy"), Catch::Contains("kind is 'test', expected 'rung_policy'"));
    CHECK_THROWS_WITH(model::RungPolicy(f), Catch::Contains("expected 'rung_policy'"));
  }
  SECTION("bad shapes are refused when written") {
    ModelFile f;
    CHECK_THROWS(f.set_floats("w", {2, 2}, {1.0f}));
    CHECK_THROWS(f.set_floats("w", {}, {}));
    CHECK_THROWS(f.set_text("", "x"));
  }
}

TEST_CASE("The Eigen MLP computes the layers it stores", "[model]") {
  ModelFile f;
  f.set_text("kind", "test");
  // in 2 -> hidden 2 (ReLU) -> out 1, with normalisation.
  model::write_mlp(f, "m", {1.0f, 0.0f}, {2.0f, 1.0f}, {{1.0f, 0.0f, -1.0f, 1.0f}, {1.0f, 2.0f}}, {{0.0f, 0.5f}, {0.25f}});
  const model::Mlp mlp(f, "m");
  model::Matrix in(2, 2), out;
  model::MlpScratch scratch;
  in << 3.0f, 1.0f,   // normalised (4, 1): hidden (4, relu(-4+1+0.5)=0) -> 4 + 0 + 0.25
      0.0f, 2.0f;     // normalised (-2, 2): hidden (relu(-2)=0, 2+2+0.5=4.5) -> 0 + 9 + 0.25
  mlp.forward(in, out, scratch);
  REQUIRE(out.rows() == 2);
  CHECK(out(0, 0) == Approx(4.25f));
  CHECK(out(1, 0) == Approx(9.25f));
  model::Matrix wrong(1, 3);
  CHECK_THROWS_WITH(mlp.forward(wrong, out, scratch), Catch::Contains("expects 2"));
  // A non-finite weight or a broken chain is refused on load.
  ModelFile g = f;
  g.set_floats("m.layer1.weight", {1, 3}, {1.0f, 2.0f, 3.0f});
  CHECK_THROWS_WITH(model::Mlp(g, "m"), Catch::Contains("m.layer1.weight"));
  g = f;
  g.set_floats("m.layer0.bias", {2}, {NAN, 0.0f});
  CHECK_THROWS_WITH(model::Mlp(g, "m"), Catch::Contains("non-finite"));
}

TEST_CASE("Rung features: one row per rung, what each says", "[model]") {
  const Manifest& m = test::envivio_ladder();
  const QoeModel qoe("lin", m);
  model::DownloadHistory history(model::kFeatureHistory);
  std::vector<float> rows;
  const PlayerState state = test::state_at(8.0, 2);
  model::rung_features(state, m, qoe, history, rows);
  const std::size_t width = model::rung_feature_count();
  REQUIRE(rows.size() == m.rung_count() * width);
  const auto column = [&](const std::string& name) {
    std::size_t c = 0;
    while (model::rung_feature_names()[c] != name) ++c;
    return c;
  };
  for (std::size_t r = 0; r < m.rung_count(); ++r) {
    CHECK(rows[r * width + column("buffer_s/10")] == Approx(0.8));
    CHECK(rows[r * width + column("bitrate_mbps")] == Approx(m.bitrate_bps(r) / 1e6));
    CHECK(rows[r * width + column("is_last_rung")] == (r == 2 ? 1.0f : 0.0f));
    CHECK(rows[r * width + column("has_history")] == 0.0f);
  }
  // With a slow history the top rung's predicted download exceeds the buffer.
  for (int i = 0; i < 5; ++i) {
    DownloadReport report;
    report.size_bytes = 125000;  // 1 Mbit in 1 s
    report.download_time_s = 1.0;
    history.observe(report);
  }
  model::rung_features(state, m, qoe, history, rows);
  const std::size_t top = m.rung_count() - 1;
  CHECK(rows[column("log2_harmonic_mbps")] == Approx(0.0).margin(1e-6));
  CHECK(rows[top * width + column("download_over_segment_harmonic")] == Approx(4.3).epsilon(0.01));
  CHECK(rows[top * width + column("stall_over_segment_harmonic")] > 0.0f);
  CHECK(rows[0 * width + column("stall_over_segment_harmonic")] == 0.0f);
  CHECK(rows[top * width + column("plan_value_harmonic_minus_best")] < 0.0f);
}

TEST_CASE("An ensemble's heads vote by the mean of their log-softmax over the rungs", "[model]") {
  const std::size_t rungs = 6;
  std::vector<float> rows(rungs * model::rung_feature_count(), 0.0f);
  std::size_t bitrate = 0;
  while (model::rung_feature_names()[bitrate] != "bitrate_mbps") ++bitrate;
  const std::vector<double> mbps = {0.3, 0.75, 1.2, 1.85, 2.85, 4.3};
  for (std::size_t r = 0; r < rungs; ++r) rows[r * model::rung_feature_count() + bitrate] = static_cast<float>(mbps[r]);
  const auto scores_of = [&](const ModelFile& f) {
    model::RungPolicy::Scratch scratch;
    std::vector<double> scores;
    model::RungPolicy(f).score(rows, rungs, scratch, scores);
    return scores;
  };
  const auto log_softmax = [](std::vector<double> s) {
    double sum = 0;
    for (const double v : s) sum += std::exp(v);
    for (double& v : s) v -= std::log(sum);
    return s;
  };
  const ModelFile low = target_policy(0.5f), high = target_policy(4.0f), mid = target_policy(1.9f);
  const ModelFile pair = model::make_rung_policy_ensemble({low, high}, "test");
  CHECK(model::RungPolicy(pair).head_count() == 2);
  CHECK(model::RungPolicy(low).head_count() == 1);
  const std::vector<double> a = log_softmax(scores_of(low)), b = log_softmax(scores_of(high)), ab = scores_of(pair);
  REQUIRE(ab.size() == rungs);
  for (std::size_t r = 0; r < rungs; ++r) CHECK(ab[r] == Approx((a[r] + b[r]) / 2).margin(1e-6));
  CHECK(scores_of(low)[0] == Approx(-0.2).margin(1e-5));  // one head: its raw scores, as before
  // It round-trips, and an ensemble member adds all its heads.
  const ModelFile again = ModelFile::parse(pair.serialize(), "pair.sopt");
  CHECK(scores_of(again) == ab);
  const ModelFile three = model::make_rung_policy_ensemble({pair, mid}, "test");
  CHECK(model::RungPolicy(three).head_count() == 3);
  CHECK(three.text("heads") == "3");
  const std::vector<double> c = log_softmax(scores_of(mid)), abc = scores_of(three);
  for (std::size_t r = 0; r < rungs; ++r) CHECK(abc[r] == Approx((a[r] + b[r] + c[r]) / 3).margin(1e-6));
  // It runs through the registry like any rung policy.
  test::TempDir dir;
  three.save(dir.path() / "three.sopt");
  const auto m = std::make_shared<const Manifest>(test::envivio_ladder());
  const Decision d = make_abr("ppo:model=" + (dir.path() / "three.sopt").string(), m)->decide(test::state_at(10, 0));
  CHECK(d.rung == static_cast<std::size_t>(std::max_element(abc.begin(), abc.end()) - abc.begin()));

  SECTION("bad members and bad files are named errors") {
    CHECK_THROWS_WITH(model::make_rung_policy_ensemble({}, "test"), Catch::Contains("no member models"));
    ModelFile dqn = target_policy(1.0f);
    dqn.set_text("algorithm", "dqn");
    CHECK_THROWS_WITH(model::make_rung_policy_ensemble({low, ModelFile::parse(dqn.serialize(), "q.sopt")}, "test"),
                      Catch::Contains("q.sopt was trained by dqn") && Catch::Contains("by imitation"));
    CHECK_THROWS_WITH(model::make_rung_policy_ensemble({low, ModelFile::parse("junk", "junk.sopt")}, "test"),
                      Catch::Contains("junk.sopt"));
    std::vector<ModelFile> many(model::kMaxEnsembleHeads + 1, low);
    CHECK_THROWS_WITH(model::make_rung_policy_ensemble(many, "test"), Catch::Contains("more than 64 heads"));
    for (const char* heads : {"0", "65", "x"}) {
      ModelFile bad = pair;
      bad.set_text("heads", heads);
      CHECK_THROWS_WITH(model::RungPolicy(ModelFile::parse(bad.serialize(), "bad.sopt")), Catch::Contains("bad.sopt"));
    }
    ModelFile missing = pair;
    missing.set_text("heads", "3");  // a third head it does not hold
    CHECK_THROWS_WITH(model::RungPolicy(ModelFile::parse(missing.serialize(), "m.sopt")),
                      Catch::Contains("m.sopt") && Catch::Contains("head2"));
  }
}

TEST_CASE("A learned policy runs through the registry with model=FILE", "[model]") {
  test::TempDir dir;
  target_policy(1.9f).save(dir.path() / "p.sopt");
  const auto m = std::make_shared<const Manifest>(test::envivio_ladder());
  auto abr = make_abr("imitation:model=" + (dir.path() / "p.sopt").string(), m);
  const Decision d = abr->decide(test::state_at(10, 0));
  CHECK(d.rung == 3);  // 1850 kbit/s is nearest 1.9 Mbit/s
  CHECK(d.reasons.rule == "imitation");
  REQUIRE(d.reasons.scores.size() == m->rung_count());
  CHECK(d.reasons.scores[3] == Approx(-0.05).margin(1e-5));
  // Ladders of another size and segment duration work with the same model.
  const auto ten = std::make_shared<const Manifest>(
      Manifest::synthetic({200e3, 400e3, 700e3, 1000e3, 1500e3, 2000e3, 2500e3, 3000e3, 4000e3, 6000e3}, 3.0, 20, 0.0));
  CHECK(make_abr("imitation:model=" + (dir.path() / "p.sopt").string(), ten)->decide(test::state_at(5, 0)).rung == 5);  // 2000 kbit/s
  // Errors: a missing file, a ladder out of range, a model of another feature set.
  CHECK_THROWS_WITH(make_abr("imitation:model=" + (dir.path() / "none.sopt").string(), m),
                    Catch::Contains("none.sopt"));
  const auto one = std::make_shared<const Manifest>(Manifest::synthetic({300e3}, 4.0, 10, 0.0));
  CHECK_THROWS_WITH(make_abr("imitation:model=" + (dir.path() / "p.sopt").string(), one),
                    Catch::Contains("2 to 16 rungs"));
  ModelFile old = target_policy(1.0f);
  old.set_text("feature_version", "0");
  old.save(dir.path() / "old.sopt");
  CHECK_THROWS_WITH(make_abr("imitation:model=" + (dir.path() / "old.sopt").string(), m),
                    Catch::Contains("retrain"));
}

TEST_CASE("The lookahead oracle over the whole session takes the oracle's first step", "[model][oracle]") {
  const Manifest m = Manifest::synthetic_default(3);
  const QoeModel qoe("lin", m);
  SimConfig config = SimConfig::standard();
  config.segment_count = 12;
  const NetworkTrace trace = synth_step(4e6, 0.6e6, 10, 200);
  const OracleOptions grid{0.5, 0.05};
  const OracleResult best = solve_oracle(trace, m, config, qoe, grid);
  SimulatedPlayer player(trace, m, config, qoe);
  LookaheadOptions whole;
  whole.horizon_segments = 0;
  CHECK(lookahead_oracle_rung(player, m, qoe, whole, grid) == best.rungs.front());
  // Replanning to the end at every step reaches the oracle's QoE (up to the
  // grid's approximation).
  const SessionResult replanned = simulate_lookahead_oracle(trace, m, config, qoe, whole, grid);
  CHECK(replanned.stats.qoe_sum_pensieve == Approx(best.session.stats.qoe_sum_pensieve).epsilon(0.02));
  // A short horizon is an expert no better than the oracle.
  LookaheadOptions short_horizon;
  short_horizon.horizon_segments = 2;
  CHECK(simulate_lookahead_oracle(trace, m, config, qoe, short_horizon, grid).stats.qoe_sum_pensieve <=
        best.session.stats.qoe_sum_pensieve + 1e-9);
  LookaheadOptions bad;
  bad.terminal_value_per_buffer_s = -1;
  CHECK_THROWS(lookahead_oracle_rung(player, m, qoe, bad, grid));
}

TEST_CASE("One loaded policy serves concurrent sessions with the same results", "[model]") {
  test::TempDir dir;
  target_policy(1.2f).save(dir.path() / "p.sopt");
  const Manifest m = Manifest::synthetic_default(2);
  TraceSet set{"markov", {}};
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    MarkovTraceOptions o;
    o.duration_s = 100;
    set.traces.push_back(synth_markov(o, seed));
  }
  EvaluationConfig config;
  config.algorithms = {parse_spec("imitation:model=" + (dir.path() / "p.sopt").string())};
  config.threads = 1;
  const EvaluationResult one = evaluate({set}, m, config);
  config.threads = 4;
  const EvaluationResult four = evaluate({set}, m, config);
  REQUIRE(one.sessions.size() == four.sessions.size());
  for (std::size_t i = 0; i < one.sessions.size(); ++i) {
    CHECK(one.sessions[i].stats.qoe_sum_pensieve == four.sessions[i].stats.qoe_sum_pensieve);
  }
}

namespace {

// `specs` on the shared hsdpa traces with envivio in Pensieve mode.
EvaluationResult evaluate_on_hsdpa(const std::filesystem::path& root, const std::vector<std::string>& specs) {
  const Manifest manifest = Manifest::load(root / "video/envivio");
  TraceSet set{"hsdpa", {}};
  for (const auto& file : list_trace_files(root / "traces/hsdpa")) set.traces.push_back(read_trace(file));
  EvaluationConfig config;
  for (const auto& spec : specs) config.algorithms.push_back(parse_spec(spec));
  config.sim = SimConfig::pensieve();
  return evaluate({set}, manifest, config);
}

}  // namespace

TEST_CASE("The shipped imitation policy on hsdpa: what docs/benchmarks.md records", "[.data][model]") {
  const auto root = test::require_data({"traces/hsdpa", "video/envivio"});
  if (root.empty()) return;
  const EvaluationResult result = evaluate_on_hsdpa(root, {"imitation", "robust_mpc:horizon=12"});
  const double imitation = result.rows[0].qoe_per_segment;
  INFO("imitation " << imitation << ", robust_mpc:horizon=12 " << result.rows[1].qoe_per_segment);
  CHECK(imitation == Approx(0.9731).margin(0.01));  // docs/benchmarks.md "The imitation policy"
  CHECK(imitation > result.rows[1].qoe_per_segment);  // beats the expert it imitates there
}

TEST_CASE("The shipped ppo and dqn policies on hsdpa: what docs/benchmarks.md records", "[.data][model]") {
  const auto root = test::require_data({"traces/hsdpa", "video/envivio"});
  if (root.empty()) return;
  const EvaluationResult result = evaluate_on_hsdpa(root, {"ppo", "dqn", "robust_mpc:horizon=12"});
  const double ppo = result.rows[0].qoe_per_segment, dqn = result.rows[1].qoe_per_segment;
  INFO("ppo " << ppo << ", dqn " << dqn << ", robust_mpc:horizon=12 " << result.rows[2].qoe_per_segment);
  CHECK(ppo == Approx(1.0202).margin(0.01));  // docs/benchmarks.md "Learned controllers"
  CHECK(dqn == Approx(0.6938).margin(0.01));
  CHECK(ppo > result.rows[2].qoe_per_segment);  // beats the tuned classic controller there
}
