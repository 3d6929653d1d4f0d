#include "streamopt/manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "core/json_fields.hpp"
#include "core/manifest_sabre.hpp"
#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

namespace {

// The checks of the ladder itself (rungs, duration, count), shared by the
// constructor and by `load` before it reads any sizes file.
void check_ladder(const std::vector<Rung>& rungs, double segment_duration_s, std::size_t segment_count) {
  if (rungs.empty()) throw Error("manifest: the ladder has no rungs");
  if (rungs.size() > kMaxRungs) {
    throw Error(fmt::format("manifest: {} rungs, more than the limit of {}", rungs.size(), kMaxRungs));
  }
  for (std::size_t r = 0; r < rungs.size(); ++r) {
    const double bitrate = rungs[r].bitrate_bps;
    if (!std::isfinite(bitrate)) throw Error(fmt::format("manifest: rung {} bitrate {} is not finite", r, bitrate));
    if (!(bitrate > 0)) throw Error(fmt::format("manifest: rung {} has non-positive bitrate {}", r, bitrate));
    if (bitrate > kMaxBitrateBps) {
      throw Error(fmt::format("manifest: rung {} bitrate {} bps is above the limit of {:g} bps", r, bitrate,
                              kMaxBitrateBps));
    }
    if (r > 0 && !(bitrate > rungs[r - 1].bitrate_bps)) {
      throw Error(fmt::format("manifest: rung {} bitrate {} bps is not above rung {}'s {} bps", r, bitrate, r - 1,
                              rungs[r - 1].bitrate_bps));
    }
    for (const auto& [what, value] : {std::pair{"width", rungs[r].width}, std::pair{"height", rungs[r].height}}) {
      if (value < 0 || value > kMaxRungDimension) {
        throw Error(fmt::format("manifest: rung {} {} {} is outside 0..{}", r, what, value, kMaxRungDimension));
      }
    }
  }
  if (!std::isfinite(segment_duration_s)) {
    throw Error(fmt::format("manifest: segment duration {} s is not finite", segment_duration_s));
  }
  if (!(segment_duration_s > 0)) {
    throw Error(fmt::format("manifest: segment duration {} s is not positive", segment_duration_s));
  }
  if (segment_duration_s < kMinSegmentDurationS || segment_duration_s > kMaxSegmentDurationS) {
    throw Error(fmt::format("manifest: segment duration {} s is outside the limits of {:g} s to {:g} s",
                            segment_duration_s, kMinSegmentDurationS, kMaxSegmentDurationS));
  }
  if (segment_count == 0) throw Error("manifest: segment count is 0");
  if (segment_count > kMaxSegments) {
    throw Error(fmt::format("manifest: segment count {} is above the limit of {}", segment_count, kMaxSegments));
  }
}

}  // namespace

