#include "serve/origin_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "core/text_io.hpp"
#include "serve/request_error.hpp"
#include "serve/url.hpp"
#include "streamopt/error.hpp"

namespace streamopt::serve {

namespace {

// Path segments in one request at most (a title, a rung, a file: a handful).
constexpr std::size_t kMaxPathSegments = 16;

RequestError bad_path(const std::string& message) { return {400, ErrorKind::bad_request, message}; }

RequestError no_file(std::string_view encoded_path) {
  return {404, ErrorKind::not_found,
          fmt::format("no file /media/{} in the origin", detail::sanitize(encoded_path, 64))};
}

// True when `path` is `root` or below it (both canonical).
bool inside(const std::filesystem::path& path, const std::filesystem::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator of root
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const OpenFile> OpenFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) throw Error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(fmt::format("{} is not a regular file", path.string()));
  }
  return std::shared_ptr<const OpenFile>(new OpenFile(fd, static_cast<std::uint64_t>(st.st_size)));
}

OpenFile::~OpenFile() { ::close(fd_); }

std::size_t OpenFile::read_at(std::uint64_t offset, std::span<char> out) const {
  for (;;) {
    const ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw Error(fmt::format("cannot read a served file: {}", std::strerror(errno)));
  }
}

OriginFiles::OriginFiles(const std::filesystem::path& root) {
  std::error_code ec;
  root_ = std::filesystem::canonical(root, ec);
  if (ec || !std::filesystem::is_directory(root_, ec)) {
    throw Error(fmt::format("--origin {}: not an existing directory", root.string()));
  }
}

std::vector<std::string> OriginFiles::titles() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (!name.empty() && name.front() != '.' && entry.is_directory(type_ec)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

OriginFile OriginFiles::open(std::string_view encoded_path) const {
  std::vector<std::string> segments;
  std::string_view rest = encoded_path;
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    if (segments.size() >= kMaxPathSegments) {
      throw bad_path(fmt::format("path /media/{} has more than {} segments", detail::sanitize(encoded_path, 64),
                                 kMaxPathSegments));
    }
    std::string segment;
    try {
      segment = percent_decode(raw, "path", false);
    } catch (const Error& e) {
      throw bad_path(e.what());
    }
    if (segment.empty() || segment == "." || segment == "..") {
      throw bad_path(fmt::format("path /media/{} has an empty, '.' or '..' segment",
                                 detail::sanitize(encoded_path, 64)));
    }
    if (std::any_of(segment.begin(), segment.end(), [](char c) {
          return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
      throw bad_path(fmt::format("path /media/{} has a segment with '/', '\\' or a control byte",
                                 detail::sanitize(encoded_path, 64)));
    }
    if (segment.front() == '.') throw no_file(encoded_path);  // hidden files are not served
    segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::filesystem::path candidate = root_;
  for (const std::string& segment : segments) candidate /= segment;
  std::error_code ec;
  const std::filesystem::path resolved = std::filesystem::canonical(candidate, ec);
  if (ec || !inside(resolved, root_) || resolved == root_) throw no_file(encoded_path);
  OriginFile out;
  out.title = segments.front();
  out.path = resolved;
  try {
    out.file = OpenFile::open(resolved);
  } catch (const Error&) {
    throw no_file(encoded_path);
  }
  return out;
}

std::string_view content_type_for(const std::filesystem::path& path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes = {{
      {".mpd", "application/dash+xml"},
      {".m3u8", "application/vnd.apple.mpegurl"},
      {".mp4", "video/mp4"},
      {".m4s", "video/iso.segment"},
      {".m4v", "video/mp4"},
      {".m4a", "audio/mp4"},
      {".cmfv", "video/mp4"},
      {".cmfa", "audio/mp4"},
      {".ts", "video/mp2t"},
      {".webm", "video/webm"},
      {".vtt", "text/vtt"},
      {".json", "application/json"},
  }};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

RangeRequest parse_range(std::string_view value, std::uint64_t size_bytes) {
  RangeRequest out;
  constexpr std::string_view kUnit = "bytes=";
  if (value.substr(0, kUnit.size()) != kUnit) return out;
  const std::string_view spec = value.substr(kUnit.size());
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return out;
  const auto number = [](std::string_view text, std::uint64_t& n) {
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    return !text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size();
  };
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (first_text.empty()) {  // bytes=-N: the last N bytes
    if (!number(last_text, last) || last == 0) return out;
    if (size_bytes == 0) {
      out.unsatisfiable = true;
      return out;
    }
    const std::uint64_t length = std::min(last, size_bytes);
    out.range = ByteRange{size_bytes - length, length};
    return out;
  }
  if (!number(first_text, first)) return out;
  if (last_text.empty()) {
    last = size_bytes == 0 ? 0 : size_bytes - 1;
  } else if (!number(last_text, last) || last < first) {
    return out;
  }
  if (first >= size_bytes) {
    out.unsatisfiable = true;
    return out;
  }
  last = std::min(last, size_bytes - 1);
  out.range = ByteRange{first, last - first + 1};
  return out;
}

}  // namespace streamopt::serve
