#include "core/manifest_sabre.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt::detail {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kDurationKey = "segment_duration_ms";
constexpr const char* kBitratesKey = "bitrates_kbps";
constexpr const char* kSizesKey = "segment_sizes_bits";

// Largest segment size accepted in the file, in bits (kMaxSegmentSizeBytes x 8;
// exact in a double).
constexpr double kMaxSegmentSizeBits = static_cast<double>(kMaxSegmentSizeBytes) * 8.0;

// The fields of a movie file, as read.
struct Movie {
  std::optional<double> duration_ms;
  std::optional<std::vector<double>> bitrates_kbps;
  std::optional<std::vector<std::vector<std::uint64_t>>> sizes_bytes;  // [segment][rung]
};

// Reads a movie file event by event (nlohmann's SAX interface), straight into
// `Movie`: no JSON tree is built, so memory stays proportional to the sizes
// kept, and rows are capped at kMaxSegments and kMaxRungs entries as they
// arrive. Every check that can be made on one value is made here, naming the
// field; the first failure stops the parse and is kept in `error`. Other
// top-level keys are skipped.
class MovieReader final : public nlohmann::json_sax<Json> {
 public:
  MovieReader(std::string name, std::string_view text) : name_(std::move(name)), text_(text) {}

  Movie movie;
  std::string error;  // empty unless the parse was stopped