Manifest::Manifest(std::vector<Rung> rungs, double segment_duration_s, std::size_t segment_count,
                   const std::vector<std::vector<std::uint64_t>>& sizes_bytes,
                   const std::vector<std::vector<double>>& quality)
    : rungs_(std::move(rungs)),
      segment_duration_s_(segment_duration_s),
      segment_count_(segment_count) {
  check_ladder(rungs_, segment_duration_s_, segment_count_);
  if (sizes_bytes.empty()) {
    // Sizes then come from bitrate x duration; they must stay within the limit too.
    const double top_bytes = rungs_.back().bitrate_bps * segment_duration_s_ / 8.0;
    if (top_bytes > static_cast<double>(kMaxSegmentSizeBytes)) {
      throw Error(fmt::format("manifest: rung {} bitrate {} bps x segment duration {} s gives {} bytes per segment, "
                              "above the limit of {} bytes",
                              rungs_.size() - 1, rungs_.back().bitrate_bps, segment_duration_s_, top_bytes,
                              kMaxSegmentSizeBytes));
    }
  }
  const auto check_shape = [&](std::size_t rows, auto row_size, const char* what) {
    if (rows != segment_count_) {
      throw Error(fmt::format("manifest: {} has {} segments, expected {}", what, rows, segment_count_));
    }
    for (std::size_t s = 0; s < rows; ++s) {
      if (row_size(s) != rungs_.size()) {
        throw Error(fmt::format("manifest: {} of segment {} has {} rungs, expected {}", what, s, row_size(s),
                                rungs_.size()));
      }
    }
  };
  if (!sizes_bytes.empty()) {
    check_shape(sizes_bytes.size(), [&](std::size_t s) { return sizes_bytes[s].size(); }, "sizes");
    sizes_bytes_.reserve(segment_count_ * rungs_.size());
    for (std::size_t s = 0; s < segment_count_; ++s) {
      for (std::size_t r = 0; r < rungs_.size(); ++r) {
        const std::uint64_t size = sizes_bytes[s][r];
        if (size == 0) throw Error(fmt::format("manifest: segment {} rung {} has size 0", s, r));
        if (size > kMaxSegmentSizeBytes) {
          throw Error(fmt::format("manifest: segment {} rung {} size {} bytes is above the limit of {} bytes", s, r,
                                  size, kMaxSegmentSizeBytes));
        }
        sizes_bytes_.push_back(size);
      }
    }
  }
  if (!quality.empty()) {
    check_shape(quality.size(), [&](std::size_t s) { return quality[s].size(); }, "quality");
    quality_.reserve(segment_count_ * rungs_.size());
    for (std::size_t s = 0; s < segment_count_; ++s) {
      for (std::size_t r = 0; r < rungs_.size(); ++r) {
        const double q = quality[s][r];
        if (!std::isfinite(q)) throw Error(fmt::format("manifest: segment {} rung {} has a non-finite quality", s, r));
        if (std::fabs(q) > kMaxQualityMagnitude) {
          throw Error(fmt::format("manifest: segment {} rung {} quality {} is beyond the limit of +-{:g}", s, r, q,
                                  kMaxQualityMagnitude));
        }
        quality_.push_back(q);
      }
    }
  }
}

double Manifest::bitrate_bps(std::size_t rung) const {
  if (rung >= rungs_.size()) {
    throw Error(fmt::format("manifest: rung {} out of range (ladder has {})", rung, rungs_.size()));
  }
  return rungs_[rung].bitrate_bps;
}

void Manifest::check_index(std::size_t segment, std::size_t rung) const {
  if (segment >= segment_count_ || rung >= rungs_.size()) {
    throw Error(fmt::format("manifest: segment {} rung {} out of range ({} segments, {} rungs)",
                            segment, rung, segment_count_, rungs_.size()));
  }
}

std::uint64_t Manifest::segment_size_bytes(std::size_t segment, std::size_t rung) const {
  check_index(segment, rung);
  if (!sizes_bytes_.empty()) return sizes_bytes_[segment * rungs_.size() + rung];
  // The constructor keeps this within kMaxSegmentSizeBytes; a segment has at least one byte.
  return std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::llround(rungs_[rung].bitrate_bps * segment_duration_s_ / 8.0)));
}

double Manifest::segment_quality(std::size_t segment, std::size_t rung) const {
  check_index(segment, rung);
  if (quality_.empty()) throw Error("manifest: no per-segment quality scores loaded");
  return quality_[segment * rungs_.size() + rung];
}

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using detail::integer_field;
using detail::number_field;
using detail::string_field;

// The fields ladder.json and an inline manifest share: the segment duration
// and count, the title's name and default codec, and the rungs array
// (checked to be a non-empty array within kMaxRungs).
struct LadderFields {
  double segment_duration_s = 0;
  std::size_t segment_count = 0;
  std::string codec;
  std::string name;
  const Json* rungs = nullptr;
};

