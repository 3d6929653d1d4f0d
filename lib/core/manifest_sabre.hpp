#pragma once
// Private: reading the movie description of the Sabre simulator (`movie.json`)
// as a Manifest. Manifest::load dispatches here; see docs/formats.md.

#include <filesystem>

#include "streamopt/manifest.hpp"

namespace streamopt::detail {

// Loads a Sabre movie file: {"segment_duration_ms": D, "bitrates_kbps": [...],
// "segment_sizes_bits": [[sizes of segment 0, one per rung], ...]}. Sizes are
// converted from bits to bytes rounding up (ceil(bits / 8)), bitrates from
// kbps to bit/s, the duration from ms to s; the title is named after the
// file's directory. The file must be a regular text file of at most
// kMaxManifestColumnBytes. Throws Error naming the file and the field
// (missing key, wrong type, ragged rows, non-positive values, unsorted
// bitrates, values beyond the manifest limits, JSON syntax by line and column).
Manifest load_sabre_movie(const std::filesystem::path& file);

}  // namespace streamopt::detail