  bool null() override { return scalar("null"); }
  bool boolean(bool /*value*/) override { return scalar("a boolean"); }
  bool number_integer(number_integer_t value) override { return number(static_cast<double>(value)); }
  bool number_unsigned(number_unsigned_t value) override { return number(static_cast<double>(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) override { return number(value); }
  bool string(string_t& /*value*/) override { return scalar("a string"); }
  bool binary(binary_t& /*value*/) override { return scalar("binary data"); }

  bool start_object(std::size_t /*elements*/) override {
    if (skipping()) return enter();
    if (depth_ == 0) {
      top_started_ = true;
      return enter();
    }
    if (depth_ == 1 && field_ == Field::other) return start_skipping();
    return fail(expected_here() + ", not an object");
  }

  bool end_object() override { return leave(); }

  bool key(string_t& name) override {
    if (skipping() || depth_ != 1) return true;  // keys of skipped objects
    if (name == kDurationKey) {
      field_ = Field::duration;
    } else if (name == kBitratesKey) {
      field_ = Field::bitrates;
    } else if (name == kSizesKey) {
      field_ = Field::sizes;
    } else {
      field_ = Field::other;
      return true;
    }
    const bool seen = field_ == Field::duration   ? seen_duration_
                      : field_ == Field::bitrates ? movie.bitrates_kbps.has_value()
                                                  : movie.sizes_bytes.has_value();
    if (seen) return fail(fmt::format("'{}' appears more than once", name));
    return true;
  }

  bool start_array(std::size_t /*elements*/) override {
    if (skipping()) return enter();
    if (depth_ == 0) return fail("expected a JSON object, not an array");
    if (depth_ == 1) {
      switch (field_) {
        case Field::other: return start_skipping();
        case Field::duration: return fail(fmt::format("'{}' must be a number, not an array", kDurationKey));
        case Field::bitrates: movie.bitrates_kbps.emplace(); return enter();
        case Field::sizes: movie.sizes_bytes.emplace(); return enter();
      }
    }
    if (depth_ == 2 && field_ == Field::sizes) {
      auto& rows = *movie.sizes_bytes;
      if (rows.size() >= kMaxSegments) {
        return fail(fmt::format("'{}' has more than {} segments, the limit (kMaxSegments)", kSizesKey, kMaxSegments));
      }
      rows.emplace_back();
      return enter();
    }
    return fail(expected_here() + ", not an array");
  }

  bool end_array() override { return leave(); }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& e) override {
    // nlohmann's message quotes the offending token; give only the place.
    const auto at = position_of(text_, position > 0 ? position - 1 : 0);
    const std::string in = depth_ >= 1 && field_ != Field::other ? ", in " + context() : "";
    error = fmt::format("{}: invalid JSON ({} at column {}{})", location(std::string_view(name_), at.line),
                        e.id == 406 ? "a number is out of range" : "syntax error", at.column, in);
    return false;
  }

  // Whether the whole text was one JSON object.
  [[nodiscard]] bool saw_object() const { return top_started_; }

 private:
  enum class Field { other, duration, bitrates, sizes };

  bool skipping() const { return skip_from_ > 0; }
  bool enter() {
    ++depth_;
    return true;
  }
  bool leave() {
    if (skipping() && depth_ == skip_from_) skip_from_ = 0;
    --depth_;
    return true;
  }
  bool start_skipping() {
    enter();
    skip_from_ = depth_;
    return true;
  }

  bool fail(const std::string& what) {
    error = fmt::format("{}: {}", name_, what);
    return false;
  }

  // Where the next value goes, for messages: "'segment_sizes_bits' segment 3 rung 2".
  std::string context() const {
    switch (field_) {
      case Field::duration: return fmt::format("'{}'", kDurationKey);
      case Field::bitrates:
        return depth_ >= 2 ? fmt::format("'{}' entry {}", kBitratesKey, movie.bitrates_kbps->size())
                           : fmt::format("'{}'", kBitratesKey);
      case Field::sizes: {
        if (depth_ < 2) return fmt::format("'{}'", kSizesKey);
        const auto& rows = *movie.sizes_bytes;
        if (depth_ == 2) return fmt::format("'{}' segment {}", kSizesKey, rows.size());
        return fmt::format("'{}' segment {} rung {}", kSizesKey, rows.size() - 1, rows.back().size());
      }
      case Field::other: break;
    }
    return "the top-level object";
  }

  // What the current position expects, for type errors.
  std::string expected_here() const {
    if (depth_ == 0) return "expected a JSON object";
    switch (field_) {
      case Field::duration: return fmt::format("'{}' must be a number", kDurationKey);
      case Field::bitrates:
        return depth_ == 1 ? fmt::format("'{}' must be an array of numbers", kBitratesKey)
                           : context() + " must be a number";
      case Field::sizes:
        if (depth_ == 1) return fmt::format("'{}' must be an array of segments (arrays of sizes)", kSizesKey);
        if (depth_ == 2) return context() + " must be an array of sizes, one per rung";
        return context() + " must be a number";
      case Field::other: break;
    }
    return "unexpected value";
  }

  bool scalar(const char* what) {
    if (skipping() || (depth_ == 1 && field_ == Field::other)) return true;
    return fail(fmt::format("{}, not {}", expected_here(), what));
  }

  bool number(double value) {
    if (skipping() || (depth_ == 1 && field_ == Field::other)) return true;
    if (depth_ == 1 && field_ == Field::duration) return duration(value);
    if (depth_ == 2 && field_ == Field::bitrates) return bitrate(value);
    if (depth_ == 3 && field_ == Field::sizes) return size(value);
    return fail(expected_here() + ", not a number");
  }

  bool duration(double ms) {
    seen_duration_ = true;
    const std::string where = context();
    if (!std::isfinite(ms)) return fail(fmt::format("{} is not finite", where));
    if (!(ms > 0)) return fail(fmt::format("{} {} is not positive", where, ms));
    const double low = kMinSegmentDurationS * 1000.0, high = kMaxSegmentDurationS * 1000.0;
    if (ms < low || ms > high) {
      return fail(fmt::format("{} {} ms is outside the limits of {:g} ms to {:g} ms", where, ms, low, high));
    }
    movie.duration_ms = ms;
    return true;
  }

  bool bitrate(double kbps) {
    auto& bitrates = *movie.bitrates_kbps;
    const std::string where = context();
    if (bitrates.size() >= kMaxRungs) {
      return fail(fmt::format("'{}' has more than {} entries, the limit (kMaxRungs)", kBitratesKey, kMaxRungs));
    }
    if (!std::isfinite(kbps)) return fail(fmt::format("{} is not finite", where));
    if (!(kbps > 0)) return fail(fmt::format("{} {} kbps is not positive", where, kbps));
    if (kbps * 1000.0 > kMaxBitrateBps) {
      return fail(fmt::format("{} {} kbps is above the limit of {:g} kbps", where, kbps, kMaxBitrateBps / 1000.0));
    }
    if (!bitrates.empty() && !(kbps > bitrates.back())) {
      return fail(fmt::format("'{}' is not in strictly ascending order: entry {} ({} kbps) is not above entry {} "
                              "({} kbps); list the rungs from the lowest bitrate",
                              kBitratesKey, bitrates.size(), kbps, bitrates.size() - 1, bitrates.back()));
    }
    bitrates.push_back(kbps);
    return true;
  }

  bool size(double bits) {
    auto& row = movie.sizes_bytes->back();
    const std::string where = context();
    if (row.size() >= kMaxRungs) {
      return fail(fmt::format("'{}' segment {} has more than {} sizes, the limit (kMaxRungs)", kSizesKey,
                              movie.sizes_bytes->size() - 1, kMaxRungs));
    }
    if (!std::isfinite(bits)) return fail(fmt::format("{} is not finite", where));
    if (!(bits > 0)) return fail(fmt::format("{} size {} bits is not positive", where, bits));
    if (bits > kMaxSegmentSizeBits) {
      return fail(fmt::format("{} size {} bits is above the limit of {:g} bits ({} bytes)", where, bits,
                              kMaxSegmentSizeBits, kMaxSegmentSizeBytes));
    }
    // Whole bytes, rounding up: a segment of 1001 bits takes 126 bytes to send.
    row.push_back(static_cast<std::uint64_t>(std::ceil(bits / 8.0)));
    return true;
  }

  std::string name_;
  std::string_view text_;
  int depth_ = 0;
  int skip_from_ = 0;  // depth of the skipped container being read, 0 when none
  Field field_ = Field::other;
  bool seen_duration_ = false;
  bool top_started_ = false;
};

// The title's name: the directory the file is in ("bbb-sabre" for
// .../bbb-sabre/movie.json).
std::string title_of(const fs::path& file) {
  std::error_code ec;
  fs::path absolute = fs::absolute(file, ec);
  if (ec) absolute = file;
  const std::string name = absolute.lexically_normal().parent_path().filename().string();
  return name.empty() ? "sabre" : name;
}

}  // namespace