LadderFields read_ladder_fields(const Json& doc, const std::string& where, const std::string& default_name) {
  LadderFields f;
  f.segment_duration_s = number_field(doc, "segment_duration_s", where);
  const auto segments = doc.find("segments");
  if (segments == doc.end()) throw Error(fmt::format("{}: 'segments' is missing", where));
  f.segment_count = static_cast<std::size_t>(integer_field(*segments, "segments", where, 1, kMaxSegments));
  f.codec = string_field(doc, "codec", "", where);
  f.name = string_field(doc, "name", default_name, where);
  const auto jr = doc.find("rungs");
  if (jr == doc.end() || !jr->is_array() || jr->empty()) {
    throw Error(fmt::format("{}: 'rungs' must be a non-empty array", where));
  }
  if (jr->size() > kMaxRungs) {
    throw Error(fmt::format("{}: 'rungs' has {} entries, more than the limit of {}", where, jr->size(), kMaxRungs));
  }
  f.rungs = &*jr;
  return f;
}

// One rung's own fields (bitrate_kbps, width, height, codec); `where` names
// the rung.
Rung read_rung(const Json& entry, const std::string& where, const std::string& default_codec) {
  if (!entry.is_object()) throw Error(fmt::format("{}: expected an object", where));
  Rung rung;
  rung.bitrate_bps = number_field(entry, "bitrate_kbps", where) * 1000.0;
  for (const auto& [key, field] : {std::pair{"width", &rung.width}, std::pair{"height", &rung.height}}) {
    const auto it = entry.find(key);
    if (it != entry.end()) {
      *field = static_cast<int>(integer_field(*it, key, where, 0, static_cast<std::uint64_t>(kMaxRungDimension)));
    }
  }
  rung.codec = string_field(entry, "codec", default_codec, where);
  return rung;
}

// Resolves a file named in ladder.json inside the manifest directory `root`
// (canonical): relative names only, and after resolving symbolic links the
// file must still lie under `root`. Returns the resolved path.
fs::path resolve_inside(const fs::path& root, const Json& value, const char* key, const std::string& where) {
  if (!value.is_string()) throw Error(fmt::format("{}: '{}' must be a string", where, key));
  const auto& name = value.get_ref<const std::string&>();
  if (name.empty()) throw Error(fmt::format("{}: '{}' is empty", where, key));
  if (name.find('\0') != std::string::npos) {
    throw Error(fmt::format("{}: '{}' '{}' contains a NUL byte", where, key, detail::sanitize(name)));
  }
  const fs::path relative(name);
  if (relative.is_absolute() || relative.has_root_directory() || relative.has_root_name()) {
    throw Error(fmt::format("{}: '{}' '{}' is an absolute path; name a file inside the manifest directory", where,
                            key, detail::sanitize(name)));
  }
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(root / relative, ec);
  if (ec) throw Error(fmt::format("{}: '{}' '{}' cannot be resolved: {}", where, key, detail::sanitize(name), ec.message()));
  const fs::path inside = resolved.lexically_relative(root);
  if (inside.empty() || inside == "." || *inside.begin() == "..") {
    throw Error(fmt::format("{}: '{}' '{}' leads outside the manifest directory", where, key, detail::sanitize(name)));
  }
  return resolved;
}

// The first `expected` values of a sizes (integers) or quality file. `shown`
// names the file in messages, `real` is the resolved path that is read.
std::vector<double> read_column(const fs::path& shown, const fs::path& real, std::size_t expected, bool integers) {
  const std::string text = detail::read_file(real, kMaxManifestColumnBytes);
  const std::string name = shown.string();
  detail::check_text(text, name);
  std::vector<double> values;
  values.reserve(expected);
  detail::LineCursor cursor(text);
  for (detail::LineView line{}; values.size() < expected && cursor.next(line);) {
    const auto fields = detail::split_fields(line.text);
    const auto where = detail::location(std::string_view(name), line.number);
    if (integers) {
      const std::uint64_t size = detail::parse_uint(fields.at(0), where, "size");
      if (size == 0) throw Error(fmt::format("{}: size is 0 bytes", where));
      if (size > kMaxSegmentSizeBytes) {
        throw Error(fmt::format("{}: size {} bytes is above the limit of {} bytes", where, size, kMaxSegmentSizeBytes));
      }
      values.push_back(static_cast<double>(size));
    } else {
      const double q = detail::parse_double(fields.at(0), where, "quality");
      if (std::fabs(q) > kMaxQualityMagnitude) {
        throw Error(fmt::format("{}: quality {} is beyond the limit of +-{:g}", where, q, kMaxQualityMagnitude));
      }
      values.push_back(q);
    }
  }
  if (values.size() < expected) {
    throw Error(fmt::format("{}: has {} values, ladder.json declares {} segments", name, values.size(), expected));
  }
  return values;
}

