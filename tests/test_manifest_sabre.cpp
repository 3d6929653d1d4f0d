// Manifest::load on Sabre's movie.json (lib/core/manifest_sabre.cpp).

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;
using test::error_of;

namespace {

// Two segments of three rungs; sizes in bits, 1001 bits rounding up to 126 bytes.
const char* const kSmallMovie = R"({
  "segment_duration_ms": 2500,
  "bitrates_kbps": [100, 250, 600],
  "segment_sizes_bits": [[8000, 1001, 1500008], [16, 24000, 9]]
})";

// The error `Manifest::load` gives for a movie.json of `content` in a fresh directory.
std::string movie_error(const std::string& content) {
  test::TempDir dir;
  dir.write("title/movie.json", content);
  return error_of([&] { (void)Manifest::load(dir.path() / "title"); });
}

}  // namespace

TEST_CASE("A directory holding Sabre's movie.json loads as a manifest in SI units", "[core][manifest][sabre]") {
  test::TempDir dir;
  dir.write("my-title/movie.json", kSmallMovie);
  const Manifest m = Manifest::load(dir.path() / "my-title");
  REQUIRE(m.rung_count() == 3);
  CHECK(m.bitrate_bps(0) == 100e3);
  CHECK(m.bitrate_bps(1) == 250e3);
  CHECK(m.bitrate_bps(2) == 600e3);
  CHECK(m.segment_duration_s() == 2.5);
  REQUIRE(m.segment_count() == 2);
  REQUIRE(m.has_sizes());
  CHECK_FALSE(m.has_quality());
  CHECK(m.segment_size_bytes(0, 0) == 1000);    // 8000 bits
  CHECK(m.segment_size_bytes(0, 1) == 126);     // 1001 bits: rounded up
  CHECK(m.segment_size_bytes(0, 2) == 187501);  // 1500008 bits
  CHECK(m.segment_size_bytes(1, 0) == 2);
  CHECK(m.segment_size_bytes(1, 1) == 3000);
  CHECK(m.segment_size_bytes(1, 2) == 2);  // 9 bits: rounded up
  CHECK(m.name() == "my-title");
  CHECK(m.rungs()[0].width == 0);
  CHECK(m.rungs()[0].codec.empty());

  SECTION("the file itself can be given") {
    const Manifest f = Manifest::load(dir.path() / "my-title" / "movie.json");
    CHECK(f.name() == "my-title");
    CHECK(f.rung_count() == 3);
    CHECK(f.segment_size_bytes(0, 1) == 126);
  }
  SECTION("any .json file name is read as a movie file") {
    dir.write("other/bbb.json", kSmallMovie);
    CHECK(Manifest::load(dir.path() / "other" / "bbb.json").name() == "other");
  }
  SECTION("a trailing separator on the directory keeps the name") {
    CHECK(Manifest::load((dir.path() / "my-title").string() + "/").name() == "my-title");
  }
  SECTION("unknown top-level keys are skipped, whatever their type") {
    dir.write("extra/movie.json", R"({"comment": {"a": [1, [2]], "b": null}, "segment_duration_ms": 4000,
      "bitrates_kbps": [300], "tags": ["x"], "segment_sizes_bits": [[800]]})");
    const Manifest e = Manifest::load(dir.path() / "extra");
    CHECK(e.segment_duration_s() == 4.0);
    CHECK(e.segment_size_bytes(0, 0) == 100);
  }
}

TEST_CASE("ladder.json wins over movie.json in the same directory", "[core][manifest][sabre]") {
  test::TempDir dir;
  dir.write("movie.json", kSmallMovie);
  dir.write("ladder.json", R"({"name": "from-ladder", "segment_duration_s": 4, "segments": 1,
    "rungs": [{"bitrate_kbps": 100, "sizes_file": "s0"}]})");
  dir.write("s0", "10\n");
  const Manifest m = Manifest::load(dir.path());
  CHECK(m.name() == "from-ladder");
  CHECK(m.rung_count() == 1);
}

