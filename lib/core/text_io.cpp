#include "core/text_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "streamopt/error.hpp"

namespace streamopt::detail {

namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

// Closes a descriptor on every way out of read_file.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string format_byte_limit(std::uintmax_t bytes) {
  constexpr std::uintmax_t kib = 1024;
  if (bytes >= kib * kib && bytes % (kib * kib) == 0) return fmt::format("{} MiB", bytes / (kib * kib));
  if (bytes >= kib && bytes % kib == 0) return fmt::format("{} KiB", bytes / kib);
  return fmt::format("{} bytes", bytes);
}

std::string read_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type check
  // below refuses it before any read.
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) {
    throw Error(fmt::format("{}: cannot open file for reading: {}", path.string(), errno_text(errno)));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) {
    throw Error(fmt::format("{}: cannot read file status: {}", path.string(), errno_text(errno)));
  }
  if (S_ISDIR(info.st_mode)) throw Error(fmt::format("{}: is a directory, not a file", path.string()));
  if (!S_ISREG(info.st_mode)) {
    throw Error(fmt::format("{}: not a regular file (FIFOs, sockets and devices are not read)", path.string()));
  }
  const auto too_large = [&] {
    return Error(fmt::format("{}: file is larger than the limit of {}", path.string(), format_byte_limit(max_bytes)));
  };
  if (info.st_size < 0 || static_cast<std::uintmax_t>(info.st_size) > max_bytes) throw too_large();
  std::string content;
  content.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[65536];
  while (true) {
    const ssize_t got = ::read(file.fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("{}: read error: {}", path.string(), errno_text(errno)));
    }
    if (got == 0) break;
    if (content.size() + static_cast<std::size_t>(got) > max_bytes) throw too_large();  // grew while read
    content.append(buffer, static_cast<std::size_t>(got));
  }
  return content;
}

TextPosition position_of(std::string_view content, std::size_t offset) {
  offset = std::min(offset, content.size());
  TextPosition p{1, 1};
  for (std::size_t i = 0; i < offset; ++i) {
    if (content[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

void check_text(std::string_view content, std::string_view name) {
  if (content.substr(0, 3) == "\xEF\xBB\xBF") {
    throw Error(fmt::format("{}: file starts with a UTF-8 byte-order mark (BOM); save it without one", location(name, 1)));
  }
  std::size_t line = 1;
  for (const char c : content) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\n') {
      ++line;
    } else if (byte == 0) {
      throw Error(fmt::format("{}: not text: NUL byte (a binary file?)", location(name, line)));
    } else if ((byte < 0x20 && byte != '\t' && byte != '\r' && byte != '\f' && byte != '\v') || byte == 0x7F) {
      throw Error(fmt::format("{}: not text: control byte 0x{:02X} (a binary file?)", location(name, line), byte));
    }
  }
}

std::string read_text_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::string content = read_file(path, max_bytes);
  check_text(content, path.string());
  return content;
}

std::vector<Line> read_lines(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  return split_lines(read_text_file(path, max_bytes));
}

std::string sanitize(std::string_view token, std::size_t max_chars) {
  std::string out;
  const std::size_t n = std::min(token.size(), max_chars);
  for (std::size_t i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(token[i]);
    if (byte < 0x20 || byte >= 0x7F || byte == '\\' || byte == '\'') {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out += static_cast<char>(byte);
    }
  }
  if (token.size() > max_chars) out += "...";
  return out;
}

bool LineCursor::next(LineView& line) {
  while (pos_ <= content_.size()) {
    std::size_t end = content_.find('\n', pos_);
    if (end == std::string_view::npos) end = content_.size();
    ++number_;
    std::string_view text = content_.substr(pos_, end - pos_);
    pos_ = end + 1;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const auto first = text.find_first_not_of(" \t");
    if (first != std::string_view::npos && text[first] != '#') {
      line = {number_, text};
      return true;
    }
  }
  return false;
}

std::vector<Line> split_lines(std::string_view content) {
  std::vector<Line> lines;
  LineCursor cursor(content);
  for (LineView line{}; cursor.next(line);) lines.push_back({line.number, std::string(line.text)});
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto start = text.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    auto end = text.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = text.size();
    fields.push_back(text.substr(start, end - start));
    pos = end;
  }
  return fields;
}