bool is_stem_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

Manifest Manifest::load(const std::filesystem::path& dir) {
  // A Sabre movie file given directly, or a directory holding one and no
  // ladder.json (docs/formats.md); anything else is a manifest directory.
  std::error_code type_ec;
  if (!fs::is_directory(dir, type_ec)) {
    if (dir.extension() == ".json" || fs::exists(dir, type_ec)) return detail::load_sabre_movie(dir);
  } else if (!fs::exists(fs::symlink_status(dir / "ladder.json", type_ec)) &&
             fs::exists(fs::symlink_status(dir / "movie.json", type_ec))) {
    return detail::load_sabre_movie(dir / "movie.json");
  }
  const auto ladder_path = dir / "ladder.json";
  const std::string ladder = ladder_path.string();
  const std::string text = detail::read_text_file(ladder_path, kMaxLadderJsonBytes);
  const Json doc = detail::parse_json(text, ladder);
  if (!doc.is_object()) throw Error(fmt::format("{}: expected a JSON object", ladder));
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec) throw Error(fmt::format("{}: cannot resolve the manifest directory: {}", dir.string(), ec.message()));

  const LadderFields fields = read_ladder_fields(doc, ladder, dir.filename().string());
  const double duration = fields.segment_duration_s;
  const std::size_t count = fields.segment_count;
  const Json& jr = *fields.rungs;
  std::vector<Rung> rungs;
  std::vector<fs::path> sizes_files, quality_files;
  std::vector<fs::path> sizes_shown, quality_shown;
  for (std::size_t r = 0; r < jr.size(); ++r) {
    const Json& entry = jr[r];
    const std::string where = fmt::format("{}: rung {}", ladder, r);
    rungs.push_back(read_rung(entry, where, fields.codec));
    const auto sizes_it = entry.find("sizes_file");
    if (sizes_it == entry.end()) throw Error(fmt::format("{}: 'sizes_file' is missing", where));
    sizes_files.push_back(resolve_inside(root, *sizes_it, "sizes_file", where));
    sizes_shown.push_back(dir / sizes_it->get<std::string>());
    const auto quality_it = entry.find("quality_file");
    if (quality_it != entry.end()) {
      quality_files.push_back(resolve_inside(root, *quality_it, "quality_file", where));
      quality_shown.push_back(dir / quality_it->get<std::string>());
    }
  }
  if (!quality_files.empty() && quality_files.size() != rungs.size()) {
    throw Error(fmt::format("{}: 'quality_file' is given for {} of {} rungs; give it for every rung or none", ladder,
                            quality_files.size(), rungs.size()));
  }
  // Check the ladder itself before reading any sizes file.
  try {
    check_ladder(rungs, duration, count);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", ladder, e.what()));
  }
  std::vector<std::vector<std::uint64_t>> sizes(count);
  std::vector<std::vector<double>> quality(quality_files.empty() ? 0 : count);
  for (std::size_t r = 0; r < rungs.size(); ++r) {
    const auto column = read_column(sizes_shown[r], sizes_files[r], count, true);
    for (std::size_t s = 0; s < count; ++s) sizes[s].push_back(static_cast<std::uint64_t>(column[s]));
    if (!quality_files.empty()) {
      const auto q = read_column(quality_shown[r], quality_files[r], count, false);
      for (std::size_t s = 0; s < count; ++s) quality[s].push_back(q[s]);
    }
  }
  try {
    Manifest manifest(std::move(rungs), duration, count, sizes, quality);
    manifest.set_name(fields.name);
    return manifest;
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", ladder, e.what()));
  }
}