TEST_CASE("A directory with neither ladder.json nor movie.json still names ladder.json", "[core][manifest][sabre]") {
  test::TempDir dir;
  CHECK_THAT(error_of([&] { (void)Manifest::load(dir.path()); }),
             Contains("ladder.json") && Contains("cannot open"));
  const auto missing = dir.path() / "nope.json";
  CHECK_THAT(error_of([&] { (void)Manifest::load(missing); }), Contains("nope.json") && Contains("cannot open"));
}

TEST_CASE("Bad Sabre movie files fail naming the file and the field", "[core][manifest][sabre]") {
  SECTION("missing keys") {
    CHECK_THAT(movie_error(R"({"bitrates_kbps": [1], "segment_sizes_bits": [[8]]})"),
               Contains("movie.json: 'segment_duration_ms' is missing"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "segment_sizes_bits": [[8]]})"),
               Contains("movie.json: 'bitrates_kbps' is missing"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1]})"),
               Contains("movie.json: 'segment_sizes_bits' is missing"));
  }
  SECTION("wrong types") {
    CHECK_THAT(movie_error(R"({"segment_duration_ms": "3000", "bitrates_kbps": [1], "segment_sizes_bits": [[8]]})"),
               Contains("'segment_duration_ms' must be a number, not a string"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": [3000], "bitrates_kbps": [1], "segment_sizes_bits": [[8]]})"),
               Contains("'segment_duration_ms' must be a number, not an array"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": 1, "segment_sizes_bits": [[8]]})"),
               Contains("'bitrates_kbps' must be an array of numbers, not a number"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1, "2"], "segment_sizes_bits": [[8]]})"),
               Contains("'bitrates_kbps' entry 1 must be a number, not a string"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1], "segment_sizes_bits": [8]})"),
               Contains("'segment_sizes_bits' segment 0 must be an array of sizes, one per rung, not a number"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1], "segment_sizes_bits": [[8], [true]]})"),
               Contains("'segment_sizes_bits' segment 1 rung 0 must be a number, not a boolean"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1], "segment_sizes_bits": {"0": [8]}})"),
               Contains("'segment_sizes_bits' must be an array of segments"));
    CHECK_THAT(movie_error("[1, 2]"), Contains("movie.json: expected a JSON object"));
    CHECK_THAT(movie_error("3000"), Contains("movie.json: expected a JSON object"));
  }
  SECTION("ragged rows") {
    const auto msg = movie_error(
        R"({"segment_duration_ms": 1000, "bitrates_kbps": [1, 2], "segment_sizes_bits": [[8, 16], [8]]})");
    CHECK_THAT(msg, Contains("movie.json: 'segment_sizes_bits' segment 1 has 1 sizes, but 'bitrates_kbps' lists 2 rungs"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1], "segment_sizes_bits": [[8, 16]]})"),
               Contains("segment 0 has 2 sizes, but 'bitrates_kbps' lists 1 rungs"));
  }
  SECTION("empty arrays") {
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [], "segment_sizes_bits": [[8]]})"),
               Contains("'bitrates_kbps' is empty"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1], "segment_sizes_bits": []})"),
               Contains("'segment_sizes_bits' has no segments"));
  }
  SECTION("non-positive values") {
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 0, "bitrates_kbps": [1], "segment_sizes_bits": [[8]]})"),
               Contains("'segment_duration_ms' 0 is not positive"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [-5], "segment_sizes_bits": [[8]]})"),
               Contains("'bitrates_kbps' entry 0 -5 kbps is not positive"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1, 2], "segment_sizes_bits": [[8, 0]]})"),
               Contains("'segment_sizes_bits' segment 0 rung 1 size 0 bits is not positive"));
  }
  SECTION("non-finite and out-of-range values") {
    const auto msg =
        movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1], "segment_sizes_bits": [[1e999]]})");
    CHECK_THAT(msg, Contains("movie.json:1") && Contains("a number is out of range") &&
                        Contains("'segment_sizes_bits' segment 0 rung 0"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [1], "segment_sizes_bits": [[8e13]]})"),
               Contains("segment 0 rung 0 size 80000000000000 bits is above the limit"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [2e9], "segment_sizes_bits": [[8]]})"),
               Contains("'bitrates_kbps' entry 0") && Contains("above the limit of 1e+09 kbps"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 0.5, "bitrates_kbps": [1], "segment_sizes_bits": [[8]]})"),
               Contains("'segment_duration_ms' 0.5 ms is outside the limits of 1 ms to 3.6e+06 ms"));
  }
  SECTION("unsorted bitrates say which entries") {
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [100, 300, 200],
                              "segment_sizes_bits": [[8, 8, 8]]})"),
               Contains("'bitrates_kbps' is not in strictly ascending order: entry 2 (200 kbps) is not above entry 1 "
                        "(300 kbps)"));
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "bitrates_kbps": [100, 100], "segment_sizes_bits": [[8, 8]]})"),
               Contains("entry 1 (100 kbps) is not above entry 0 (100 kbps)"));
  }
  SECTION("duplicate keys") {
    CHECK_THAT(movie_error(R"({"segment_duration_ms": 1000, "segment_duration_ms": 2000, "bitrates_kbps": [1],
                              "segment_sizes_bits": [[8]]})"),
               Contains("'segment_duration_ms' appears more than once"));
  }
  SECTION("syntax errors give the line and column only") {
    const auto msg = movie_error("{\n  \"segment_duration_ms\": 1000,\n  \"bitrates_kbps\": [1, secret]\n}");
    CHECK_THAT(msg, Contains("movie.json:3: invalid JSON (syntax error at column") && Contains("'bitrates_kbps'"));
    CHECK_THAT(msg, !Contains("secret"));
  }
  SECTION("text only, within the size limit, regular files only") {
    CHECK_THAT(movie_error("\xEF\xBB\xBF{}"), Contains("movie.json:1") && Contains("byte-order mark"));
    CHECK_THAT(movie_error(std::string("{\"a\": 1}\0", 9)), Contains("not text"));
    test::TempDir dir;
    const auto big = dir.write("t/movie.json", kSmallMovie);
    std::filesystem::resize_file(big, kMaxManifestColumnBytes + 1);
    CHECK_THAT(error_of([&] { (void)Manifest::load(dir.path() / "t"); }),
               Contains("movie.json") && Contains("limit of 64 MiB"));
    std::filesystem::create_directories(dir.path() / "d" / "movie.json");
    CHECK_THAT(error_of([&] { (void)Manifest::load(dir.path() / "d"); }),
               Contains("movie.json: is a directory"));
    CHECK_THAT(error_of([&] { (void)Manifest::load("/dev/null"); }), Contains("/dev/null: not a regular file"));
  }
}

