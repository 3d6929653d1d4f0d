#pragma once
/// \file manifest.hpp
/// The bitrate ladder of one title and its per-segment sizes and qualities.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt {

/// Limits every manifest is checked against (the constructor, so `load`, the
/// C ABI and Python all go through them); see docs/formats.md.
inline constexpr std::size_t kMaxRungs = 64;                  ///< rungs in one ladder
inline constexpr std::size_t kMaxSegments = 1'000'000;        ///< segments in one title
inline constexpr double kMinSegmentDurationS = 1e-3;          ///< shortest segment, 1 ms
inline constexpr double kMaxSegmentDurationS = 3600.0;        ///< longest segment, 1 hour
inline constexpr double kMaxBitrateBps = 1e12;                ///< highest rung bitrate, 1 Tbit/s
inline constexpr std::uint64_t kMaxSegmentSizeBytes = 1'000'000'000'000;  ///< largest segment, 1e12 bytes (1 TB)
inline constexpr double kMaxQualityMagnitude = 1e6;           ///< |quality score| at most this
inline constexpr int kMaxRungDimension = 65535;               ///< width and height, pixels
/// Largest `ladder.json` `Manifest::load` reads (1 MiB).
inline constexpr std::uintmax_t kMaxLadderJsonBytes = std::uintmax_t{1} << 20;
/// Largest sizes or quality file, or Sabre `movie.json`, `Manifest::load` reads (64 MiB).
inline constexpr std::uintmax_t kMaxManifestColumnBytes = std::uintmax_t{64} << 20;

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
  /// `segment_count` rows of `rungs.size()` entries. Throws `Error` naming the
  /// field on: no rungs or more than `kMaxRungs`; unsorted, non-positive,
  /// non-finite bitrates or bitrates above `kMaxBitrateBps`; a segment
  /// duration that is not finite or outside [`kMinSegmentDurationS`,
  /// `kMaxSegmentDurationS`]; a segment count of 0 or above `kMaxSegments`;
  /// sizes of 0 or above `kMaxSegmentSizeBytes` (also bitrate x duration / 8
  /// for a manifest without sizes); quality scores that are not
  /// finite or larger than `kMaxQualityMagnitude`; widths or heights outside
  /// 0..`kMaxRungDimension`; shape errors.
  Manifest(std::vector<Rung> rungs, double segment_duration_s, std::size_t segment_count,
           const std::vector<std::vector<std::uint64_t>>& sizes_bytes = {},
           const std::vector<std::vector<double>>& quality = {});

  /// Loads a manifest directory: `ladder.json` naming, per rung, a sizes file
  /// (one size in bytes per line) and optionally a quality file (one score
  /// per line); see docs/formats.md. The files must be regular files inside
  /// `dir` (relative names; after resolving symbolic links, nothing may lead
  /// outside it) within the size limits above.
  ///
  /// Also reads the movie file of the Sabre simulator (`{"segment_duration_ms",
  /// "bitrates_kbps", "segment_sizes_bits": [[per-rung sizes of segment 0],
  /// ...]}`): `dir` may be such a file (any path that is not a directory, e.g.
  /// `.../bbb-sabre/movie.json`), or a directory holding `movie.json` and no
  /// `ladder.json` (ladder.json wins when both exist). Sizes are converted
  /// from bits to bytes rounding up (ceil(bits / 8)), kbps to bit/s and ms to
  /// s; the title is named after the file's directory; the file may be at most
  /// `kMaxManifestColumnBytes`.
  ///
  /// Throws `Error` naming the file, line and field (for movie.json: a missing
  /// key, a wrong type, ragged rows, non-positive or out-of-range values,
  /// bitrates not in strictly ascending order, naming the entries); messages
  /// never quote more than a short, sanitised token of a file.
  static Manifest load(const std::filesystem::path& dir);

  /// Builds a manifest from one JSON object with ladder.json's fields
  /// (`segment_duration_s`, `segments`, `rungs` with `bitrate_kbps`, optional
  /// `name`, `codec`, `width`, `height`) where each rung carries its sizes
  /// inline instead of naming files: `"sizes_bytes": [one per segment]` and
  /// optionally `"quality": [one per segment]` (every rung or none). Reads
  /// no file (`sizes_file` and `quality_file` are refused). Throws `Error`
  /// prefixed with `where` and naming the rung and field, under the same
  /// limits as the constructor; messages never quote the input.
  static Manifest from_json(std::string_view text, std::string_view where = "manifest");

  /// Writes the manifest as a directory `load` reads back to an equal
  /// manifest: `dir/ladder.json`, `dir/sizes/video_size_R` (the sizes, or
  /// bitrate x duration / 8 when the manifest has none) and, with quality
  /// scores, `dir/quality/QUALITY_STEM_R`. `dir` and its sub-directories are
  /// created as needed; each file is written to a temporary name and renamed
  /// into place, ladder.json last, so a reader never sees a half-written one.
  /// Bitrates are stored in kbps, so a bitrate that is not a whole number of
  /// bit/s may come back off by a rounding error. `quality_stem` names what
  /// the scores are (letters, digits, '_' and '-'; e.g. "ssim_db"). Throws
  /// `Error` naming the file that could not be written.
  void save(const std::filesystem::path& dir, std::string_view quality_stem = "quality") const;

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