namespace {

// An inline manifest's per-segment column `key` of one rung: `count` values,
// sizes as whole numbers of bytes, quality as finite scores.
std::vector<double> read_inline_column(const Json& entry, const char* key, std::size_t count, bool integers,
                                       const std::string& where) {
  const auto it = entry.find(key);
  if (!it->is_array()) throw Error(fmt::format("{}: '{}' must be an array", where, key));
  if (it->size() != count) {
    throw Error(fmt::format("{}: '{}' has {} values, 'segments' says {}", where, key, it->size(), count));
  }
  std::vector<double> values;
  values.reserve(count);
  for (std::size_t s = 0; s < count; ++s) {
    const std::string at = fmt::format("{}: segment {}", where, s);
    if (integers) {
      values.push_back(static_cast<double>(integer_field((*it)[s], key, at, 1, kMaxSegmentSizeBytes)));
    } else {
      if (!(*it)[s].is_number()) throw Error(fmt::format("{}: '{}' must be a number", at, key));
      values.push_back((*it)[s].get<double>());  // the constructor checks the range
    }
  }
  return values;
}

}  // namespace

Manifest Manifest::from_json(std::string_view text, std::string_view where) {
  const std::string place(where);
  const Json doc = detail::parse_json(text, place);
  if (!doc.is_object()) throw Error(fmt::format("{}: expected a JSON object", place));
  const LadderFields fields = read_ladder_fields(doc, place, "inline");
  const std::size_t count = fields.segment_count;
  const Json& jr = *fields.rungs;
  std::vector<Rung> rungs;
  std::size_t with_quality = 0;
  for (std::size_t r = 0; r < jr.size(); ++r) {
    const std::string at = fmt::format("{}: rung {}", place, r);
    rungs.push_back(read_rung(jr[r], at, fields.codec));
    for (const char* file_key : {"sizes_file", "quality_file"}) {
      if (jr[r].contains(file_key)) {
        throw Error(fmt::format("{}: '{}' names a file; an inline manifest carries 'sizes_bytes' (and 'quality')", at,
                                file_key));
      }
    }
    if (!jr[r].contains("sizes_bytes")) throw Error(fmt::format("{}: 'sizes_bytes' is missing", at));
    if (jr[r].contains("quality")) ++with_quality;
  }
  if (with_quality != 0 && with_quality != rungs.size()) {
    throw Error(fmt::format("{}: 'quality' is given for {} of {} rungs; give it for every rung or none", place,
                            with_quality, rungs.size()));
  }
  // Check the ladder (and so the segment count) before allocating per-segment rows.
  try {
    check_ladder(rungs, fields.segment_duration_s, count);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", place, e.what()));
  }
  std::vector<std::vector<double>> size_columns, quality_columns;
  for (std::size_t r = 0; r < rungs.size(); ++r) {
    const std::string at = fmt::format("{}: rung {}", place, r);
    size_columns.push_back(read_inline_column(jr[r], "sizes_bytes", count, true, at));
    if (with_quality != 0) quality_columns.push_back(read_inline_column(jr[r], "quality", count, false, at));
  }
  std::vector<std::vector<std::uint64_t>> sizes(count);
  std::vector<std::vector<double>> quality(with_quality != 0 ? count : 0);
  for (std::size_t s = 0; s < count; ++s) {
    for (std::size_t r = 0; r < rungs.size(); ++r) {
      sizes[s].push_back(static_cast<std::uint64_t>(size_columns[r][s]));
      if (with_quality != 0) quality[s].push_back(quality_columns[r][s]);
    }
  }
  try {
    Manifest manifest(std::move(rungs), fields.segment_duration_s, count, sizes, quality);
    manifest.set_name(fields.name);
    return manifest;
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", place, e.what()));
  }
}

