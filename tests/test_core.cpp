#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

TEST_CASE("An option spec parses its name and typed options", "[core][options]") {
  const auto spec = parse_spec("bola:min_buffer_s=8,variant=basic");
  CHECK(spec.name == "bola");
  CHECK(spec.options.get_double("min_buffer_s", 0) == 8.0);
  CHECK(spec.options.get_string("variant", "") == "basic");
  CHECK(spec.to_string() == "bola:min_buffer_s=8,variant=basic");
  CHECK(spec.options.get_bool("missing", true));
  CHECK(parse_spec("bba").options.values().empty());
}

TEST_CASE("Spec lists attach key=value items to the preceding algorithm", "[core][options]") {
  const auto specs = parse_spec_list("bba,bola:gamma=1,min_buffer_s=8,mpc;robust_mpc:horizon=3");
  REQUIRE(specs.size() == 4);
  CHECK(specs[0].name == "bba");
  CHECK(specs[1].options.values().size() == 2);
  CHECK(specs[2].name == "mpc");
  CHECK(specs[3].options.get_int("horizon", 0) == 3);
}

TEST_CASE("Malformed specs are rejected with a message naming the problem", "[core][options]") {
  CHECK_THROWS_WITH(parse_spec(""), Contains("empty"));
  CHECK_THROWS_WITH(parse_spec(":a=1"), Contains("empty algorithm name"));
  CHECK_THROWS_WITH(parse_spec("bola:gamma"), Contains("no '='"));
  CHECK_THROWS_WITH(parse_spec("bola:=3"), Contains("empty key"));
  CHECK_THROWS_WITH(parse_spec("bola:a=1,a=2"), Contains("given twice"));
  CHECK_THROWS_WITH(parse_spec("a=1"), Contains("before any name"));
  CHECK_THROWS_WITH(parse_spec("a,b"), Contains("expected one algorithm"));
  CHECK_THROWS_WITH(parse_spec_list("a,,b"), Contains("empty item"));
}

TEST_CASE("Option getters reject values of the wrong type and report unused keys", "[core][options]") {
  OptionMap o("algo", {{"x", "abc"}, {"n", "2.5"}, {"b", "maybe"}, {"l", "1/2/x"}, {"typo", "1"}});
  CHECK_THROWS_WITH(o.get_double("x", 0), Contains("algo: option x") && Contains("not a number"));
  CHECK_THROWS_WITH(o.get_int("n", 0), Contains("not an integer"));
  CHECK_THROWS_WITH(o.get_bool("b", false), Contains("not a boolean"));
  CHECK_THROWS_WITH(o.get_doubles("l", {}), Contains("list element"));
  CHECK_THROWS_WITH(o.check_all_used(), Contains("unknown option 'typo'"));
  OptionMap nan("algo", {{"v", "nan"}});
  CHECK_THROWS_WITH(nan.get_double("v", 0), Contains("not"));
}

TEST_CASE("A manifest directory loads ladder, sizes and qualities", "[core][manifest]") {
  test::TempDir dir;
  dir.write("ladder.json", R"({"name": "t", "segment_duration_s": 2.0, "segments": 3, "codec": "h264",
    "rungs": [{"bitrate_kbps": 100, "width": 320, "height": 180, "sizes_file": "sizes/s0", "quality_file": "q/q0"},
              {"bitrate_kbps": 200, "sizes_file": "sizes/s1", "quality_file": "q/q1"}]})");
  dir.write("sizes/s0", "10\n20\n30\n");
  dir.write("sizes/s1", "40\n50\n60\n70\n");  // extra lines are ignored
  dir.write("q/q0", "1.5\n2\n3\n");
  dir.write("q/q1", "4\n5\n6\n");
  const Manifest m = Manifest::load(dir.path());
  CHECK(m.name() == "t");
  CHECK(m.rung_count() == 2);
  CHECK(m.segment_count() == 3);
  CHECK(m.bitrate_bps(1) == 200000.0);
  CHECK(m.rungs()[0].width == 320);
  CHECK(m.rungs()[1].codec == "h264");
  CHECK(m.segment_size_bytes(2, 1) == 60);
  CHECK(m.segment_quality(0, 0) == 1.5);
  CHECK_THROWS_WITH(m.segment_size_bytes(3, 0), Contains("out of range"));
}

