#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using test::error_of;
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

namespace {

// A one-rung ladder.json whose rung reads `sizes_file` (and `quality_file`).
std::string one_rung_ladder(const std::string& sizes_file, const std::string& quality_file = "") {
  std::string rung = R"({"bitrate_kbps": 100, "sizes_file": ")" + sizes_file + "\"";
  if (!quality_file.empty()) rung += R"(, "quality_file": ")" + quality_file + "\"";
  return R"({"segment_duration_s": 4, "segments": 1, "rungs": [)" + rung + "}]}";
}

}  // namespace

TEST_CASE("Sizes and quality files must lie inside the manifest directory", "[core][manifest][hostile]") {
  test::TempDir dir;
  dir.write("secret", "TOPSECRET line one\n");
  dir.write("title/sizes/s0", "1000\n");
  dir.write("title/q0", "7\n");
  const auto title = dir.path() / "title";
  const auto load_with = [&](const std::string& sizes, const std::string& quality = "") {
    dir.write("title/ladder.json", one_rung_ladder(sizes, quality));
    return error_of([&] { (void)Manifest::load(title); });
  };
  CHECK(load_with("sizes/s0").empty());
  CHECK(load_with("./sizes/../sizes/s0", "q0").empty());
  for (const std::string escape : {"../secret", "../../etc/hostname", "sizes/../../secret", "sizes/../.."}) {
    INFO(escape);
    const std::string msg = load_with(escape);
    CHECK_THAT(msg, Contains("ladder.json: rung 0") && Contains("'sizes_file'") && Contains("leads outside the manifest directory"));
    CHECK_THAT(msg, !Contains("TOPSECRET"));
  }
  CHECK_THAT(load_with("/etc/hostname"), Contains("'sizes_file' '/etc/hostname' is an absolute path"));
  CHECK_THAT(load_with(dir.path().string() + "/secret"), Contains("absolute path") && !Contains("TOPSECRET"));
  CHECK_THAT(load_with("sizes/s0", "../secret"), Contains("'quality_file'") && Contains("leads outside") && !Contains("TOPSECRET"));
  // Symbolic links are followed before the check: out is refused, in is fine.
  std::filesystem::create_symlink("../../secret", title / "sizes" / "out");
  std::filesystem::create_symlink("/etc/hostname", title / "sizes" / "abs");
  std::filesystem::create_symlink("s0", title / "sizes" / "in");
  std::filesystem::create_symlink(dir.path(), title / "parent");
  CHECK_THAT(load_with("sizes/out"), Contains("leads outside") && !Contains("TOPSECRET"));
  CHECK_THAT(load_with("sizes/abs"), Contains("leads outside"));
  CHECK_THAT(load_with("parent/secret"), Contains("leads outside") && !Contains("TOPSECRET"));
  CHECK(load_with("sizes/in").empty());
  // The directory itself may be reached through a link.
  std::filesystem::create_symlink(title, dir.path() / "alias");
  dir.write("title/ladder.json", one_rung_ladder("sizes/s0"));
  CHECK(Manifest::load(dir.path() / "alias").segment_size_bytes(0, 0) == 1000);
  // Other bad names.
  CHECK_THAT(load_with(""), Contains("'sizes_file' is empty"));
  CHECK_THAT(load_with("sizes"), Contains("is a directory"));
  CHECK_THAT(load_with("."), Contains("leads outside"));
  CHECK_THAT(load_with("missing"), Contains("missing") && Contains("cannot open"));
  dir.write("title/ladder.json", R"({"segment_duration_s": 4, "segments": 1, "rungs": [{"bitrate_kbps": 100, "sizes_file": 5}]})");
  CHECK_THROWS_WITH(Manifest::load(title), Contains("rung 0: 'sizes_file' must be a string"));
  dir.write("title/ladder.json", R"({"segment_duration_s": 4, "segments": 1, "rungs": [{"bitrate_kbps": 100}]})");
  CHECK_THROWS_WITH(Manifest::load(title), Contains("rung 0: 'sizes_file' is missing"));
  // A file inside the directory with other contents: only a short sanitised token.
  dir.write("title/sizes/s1", "TOPSECRET-" + std::string(500, 'x') + "\n");
  const std::string token = load_with("sizes/s1");
  CHECK_THAT(token, Contains("s1:1") && Contains("size") && Contains("..."));
  CHECK(token.size() < 300);
}