void Manifest::save(const std::filesystem::path& dir, std::string_view quality_stem) const {
  if (quality_stem.empty() || quality_stem.size() > 64 ||
      !std::all_of(quality_stem.begin(), quality_stem.end(), is_stem_char)) {
    throw Error(fmt::format("manifest save: quality stem '{}' must be 1 to 64 letters, digits, '_' or '-'",
                            detail::sanitize(quality_stem)));
  }
  for (const fs::path& sub : {dir / "sizes", has_quality() ? dir / "quality" : dir}) {
    std::error_code ec;
    fs::create_directories(sub, ec);
    if (ec) throw Error(fmt::format("{}: cannot create directory: {}", sub.string(), ec.message()));
  }
  const bool one_codec = std::all_of(rungs_.begin(), rungs_.end(),
                                     [&](const Rung& r) { return r.codec == rungs_.front().codec; });
  nlohmann::ordered_json doc;
  doc["name"] = name_;
  doc["segment_duration_s"] = segment_duration_s_;
  doc["segments"] = segment_count_;
  if (one_codec && !rungs_.front().codec.empty()) doc["codec"] = rungs_.front().codec;
  doc["rungs"] = nlohmann::ordered_json::array();
  for (std::size_t r = 0; r < rungs_.size(); ++r) {
    const Rung& rung = rungs_[r];
    nlohmann::ordered_json entry;
    entry["index"] = r;
    entry["bitrate_kbps"] = rung.bitrate_bps / 1000.0;
    if (rung.width != 0) entry["width"] = rung.width;
    if (rung.height != 0) entry["height"] = rung.height;
    if (!one_codec && !rung.codec.empty()) entry["codec"] = rung.codec;
    const std::string sizes_file = fmt::format("sizes/video_size_{}", r);
    entry["sizes_file"] = sizes_file;
    std::string sizes;
    for (std::size_t s = 0; s < segment_count_; ++s) sizes += fmt::format("{}\n", segment_size_bytes(s, r));
    detail::write_file_atomic(dir / sizes_file, sizes);
    if (has_quality()) {
      const std::string quality_file = fmt::format("quality/{}_{}", quality_stem, r);
      entry["quality_file"] = quality_file;
      std::string scores;
      for (std::size_t s = 0; s < segment_count_; ++s) scores += fmt::format("{}\n", segment_quality(s, r));
      detail::write_file_atomic(dir / quality_file, scores);
    }
    doc["rungs"].push_back(std::move(entry));
  }
  // Invalid UTF-8 in a name or codec is replaced rather than refused.
  detail::write_file_atomic(dir / "ladder.json",
                            doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

Manifest Manifest::synthetic(const std::vector<double>& bitrates_bps, double segment_duration_s,
                             std::size_t segment_count, double size_spread, std::uint64_t seed) {
  std::vector<Rung> rungs;
  for (double b : bitrates_bps) rungs.push_back({b, 0, 0, "synthetic"});
  if (size_spread < 0) throw Error("manifest: size spread must be >= 0");
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<std::uint64_t>> sizes(segment_count);
  for (auto& row : sizes) {
    // One complexity factor per segment shared by all rungs, as in real encodes.
    const double factor = std::exp(size_spread * normal(rng) - 0.5 * size_spread * size_spread);
    for (double b : bitrates_bps) {
      row.push_back(std::max<std::uint64_t>(
          1, static_cast<std::uint64_t>(std::llround(b * segment_duration_s / 8.0 * factor))));
    }
  }
  return Manifest(std::move(rungs), segment_duration_s, segment_count, sizes);
}

Manifest Manifest::synthetic_default(std::uint64_t seed) {
  return synthetic({300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3}, 4.0, 49, 0.1, seed);
}

}  // namespace streamopt