Manifest load_sabre_movie(const std::filesystem::path& file) {
  const std::string name = file.string();
  const std::string text = read_text_file(file, kMaxManifestColumnBytes);
  MovieReader reader(name, text);
  const bool parsed = Json::sax_parse(text, &reader);
  if (!parsed || !reader.error.empty()) {
    throw Error(reader.error.empty() ? fmt::format("{}: invalid JSON", name) : reader.error);
  }
  if (!reader.saw_object()) throw Error(fmt::format("{}: expected a JSON object", name));
  Movie& movie = reader.movie;
  for (const auto& [key, present] : {std::pair{kDurationKey, movie.duration_ms.has_value()},
                                     std::pair{kBitratesKey, movie.bitrates_kbps.has_value()},
                                     std::pair{kSizesKey, movie.sizes_bytes.has_value()}}) {
    if (!present) throw Error(fmt::format("{}: '{}' is missing (a Sabre movie file needs '{}', '{}' and '{}')", name,
                                          key, kDurationKey, kBitratesKey, kSizesKey));
  }
  const auto& bitrates = *movie.bitrates_kbps;
  auto& sizes = *movie.sizes_bytes;
  if (bitrates.empty()) throw Error(fmt::format("{}: '{}' is empty", name, kBitratesKey));
  if (sizes.empty()) throw Error(fmt::format("{}: '{}' has no segments", name, kSizesKey));
  for (std::size_t s = 0; s < sizes.size(); ++s) {
    if (sizes[s].size() != bitrates.size()) {
      throw Error(fmt::format("{}: '{}' segment {} has {} sizes, but '{}' lists {} rungs (rows must not be ragged)",
                              name, kSizesKey, s, sizes[s].size(), kBitratesKey, bitrates.size()));
    }
  }
  std::vector<Rung> rungs;
  rungs.reserve(bitrates.size());
  for (double kbps : bitrates) rungs.push_back(Rung{kbps * 1000.0, 0, 0, ""});
  const std::size_t count = sizes.size();
  try {
    Manifest manifest(std::move(rungs), *movie.duration_ms / 1000.0, count, sizes);
    manifest.set_name(title_of(file));
    return manifest;
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", name, e.what()));
  }
}

}  // namespace streamopt::detail