TEST_CASE("Manifest files are read as text within their limits", "[core][manifest][hostile]") {
  test::TempDir dir;
  dir.write("sizes/s0", "1000\n");
  dir.write("ladder.json", "\xEF\xBB\xBF" + one_rung_ladder("sizes/s0"));
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("ladder.json:1") && Contains("byte-order mark"));
  dir.write("ladder.json", one_rung_ladder("sizes/s0"));
  std::filesystem::resize_file(dir.path() / "ladder.json", kMaxLadderJsonBytes + 1);
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("ladder.json") && Contains("limit of 1 MiB"));
  std::filesystem::remove(dir.path() / "ladder.json");
  REQUIRE(::mkfifo((dir.path() / "ladder.json").c_str(), 0600) == 0);
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("ladder.json") && Contains("not a regular file"));
  std::filesystem::remove(dir.path() / "ladder.json");
  dir.write("ladder.json", one_rung_ladder("sizes/s0"));
  std::filesystem::resize_file(dir.path() / "sizes/s0", kMaxManifestColumnBytes + 1);
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("s0") && Contains("limit of 64 MiB"));
  std::filesystem::resize_file(dir.path() / "sizes/s0", 16);
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("s0:2: not text: NUL byte"));
  REQUIRE(::mkfifo((dir.path() / "sizes/fifo").c_str(), 0600) == 0);
  dir.write("ladder.json", one_rung_ladder("sizes/fifo"));
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("fifo") && Contains("not a regular file"));
  dir.write("ladder.json", "{\n  \"segments\": 1,\n  oops " + std::string(3000, 'z') + "\n}");
  const std::string json = error_of([&] { (void)Manifest::load(dir.path()); });
  CHECK_THAT(json, Contains("ladder.json:3") && Contains("invalid JSON") && !Contains("zzzz"));
  dir.write("ladder.json", "[1, 2]");
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("expected a JSON object"));
}

