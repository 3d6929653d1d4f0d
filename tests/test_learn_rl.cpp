// The reinforcement-learning trainers: the lockstep sessions they play, and
// short seeded PPO and DQN runs that must learn an easy link, resume from
// their checkpoint and refuse bad settings.
#include <catch2/catch.hpp>

#include <cmath>

#include "helpers.hpp"
#include "learn/session_batch.hpp"
#include "model/model_file.hpp"
#include "model/rung_features.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/registry.hpp"

using namespace streamopt;

namespace {

NetworkTrace steady_trace(double throughput_bps, std::size_t samples = 200) {
  NetworkTrace t;
  t.name = "steady";
  for (std::size_t i = 0; i < samples; ++i) {
    t.time_s.push_back(static_cast<double>(i));
    t.throughput_bps.push_back(throughput_bps * (1.0 + 0.01 * static_cast<double>(i % 3)));
  }
  return t;
}

// A title and a few traces on disk, and RL options over them.
struct Setup {
  test::TempDir dir;
  Manifest manifest = Manifest::synthetic_default(5);
  std::vector<std::filesystem::path> traces;
  Setup() {
    manifest.save(dir.path() / "video");
    std::filesystem::create_directories(dir.path() / "traces");
    for (int i = 0; i < 5; ++i) {
      const auto path = dir.path() / "traces" / ("t" + std::to_string(i));
      // Carries the second-highest rung but not the top one: learning must find it.
      write_trace(steady_trace(3.2e6 + 0.1e6 * i), path, TraceFormat::cooked);
      traces.push_back(path);
    }
  }
  void fill(learn::RlOptions& o, const std::string& out) const {
    o.traces = traces;
    o.video = dir.path() / "video";
    o.out = dir.path() / out;
    o.sim.segment_count = 12;
    o.threads = 1;
    o.hidden = 16;
    o.sessions = 8;
    o.steps = 16;
    o.validate_every = 1;
    o.learning_rate = 3e-3;
  }
};

}  // namespace

TEST_CASE("rotate_trace starts a trace at another sample and wraps around", "[learn][rl]") {
  const NetworkTrace t = steady_trace(1e6, 5);
  const NetworkTrace r = learn::rotate_trace(t, 2);
  REQUIRE(r.time_s.size() == 5);
  CHECK(r.time_s == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(r.throughput_bps[0] == t.throughput_bps[2]);
  CHECK(r.throughput_bps[3] == t.throughput_bps[0]);
  CHECK(learn::rotate_trace(t, 0).throughput_bps == t.throughput_bps);
  CHECK_NOTHROW(validate_trace(r));
}

TEST_CASE("Lockstep sessions report each segment's QoE and restart when a session ends", "[learn][rl]") {
  const Manifest manifest = Manifest::synthetic_default(5);
  SimConfig sim = SimConfig::pensieve();
  sim.segment_count = 6;
  const QoeModel qoe("lin", manifest);
  const std::vector<NetworkTrace> traces = {steady_trace(2e6), steady_trace(8e6)};
  learn::SessionBatch a(traces, manifest, sim, qoe, 3, 11), b(traces, manifest, sim, qoe, 3, 11);
  REQUIRE(a.features().size() == 3 * manifest.rung_count() * model::rung_feature_count());
  std::vector<float> ra, rb;
  std::vector<std::uint8_t> da, db;
  std::size_t ends = 0;
  // The first segment is forced (Pensieve mode): 5 decisions per session.
  for (int step = 1; step <= 10; ++step) {
    CHECK(a.features() == b.features());  // deterministic for a seed
    a.step({0, 1, 2}, ra, da);
    b.step({0, 1, 2}, rb, db);
    CHECK(ra == rb);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(std::isfinite(ra[i]));
      CHECK(da[i] == (step % 5 == 0 ? 1 : 0));
      ends += da[i];
    }
  }
  CHECK(ends == 6);
  CHECK(std::isfinite(a.take_finished_qoe_per_segment()));
  CHECK(a.take_finished_qoe_per_segment() == 0.0);  // nothing finished since
  // Finished sessions are scored as evaluation scores them (not the forced
  // first segment and its startup): the mean of the decisions' rewards.
  const std::vector<NetworkTrace> single = {steady_trace(2e6)};  // outlives the batch
  learn::SessionBatch one(single, manifest, sim, qoe, 1, 3);
  std::vector<float> r;
  std::vector<std::uint8_t> d;
  double rewards = 0;
  for (int step = 0; step < 5; ++step) {
    one.step({static_cast<std::size_t>(step % 3)}, r, d);
    rewards += r[0];
  }
  REQUIRE(d[0] == 1);
  CHECK(one.take_finished_qoe_per_segment() == Approx(rewards / 5).epsilon(1e-6));
  CHECK_THROWS_WITH(a.step({0}, ra, da), Catch::Contains("one action per session"));
  CHECK_THROWS_WITH(learn::SessionBatch({}, manifest, sim, qoe, 2, 1), Catch::Contains("no training traces"));
}