std::from_chars_result from_chars_double_strtod(const char* first, const char* last, double& value) {
  const auto ieq = [last](const char* at, std::string_view word) {
    if (static_cast<std::size_t>(last - at) < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      const char c = at[i];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != word[i]) return false;
    }
    return true;
  };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const char* p = first;
  if (p != last && *p == '-') ++p;
  if (ieq(p, "inf")) {
    p += 3;
    if (ieq(p, "inity")) p += 5;
  } else if (ieq(p, "nan")) {
    p += 3;
    if (p != last && *p == '(') {
      const char* q = p + 1;
      while (q != last && (digit(*q) || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_')) ++q;
      if (q != last && *q == ')') p = q + 1;
    }
  } else {
    std::size_t digits = 0;
    while (p != last && digit(*p)) ++p, ++digits;
    if (p != last && *p == '.') {
      const char* q = p + 1;
      std::size_t fraction = 0;
      while (q != last && digit(*q)) ++q, ++fraction;
      if (digits + fraction > 0) p = q;
      digits += fraction;
    }
    if (digits == 0) return {first, std::errc::invalid_argument};
    if (p != last && (*p == 'e' || *p == 'E')) {
      const char* q = p + 1;
      if (q != last && (*q == '+' || *q == '-')) ++q;
      const char* exponent = q;
      while (q != last && digit(*q)) ++q;
      if (q != exponent) p = q;
    }
  }
  if (p == first || (p == first + 1 && *first == '-')) return {first, std::errc::invalid_argument};
  const std::string text(first, p);
  char* end = nullptr;
  errno = 0;
  const double parsed = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return {first, std::errc::invalid_argument};
  // glibc flags subnormal results ERANGE too; from_chars keeps them.
  if (errno == ERANGE && (parsed == 0 || std::isinf(parsed))) return {p, std::errc::result_out_of_range};
  value = parsed;
  return {p, std::errc()};
}

std::from_chars_result from_chars_double(const char* first, const char* last, double& value) {
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  return std::from_chars(first, last, value);
#else
  return from_chars_double_strtod(first, last, value);
#endif
}

double parse_double(std::string_view field, std::string_view where, std::string_view what) {
  double value = 0;
  const char* begin = field.data();
  const char* end = field.data() + field.size();
  if (!field.empty() && *begin == '+') ++begin;
  const auto result = from_chars_double(begin, end, value);
  if (field.empty() || result.ec != std::errc() || result.ptr != end) {
    const bool range = !field.empty() && result.ec == std::errc::result_out_of_range && result.ptr == end;
    throw Error(fmt::format("{}: {} '{}' is {}", where, what, sanitize(field), range ? "out of range" : "not a number"));
  }
  if (!std::isfinite(value)) {
    throw Error(fmt::format("{}: {} '{}' is not finite", where, what, sanitize(field)));
  }
  return value;
}

std::uint64_t parse_uint(std::string_view field, std::string_view where, std::string_view what) {
  std::uint64_t value = 0;
  const auto result = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || result.ec != std::errc() || result.ptr != field.data() + field.size()) {
    throw Error(
        fmt::format("{}: {} '{}' is not a non-negative integer", where, what, sanitize(field)));
  }
  return value;
}

std::string location(std::string_view name, std::size_t line) { return fmt::format("{}:{}", name, line); }

std::string location(const std::filesystem::path& path, std::size_t line) {
  return location(std::string_view(path.string()), line);
}

std::string csv_quote(std::string_view s) {
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  // A hidden sibling with a name no other writer uses, created exclusively
  // (never through a link planted under that name), renamed into place.
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::path tmp;
  FileDescriptor file;
  for (int attempt = 0; file.fd < 0; ++attempt) {
    tmp = dir / fmt::format(".{}.tmp-{}-{}", path.filename().string(), static_cast<long>(::getpid()), counter++);
    file.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (file.fd < 0 && (errno != EEXIST || attempt >= 100)) {
      throw Error(fmt::format("{}: cannot open file for writing: {}", path.string(), errno_text(errno)));
    }
  }
  const auto fail = [&](const char* what, int error) {
    ::close(file.fd);
    file.fd = -1;
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return Error(fmt::format("{}: {}: {}", path.string(), what, errno_text(error)));
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(file.fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw fail("write error", errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(file.fd) != 0) {
    const int error = errno;
    file.fd = -1;
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error(fmt::format("{}: write error: {}", path.string(), errno_text(error)));
  }
  file.fd = -1;
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error(fmt::format("{}: cannot rename into place: {}", path.string(), ec.message()));
  }
}

}  // namespace streamopt::detail