TEST_CASE("Nonsense in ladder.json and its files is refused with the field named", "[core][manifest][hostile]") {
  test::TempDir dir;
  dir.write("s", "1000\n2000\n");
  dir.write("q", "1\n2\n");
  const auto with = [&](const std::string& top, const std::string& rung = R"("bitrate_kbps": 100)") {
    dir.write("ladder.json", "{" + top + R"(, "rungs": [{)" + rung + R"(, "sizes_file": "s"}]})");
    return error_of([&] { (void)Manifest::load(dir.path()); });
  };
  const std::string ok_top = R"("segment_duration_s": 4, "segments": 2)";
  CHECK(with(ok_top).empty());
  for (const std::string duration : {"1e-300", "0.0009", "3601", "1e300"}) {
    CHECK_THAT(with(R"("segments": 2, "segment_duration_s": )" + duration), Contains("segment duration") && Contains("outside the limits"));
  }
  CHECK_THAT(with(R"("segments": 2, "segment_duration_s": 1e999)"), Contains("invalid JSON (a number is out of range)"));
  CHECK_THAT(with(R"("segments": 2, "segment_duration_s": -4)"), Contains("segment duration -4 s is not positive"));
  CHECK_THAT(with(R"("segments": 2, "segment_duration_s": "4")"), Contains("'segment_duration_s' must be a number"));
  CHECK_THAT(with(R"("segments": 2)"), Contains("'segment_duration_s' is missing"));
  for (const std::string segments : {"-1", "0", "2.5", "1e300", "\"2\"", "1000001", "18446744073709551616"}) {
    INFO(segments);
    CHECK_THAT(with(R"("segment_duration_s": 4, "segments": )" + segments), Contains("'segments' must be a whole number in 1..1000000"));
  }
  CHECK(with(R"("segment_duration_s": 4, "segments": 2.0)").empty());
  CHECK_THAT(with(ok_top, R"("bitrate_kbps": 1e300)"), Contains("rung 0 bitrate") && Contains("above the limit"));
  CHECK_THAT(with(ok_top, R"("bitrate_kbps": "100")"), Contains("rung 0: 'bitrate_kbps' must be a number"));
  CHECK_THAT(with(ok_top, R"("bitrate_kbps": 0)"), Contains("non-positive bitrate"));
  CHECK_THAT(with(ok_top, R"("bitrate_kbps": 100, "width": 1e20)"), Contains("rung 0: 'width' must be a whole number in 0..65535"));
  CHECK_THAT(with(ok_top, R"("bitrate_kbps": 100, "height": -2)"), Contains("'height' must be a whole number"));
  CHECK_THAT(with(ok_top, R"("bitrate_kbps": 100, "codec": 7)"), Contains("rung 0: 'codec' must be a string"));
  std::string many = R"({"segment_duration_s": 4, "segments": 2, "rungs": [)";
  for (int r = 0; r < 65; ++r) many += fmt::format(R"({}{{"bitrate_kbps": {}, "sizes_file": "s"}})", r ? "," : "", 100 + r);
  dir.write("ladder.json", many + "]}");
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("'rungs' has 65 entries, more than the limit of 64"));
  // The files.
  const auto sizes = [&](const std::string& content) {
    dir.write("s", content);
    return with(ok_top);
  };
  CHECK_THAT(sizes("1000\n0\n"), Contains("s:2: size is 0 bytes"));
  CHECK_THAT(sizes("1000\n2000000000000000\n"), Contains("s:2: size 2000000000000000 bytes is above the limit"));
  CHECK_THAT(sizes("-5\n1\n"), Contains("s:1: size '-5' is not a non-negative integer"));
  CHECK_THAT(sizes("18446744073709551616\n1\n"), Contains("s:1") && Contains("not a non-negative integer"));
  CHECK_THAT(sizes("nan\n1\n"), Contains("s:1"));
  CHECK(sizes("1\n2\nnot read: only the declared segments are\n").empty());
  dir.write("s", "1000\n2000\n");
  const auto quality = [&](const std::string& content) {
    dir.write("q", content);
    dir.write("ladder.json", R"({"segment_duration_s": 4, "segments": 2, "rungs": [{"bitrate_kbps": 100, "sizes_file": "s", "quality_file": "q"}]})");
    return error_of([&] { (void)Manifest::load(dir.path()); });
  };
  CHECK_THAT(quality("1\nnan\n"), Contains("q:2: quality 'nan'"));
  CHECK_THAT(quality("1\n1e7\n"), Contains("q:2: quality 10000000 is beyond the limit"));
  CHECK(quality("1\n-1e6\n").empty());
  dir.write("ladder.json", R"({"segment_duration_s": 4, "segments": 2, "rungs": [{"bitrate_kbps": 100, "sizes_file": "s", "quality_file": "q"},
    {"bitrate_kbps": 200, "sizes_file": "s"}]})");
  CHECK_THROWS_WITH(Manifest::load(dir.path()), Contains("'quality_file' is given for 1 of 2 rungs"));
}