TEST_CASE("Lockstep sessions draw each trace as often as its weight says", "[learn][rl]") {
  const Manifest manifest = Manifest::synthetic_default(5);
  SimConfig sim = SimConfig::pensieve();
  sim.segment_count = 3;  // 2 decisions per session
  const QoeModel qoe("lin", manifest);
  const std::vector<NetworkTrace> traces = {steady_trace(0.5e6), steady_trace(20e6)};
  // The share of sessions that played the fast trace, told by their reward at the top rung.
  const auto fast_share = [&](const std::vector<double>& weights) {
    learn::SessionBatch batch(traces, manifest, sim, qoe, 4, 5, weights);
    std::vector<float> reward;
    std::vector<std::uint8_t> done;
    std::size_t fast = 0, sessions = 0;
    for (int step = 0; step < 2000; ++step) {
      batch.step({4, 4, 4, 4}, reward, done);
      for (std::size_t i = 0; i < 4; ++i) {
        if (!done[i]) continue;
        ++sessions;
        fast += reward[i] > 0 ? 1 : 0;  // the slow link stalls at the top rung
      }
    }
    return static_cast<double>(fast) / static_cast<double>(sessions);
  };
  CHECK(fast_share({}) == Approx(0.5).margin(0.05));
  CHECK(fast_share({1, 3}) == Approx(0.75).margin(0.05));
  CHECK(fast_share({9, 1}) == Approx(0.1).margin(0.05));
  // Equal weights draw as no weights do: the same sessions for a seed.
  learn::SessionBatch plain(traces, manifest, sim, qoe, 2, 9), equal(traces, manifest, sim, qoe, 2, 9, {2, 2});
  std::vector<float> ra, rb;
  std::vector<std::uint8_t> da, db;
  for (int step = 0; step < 40; ++step) {
    plain.step({4, 0}, ra, da);
    equal.step({4, 0}, rb, db);
    CHECK(ra == rb);
  }
  CHECK_THROWS_WITH(learn::SessionBatch(traces, manifest, sim, qoe, 2, 1, {1}), Catch::Contains("1 weights for 2"));
  CHECK_THROWS_WITH(learn::SessionBatch(traces, manifest, sim, qoe, 2, 1, {1, 0}), Catch::Contains("must be > 0"));
}

TEST_CASE("PPO learns an easy link, writes a policy the registry runs and resumes from its checkpoint",
          "[learn][rl]") {
  Setup s;
  learn::PpoOptions o;
  s.fill(o, "ppo.sopt");
  o.iterations = 12;
  o.entropy_start = o.entropy_end = 0.0;
  const learn::TrainResult r = learn::train_ppo(o);
  REQUIRE(r.history.size() == 12);
  for (const auto& p : r.history) UNSCOPED_INFO(p.iteration << ": " << p.val_qoe);
  // From a near-uniform start to the top rungs on a link that carries them.
  CHECK(r.best_val_qoe > r.history.front().val_qoe + 0.5);
  auto abr = make_abr("ppo:model=" + o.out.string(), std::make_shared<const Manifest>(s.manifest));
  CHECK(abr->decide(test::state_at(10, 4)).reasons.scores.size() == s.manifest.rung_count());
  REQUIRE(std::filesystem::exists(o.out.string() + ".ckpt"));

  // The same seed gives the same model.
  learn::PpoOptions again = o;
  again.out = s.dir.path() / "again.sopt";
  (void)learn::train_ppo(again);
  CHECK(model::ModelFile::load(again.out).floats("head.layer0.weight").values ==
        model::ModelFile::load(o.out).floats("head.layer0.weight").values);

  // Resuming continues the iteration count from the checkpoint.
  learn::PpoOptions resumed = o;
  resumed.init = o.out.string() + ".ckpt";
  resumed.out = s.dir.path() / "resumed.sopt";
  resumed.iterations = 14;
  const learn::TrainResult rr = learn::train_ppo(resumed);
  CHECK(rr.first_iteration == 12);
  REQUIRE(rr.history.size() == 2);
  CHECK(rr.history.back().iteration == 14);

  SECTION("bad settings") {
    learn::PpoOptions bad = o;
    bad.clip = 1.5;
    CHECK_THROWS_WITH(learn::train_ppo(bad), Catch::Contains("clip"));
    bad = o;
    bad.init = s.traces.front();
    CHECK_THROWS(learn::train_ppo(bad));
    bad = o;
    bad.minutes = 0;
    CHECK_THROWS_WITH(learn::train_ppo(bad), Catch::Contains("--minutes"));
  }
}

TEST_CASE("DQN learns an easy link and writes a policy the registry runs", "[learn][rl]") {
  Setup s;
  learn::DqnOptions o;
  s.fill(o, "dqn.sopt");
  o.iterations = 12;
  o.warmup = 256;
  o.batch = 64;
  o.replay = 4000;
  o.target_sync = 50;
  o.epsilon_decisions = 1500;
  const learn::TrainResult r = learn::train_dqn(o);
  REQUIRE(r.history.size() == 12);
  for (const auto& p : r.history) UNSCOPED_INFO(p.iteration << ": " << p.val_qoe);
  CHECK(r.best_val_qoe > r.history.front().val_qoe + 0.5);
  auto abr = make_abr("dqn:model=" + o.out.string(), std::make_shared<const Manifest>(s.manifest));
  CHECK(abr->decide(test::state_at(10, 4)).reasons.scores.size() == s.manifest.rung_count());

  learn::DqnOptions bad = o;
  bad.replay = 10;
  CHECK_THROWS_WITH(learn::train_dqn(bad), Catch::Contains("replay"));
  bad = o;
  bad.epsilon_start = 2;
  CHECK_THROWS_WITH(learn::train_dqn(bad), Catch::Contains("epsilon"));
}
