#include "streamopt/manifest.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

Manifest::Manifest(std::vector<Rung> rungs, double segment_duration_s, std::size_t segment_count,
                   const std::vector<std::vector<std::uint64_t>>& sizes_bytes,
                   const std::vector<std::vector<double>>& quality)
    : rungs_(std::move(rungs)),
      segment_duration_s_(segment_duration_s),
      segment_count_(segment_count) {
  if (rungs_.empty()) throw Error("manifest: the ladder has no rungs");
  for (std::size_t r = 0; r < rungs_.size(); ++r) {
    if (!(rungs_[r].bitrate_bps > 0) || !std::isfinite(rungs_[r].bitrate_bps)) {
      throw Error(fmt::format("manifest: rung {} has non-positive bitrate {}", r,
                              rungs_[r].bitrate_bps));
    }
    if (r > 0 && !(rungs_[r].bitrate_bps > rungs_[r - 1].bitrate_bps)) {
      throw Error(fmt::format("manifest: rung {} bitrate {} bps is not above rung {}'s {} bps", r,
                              rungs_[r].bitrate_bps, r - 1, rungs_[r - 1].bitrate_bps));
    }
  }
  if (!(segment_duration_s_ > 0) || !std::isfinite(segment_duration_s_)) {
    throw Error(fmt::format("manifest: segment duration {} s is not positive", segment_duration_s_));
  }
  if (segment_count_ == 0) throw Error("manifest: segment count is 0");
  const auto check_shape = [&](std::size_t rows, auto row_size, const char* what) {
    if (rows != segment_count_) {
      throw Error(fmt::format("manifest: {} has {} segments, expected {}", what, rows,
                              segment_count_));
    }
    for (std::size_t s = 0; s < rows; ++s) {
      if (row_size(s) != rungs_.size()) {
        throw Error(fmt::format("manifest: {} of segment {} has {} rungs, expected {}", what, s,
                                row_size(s), rungs_.size()));
      }
    }
  };
  if (!sizes_bytes.empty()) {
    check_shape(sizes_bytes.size(), [&](std::size_t s) { return sizes_bytes[s].size(); }, "sizes");
    sizes_bytes_.reserve(segment_count_ * rungs_.size());
    for (std::size_t s = 0; s < segment_count_; ++s) {
      for (std::size_t r = 0; r < rungs_.size(); ++r) {
        if (sizes_bytes[s][r] == 0) {
          throw Error(fmt::format("manifest: segment {} rung {} has size 0", s, r));
        }
        sizes_bytes_.push_back(sizes_bytes[s][r]);
      }
    }
  }
  if (!quality.empty()) {
    check_shape(quality.size(), [&](std::size_t s) { return quality[s].size(); }, "quality");
    for (std::size_t s = 0; s < segment_count_; ++s) {
      for (double q : quality[s]) {
        if (!std::isfinite(q)) throw Error(fmt::format("manifest: segment {} has a non-finite quality", s));
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
  return static_cast<std::uint64_t>(std::llround(rungs_[rung].bitrate_bps * segment_duration_s_ / 8.0));
}

double Manifest::segment_quality(std::size_t segment, std::size_t rung) const {
  check_index(segment, rung);
  if (quality_.empty()) throw Error("manifest: no per-segment quality scores loaded");
  return quality_[segment * rungs_.size() + rung];
}

namespace {

std::vector<double> read_column(const std::filesystem::path& path, std::size_t expected,
                                bool integers) {
  const auto lines = detail::read_lines(path);
  std::vector<double> values;
  for (const auto& line : lines) {
    const auto fields = detail::split_fields(line.text);
    const auto where = detail::location(path, line.number);
    values.push_back(integers ? static_cast<double>(detail::parse_uint(fields.at(0), where, "size"))
                              : detail::parse_double(fields.at(0), where, "quality"));
  }
  if (values.size() < expected) {
    throw Error(fmt::format("{}: has {} values, ladder.json declares {} segments", path.string(),
                            values.size(), expected));
  }
  return values;
}

}  // namespace

Manifest Manifest::load(const std::filesystem::path& dir) {
  const auto ladder_path = dir / "ladder.json";
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(detail::read_file(ladder_path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", ladder_path.string(), e.what()));
  }
  // Errors from read_column name their own file; JSON and shape errors get
  // ladder.json's path.
  double duration = 0;
  std::size_t count = 0;
  std::vector<Rung> rungs;
  std::vector<std::vector<std::uint64_t>> sizes;
  std::vector<std::vector<double>> quality;
  try {
    duration = doc.at("segment_duration_s").get<double>();
    count = doc.at("segments").get<std::size_t>();
    const std::string codec = doc.value("codec", "");
    sizes.resize(count);
    const auto& jr = doc.at("rungs");
    if (!jr.is_array() || jr.empty()) throw Error(fmt::format("{}: 'rungs' must be a non-empty array", ladder_path.string()));
    bool all_quality = true;
    for (const auto& r : jr) {
      Rung rung;
      rung.bitrate_bps = r.at("bitrate_kbps").get<double>() * 1000.0;
      rung.width = r.value("width", 0);
      rung.height = r.value("height", 0);
      rung.codec = r.value("codec", codec);
      rungs.push_back(rung);
      const auto column =
          read_column(dir / r.at("sizes_file").get<std::string>(), count, true);
      for (std::size_t s = 0; s < count; ++s) sizes[s].push_back(static_cast<std::uint64_t>(column[s]));
      if (r.contains("quality_file")) {
        const auto q = read_column(dir / r.at("quality_file").get<std::string>(), count, false);
        quality.resize(count);
        for (std::size_t s = 0; s < count; ++s) quality[s].push_back(q[s]);
      } else {
        all_quality = false;
      }
    }
    if (!all_quality) quality.clear();
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: {}", ladder_path.string(), e.what()));
  }
  try {
    Manifest manifest(std::move(rungs), duration, count, sizes, quality);
    manifest.set_name(doc.value("name", dir.filename().string()));
    return manifest;
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", ladder_path.string(), e.what()));
  }
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
