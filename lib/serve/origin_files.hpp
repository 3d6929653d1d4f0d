#pragma once
// The origin's file side: a request path under /media/ resolved to a
// regular file inside the origin directory (never outside it: `..`, encoded
// dots, empty segments, hidden names and symlinks leading out are refused),
// the Content-Type of a file, and a single-range `Range` header.
// Docs: docs/serve.md#the-origin---origin.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/serve.hpp"

namespace streamopt::serve {

/// A file of the origin, opened.
struct OriginFile {
  std::string title;                      ///< the first path segment (a subdirectory of the origin)
  std::filesystem::path path;             ///< canonical path inside the origin directory
  std::shared_ptr<const OpenFile> file;   ///< the open file
};

/// The origin directory. Thread-safe (it holds no mutable state).
class OriginFiles {
 public:
  /// Serves the regular files under `root`. Throws `Error` naming `root`
  /// when it is not an existing directory.
  explicit OriginFiles(const std::filesystem::path& root);

  /// The canonical origin directory.
  [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

  /// The titles: the names of `root`'s subdirectories (hidden ones skipped),
  /// sorted.
  [[nodiscard]] std::vector<std::string> titles() const;

  /// Opens the file `encoded_path` names (the request path after the
  /// prefix, still percent-encoded, e.g. "clip/r1/seg_3.m4s"). Throws
  /// `RequestError` 400 on a malformed path (bad escape, empty, `.` or `..`
  /// segment, an encoded '/', a control byte) and 404 when there is no
  /// regular file there inside the origin (missing, a directory, a hidden
  /// name, or a symlink that leads out of it).
  [[nodiscard]] OriginFile open(std::string_view encoded_path) const;

 private:
  std::filesystem::path root_;
};

/// The Content-Type of a file by its extension: DASH and HLS manifests, MP4
/// and fMP4 segments, MPEG-TS, WebM, WebVTT, JSON; application/octet-stream
/// otherwise.
std::string_view content_type_for(const std::filesystem::path& path);

/// A byte range of a file: `length` bytes from `offset`.
struct ByteRange {
  std::uint64_t offset = 0;  ///< first byte
  std::uint64_t length = 0;  ///< bytes
};

/// What a `Range` header asks of a file of `size_bytes`.
struct RangeRequest {
  std::optional<ByteRange> range;  ///< set: answer 206 with this range
  bool unsatisfiable = false;      ///< true: answer 416
};

/// Reads a `Range` header value for a file of `size_bytes`: one range
/// `bytes=first-last`, `bytes=first-` or `bytes=-suffix` gives it (clamped to
/// the file); a range starting past the end is unsatisfiable; anything else
/// (several ranges, another unit, bad syntax) is ignored, as RFC 9110
/// allows, and the whole file is sent.
RangeRequest parse_range(std::string_view value, std::uint64_t size_bytes);

}  // namespace streamopt::serve