TEST_CASE("The shared bbb-sabre title loads from Sabre's movie.json", "[.data][sabre]") {
  const auto root = test::require_data({"video/bbb-sabre/movie.json"});
  if (root.empty()) return;
  const auto dir = root / "video" / "bbb-sabre";
  const Manifest m = Manifest::load(dir);
  CHECK(m.name() == "bbb-sabre");
  REQUIRE(m.rung_count() == 10);
  CHECK(m.bitrate_bps(0) == 230e3);
  CHECK(m.bitrate_bps(9) == 6000e3);
  CHECK(m.segment_duration_s() == 3.0);
  // The segment count is the number of rows in the file: count the rows'
  // opening brackets after the "segment_sizes_bits" key, independently of the loader.
  std::ifstream in(dir / "movie.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto key = text.find("\"segment_sizes_bits\"");
  REQUIRE(key != std::string::npos);
  const auto outer = text.find('[', key);
  REQUIRE(outer != std::string::npos);
  std::size_t rows = 0;
  for (std::size_t i = outer + 1; i < text.size(); ++i) rows += text[i] == '[' ? 1 : 0;
  CHECK(rows == 199);
  CHECK(m.segment_count() == rows);
  // Segment 0 at the lowest rung is 886360 bits in the file.
  CHECK(m.segment_size_bytes(0, 0) == 886360 / 8);
  CHECK(Manifest::load(dir / "movie.json").segment_count() == rows);
}