TEST_CASE("Bad manifests fail with the file that is wrong", "[core][manifest]") {
  test::TempDir dir;
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("ladder.json") && Contains("cannot open"));
  dir.write("ladder.json", "{ not json");
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("invalid JSON"));
  dir.write("ladder.json", R"({"segment_duration_s": 4, "segments": 2,
    "rungs": [{"bitrate_kbps": 100, "sizes_file": "s0"}]})");
  dir.write("s0", "10\n");
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("s0") && Contains("1 values"));
  dir.write("s0", "10\nabc\n");
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("s0:2"));
  dir.write("s0", "10\n");
  dir.write("ladder.json", R"({"segment_duration_s": 4, "segments": 1,
    "rungs": [{"bitrate_kbps": 200, "sizes_file": "s0"}, {"bitrate_kbps": 100, "sizes_file": "s0"}]})");
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("is not above"));
}

TEST_CASE("Synthetic manifests are seeded and keep the ladder's mean rate", "[core][manifest]") {
  const Manifest a = Manifest::synthetic({1e6, 2e6}, 4.0, 200, 0.2, 7);
  const Manifest b = Manifest::synthetic({1e6, 2e6}, 4.0, 200, 0.2, 7);
  const Manifest c = Manifest::synthetic({1e6, 2e6}, 4.0, 200, 0.2, 8);
  double total = 0;
  bool differs = false;
  for (std::size_t s = 0; s < 200; ++s) {
    CHECK(a.segment_size_bytes(s, 1) == b.segment_size_bytes(s, 1));
    differs |= a.segment_size_bytes(s, 1) != c.segment_size_bytes(s, 1);
    total += static_cast<double>(a.segment_size_bytes(s, 0));
  }
  CHECK(differs);
  CHECK(total / 200.0 == Approx(500000.0).epsilon(0.05));
  CHECK(Manifest::synthetic({1e6}, 2.0, 1, 0.0).segment_size_bytes(0, 0) == 250000);
  CHECK_THROWS_WITH(Manifest::synthetic({2e6, 1e6}, 4.0, 3), Contains("not above"));
  CHECK_THROWS(Manifest::synthetic({1e6}, 0.0, 3));
}

TEST_CASE("The registry builds every built-in algorithm and rejects unknown ones", "[core][registry]") {
  const Manifest m = Manifest::synthetic_default();
  for (const auto& [name, summary] : Registry::builtin().abr_names()) {
    auto abr = make_abr(name, m);
    REQUIRE(abr);
    CHECK(!summary.empty());
  }
  for (const auto& [name, summary] : Registry::builtin().predictor_names()) CHECK(make_predictor(name));
  CHECK_THROWS_WITH(make_abr("nope", m), Contains("unknown ABR controller 'nope'") && Contains("bola"));
  CHECK_THROWS_WITH(make_abr("bola:gama_p=1", m), Contains("unknown option 'gama_p'"));
  CHECK_THROWS_WITH(make_predictor("harmonic:window=0"), Contains("window"));
  CHECK_THROWS_WITH(make_abr("fixed:rung=6", m), Contains("not a rung"));
}

TEST_CASE("A copied registry accepts user algorithms without touching the built-in one", "[core][registry]") {
  Registry mine = Registry::builtin();
  mine.add_abr("top", "always the top rung", [](const Manifest& m, const OptionMap&) {
    return Registry::builtin().make_abr("fixed:rung=" + std::to_string(m.rung_count() - 1), m);
  });
  const Manifest m = Manifest::synthetic_default();
  CHECK(mine.make_abr("top", m)->decide({}).rung == 5);
  CHECK_THROWS(make_abr("top", m));
  CHECK_THROWS_WITH(mine.add_abr("top", "", {}), Contains("taken"));
}