TEST_CASE("The manifest constructor holds arrays from every binding to the limits", "[core][manifest][hostile]") {
  const auto one = [](double bitrate, double duration, std::size_t segments) {
    return error_of([&] { Manifest({{bitrate, 0, 0, ""}}, duration, segments); });
  };
  CHECK(one(1e6, 4.0, 10).empty());
  CHECK_THAT(one(1e6, 1e-300, 10), Contains("segment duration") && Contains("outside the limits of 0.001 s to 3600 s"));
  CHECK_THAT(one(1e6, 1e300, 10), Contains("segment duration") && Contains("outside the limits"));
  CHECK_THAT(one(1e6, std::nan(""), 10), Contains("segment duration nan s is not finite"));
  CHECK_THAT(one(1e6, -1.0, 10), Contains("segment duration -1 s is not positive"));
  CHECK_THAT(one(1e6, 4.0, kMaxSegments + 1), Contains("segment count 1000001 is above the limit of 1000000"));
  CHECK_THAT(one(1e6, 4.0, 0), Contains("segment count is 0"));
  CHECK_THAT(one(std::numeric_limits<double>::infinity(), 4.0, 10), Contains("rung 0 bitrate inf is not finite"));
  CHECK_THAT(one(std::nan(""), 4.0, 10), Contains("rung 0 bitrate nan is not finite"));
  CHECK_THAT(one(2e12, 4.0, 10), Contains("rung 0 bitrate") && Contains("above the limit of 1e+12 bps"));
  CHECK_THAT(one(-1, 4.0, 10), Contains("non-positive bitrate"));
  CHECK_THAT(one(1e12, 3600, 1), Contains("rung 0") && Contains("bytes per segment, above the limit of 1000000000000 bytes"));
  CHECK(Manifest({{1e12, 0, 0, ""}}, 3600, 1, {{1000}}).segment_size_bytes(0, 0) == 1000);
  // The smallest segment still has a byte.
  CHECK(Manifest({{1.0, 0, 0, ""}}, kMinSegmentDurationS, 1).segment_size_bytes(0, 0) == 1);
  std::vector<Rung> rungs;
  for (std::size_t r = 0; r < kMaxRungs; ++r) rungs.push_back({1e5 * static_cast<double>(r + 1), 0, 0, ""});
  CHECK(Manifest(rungs, 4.0, 2).rung_count() == kMaxRungs);
  rungs.push_back({1e9, 0, 0, ""});
  CHECK_THROWS_WITH(Manifest(rungs, 4.0, 2), Contains("65 rungs, more than the limit of 64"));
  const std::vector<Rung> two = {{1e5, 0, 0, ""}, {2e5, 0, 0, ""}};
  CHECK_THROWS_WITH(Manifest(two, 4.0, 1, {{1, 0}}), Contains("segment 0 rung 1 has size 0"));
  CHECK_THROWS_WITH(Manifest(two, 4.0, 1, {{1, kMaxSegmentSizeBytes + 1}}), Contains("segment 0 rung 1 size") && Contains("above the limit"));
  CHECK_THROWS_WITH(Manifest(two, 4.0, 1, {{1, UINT64_MAX}}), Contains("above the limit"));
  CHECK_THROWS_WITH(Manifest(two, 4.0, 1, {}, {{1.0, std::nan("")}}), Contains("segment 0 rung 1 has a non-finite quality"));
  CHECK_THROWS_WITH(Manifest(two, 4.0, 1, {}, {{1.0, -2e6}}), Contains("quality -2000000 is beyond the limit"));
  CHECK_THROWS_WITH(Manifest({{1e5, -1, 0, ""}}, 4.0, 1), Contains("rung 0 width -1 is outside 0..65535"));
  CHECK_THROWS_WITH(Manifest({{1e5, 0, 70000, ""}}, 4.0, 1), Contains("rung 0 height 70000"));
  CHECK_THROWS_WITH(Manifest::synthetic({1e6}, 1e300, 2), Contains("segment duration"));
}

