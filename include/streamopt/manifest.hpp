#pragma once
/// \file manifest.hpp
/// The bitrate ladder of one title and its per-segment sizes and qualities.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace streamopt {

/// One rendition of the ladder.
struct Rung {
  double bitrate_bps = 0;  ///< nominal (advertised) bitrate, bits per second
  int width = 0;           ///< pixels (0 when unknown)
  int height = 0;          ///< pixels (0 when unknown)
  std::string codec;      ///< free text, e.g. "h264"
};

/// A title's ladder: rungs sorted by ascending bitrate, a fixed segment
/// duration, a segment count, and optionally the real size in bytes and a
/// quality score (e.g. SSIM dB or VMAF) of every segment on every rung.
/// Without sizes a segment's size is bitrate x duration / 8.
class Manifest {
 public:
  /// Validates and builds a manifest. `sizes_bytes[segment][rung]` and
  /// `quality[segment][rung]` may be empty; otherwise they must have
  /// `segment_count` rows of `rungs.size()` entries. Throws `Error` on
  /// unsorted or non-positive bitrates, non-positive duration, or shape errors.
  Manifest(std::vector<Rung> rungs, double segment_duration_s, std::size_t segment_count,
           const std::vector<std::vector<std::uint64_t>>& sizes_bytes = {},
           const std::vector<std::vector<double>>& quality = {});

  /// Loads a manifest directory: `ladder.json` plus `sizes/video_size_R`
  /// files (one size in bytes per line) and optionally `quality/quality_R`
  /// (one score per line); see docs/formats.md. Throws `Error` naming the file.
  static Manifest load(const std::filesystem::path& dir);

  /// A synthetic ladder of constant-bitrate rungs whose segment sizes vary by
  /// a seeded log-normal factor with standard deviation `size_spread` (0 gives
  /// exact bitrate x duration sizes).
  static Manifest synthetic(const std::vector<double>& bitrates_bps, double segment_duration_s,
                            std::size_t segment_count, double size_spread = 0.1,
                            std::uint64_t seed = 1);

  /// The Pensieve/envivio ladder bitrates (300..4300 kbps) as a synthetic
  /// 49-segment, 4 s manifest; the default when no video directory is given.
  static Manifest synthetic_default(std::uint64_t seed = 1);

  [[nodiscard]] const std::vector<Rung>& rungs() const { return rungs_; }  ///< ascending bitrate
  [[nodiscard]] std::size_t rung_count() const { return rungs_.size(); }   ///< number of rungs
  [[nodiscard]] double bitrate_bps(std::size_t rung) const;               ///< throws if out of range
  [[nodiscard]] double segment_duration_s() const { return segment_duration_s_; }  ///< seconds
  [[nodiscard]] std::size_t segment_count() const { return segment_count_; }       ///< segments
  /// Size of `segment` at `rung` in bytes; throws `Error` when out of range.
  [[nodiscard]] std::uint64_t segment_size_bytes(std::size_t segment, std::size_t rung) const;
  [[nodiscard]] bool has_sizes() const { return !sizes_bytes_.empty(); }   ///< real sizes loaded
  [[nodiscard]] bool has_quality() const { return !quality_.empty(); }     ///< quality scores loaded
  /// Quality score of `segment` at `rung`; throws `Error` without scores.
  [[nodiscard]] double segment_quality(std::size_t segment, std::size_t rung) const;
  /// Title name (from ladder.json or "synthetic").
  [[nodiscard]] const std::string& name() const { return name_; }
  /// Sets the title name.
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  void check_index(std::size_t segment, std::size_t rung) const;
  std::vector<Rung> rungs_;
  double segment_duration_s_;
  std::size_t segment_count_;
  std::vector<std::uint64_t> sizes_bytes_;  // segment-major
  std::vector<double> quality_;             // segment-major
  std::string name_ = "synthetic";
};

}  // namespace streamopt