TEST_CASE("Manifest::save writes a directory Manifest::load reads back equal", "[core][manifest]") {
  test::TempDir dir;
  const std::vector<Rung> rungs = {{300e3, 320, 180, "h264"}, {750e3, 640, 360, "h264"}, {1234567, 1280, 720, "h264"}};
  const std::vector<std::vector<std::uint64_t>> sizes = {{1, 2, 3}, {150000, 375000, 617283}, {7, 8, kMaxSegmentSizeBytes}};
  const std::vector<std::vector<double>> quality = {{0.1, -3.25, 1e-7}, {12.3457, 99.99, 1.0 / 3.0}, {0, -0.0, 1e6}};
  Manifest original(rungs, 2.002, 3, sizes, quality);
  original.set_name("round trip \"title\"");
  const auto out = dir.path() / "new" / "title";
  original.save(out);
  const Manifest back = Manifest::load(out);
  CHECK(back.name() == original.name());
  CHECK(back.segment_duration_s() == original.segment_duration_s());
  CHECK(back.segment_count() == 3);
  REQUIRE(back.rung_count() == 3);
  for (std::size_t r = 0; r < 3; ++r) {
    CHECK(back.rungs()[r].bitrate_bps == Approx(rungs[r].bitrate_bps).epsilon(1e-15));
    CHECK(back.rungs()[r].width == rungs[r].width);
    CHECK(back.rungs()[r].height == rungs[r].height);
    CHECK(back.rungs()[r].codec == "h264");
    for (std::size_t s = 0; s < 3; ++s) {
      CHECK(back.segment_size_bytes(s, r) == sizes[s][r]);
      CHECK(back.segment_quality(s, r) == quality[s][r]);
    }
  }
  CHECK(back.bitrate_bps(0) == 300e3);
  CHECK(std::filesystem::is_regular_file(out / "sizes" / "video_size_2"));
  CHECK(std::filesystem::is_regular_file(out / "quality" / "quality_2"));
  for (const auto& entry : std::filesystem::recursive_directory_iterator(out)) {
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
  }
  // Saving again over the same directory, with the quality files named by what they hold.
  original.save(out, "ssim_db");
  CHECK(std::filesystem::is_regular_file(out / "quality" / "ssim_db_0"));
  CHECK(Manifest::load(out).segment_quality(1, 0) == 12.3457);
  CHECK_THROWS_WITH(original.save(out, "../escape"), Contains("quality stem '../escape'"));
  CHECK_THROWS_WITH(original.save(out, ""), Contains("quality stem"));
  // Per-rung codecs, no quality, no widths: each comes back as it was.
  Manifest mixed({{1e6, 0, 0, "h264"}, {2e6, 0, 0, "av1"}, {3e6, 0, 0, ""}}, 4.0, 2, {{10, 20, 30}, {40, 50, 60}});
  mixed.save(dir.path() / "mixed");
  const Manifest mixed_back = Manifest::load(dir.path() / "mixed");
  CHECK(mixed_back.rungs()[0].codec == "h264");
  CHECK(mixed_back.rungs()[1].codec == "av1");
  CHECK(mixed_back.rungs()[2].codec.empty());
  CHECK(mixed_back.rungs()[1].width == 0);
  CHECK_FALSE(mixed_back.has_quality());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "mixed" / "quality"));
  CHECK(mixed_back.segment_size_bytes(1, 2) == 60);
  // Without sizes, the computed sizes are written.
  const Manifest plain({{1e6, 0, 0, ""}, {2e6, 0, 0, ""}}, 4.0, 3);
  plain.save(dir.path() / "plain");
  const Manifest plain_back = Manifest::load(dir.path() / "plain");
  CHECK(plain_back.has_sizes());
  CHECK(plain_back.segment_size_bytes(2, 1) == plain.segment_size_bytes(2, 1));
  CHECK(plain_back.name() == "synthetic");
  // The default synthetic ladder round-trips segment by segment.
  const Manifest def = Manifest::synthetic_default(9);
  def.save(dir.path() / "def");
  const Manifest def_back = Manifest::load(dir.path() / "def");
  for (std::size_t s = 0; s < def.segment_count(); ++s) {
    for (std::size_t r = 0; r < def.rung_count(); ++r) CHECK(def_back.segment_size_bytes(s, r) == def.segment_size_bytes(s, r));
    CHECK(def_back.bitrate_bps(s % def.rung_count()) == def.bitrate_bps(s % def.rung_count()));
  }
  // A directory that cannot be created is an Error naming it.
  dir.write("file", "x");
  CHECK_THROWS_WITH(def.save(dir.path() / "file" / "sub"), Contains("cannot create directory"));
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

