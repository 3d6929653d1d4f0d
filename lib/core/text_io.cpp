#include "core/text_io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include "streamopt/error.hpp"

namespace streamopt::detail {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open file for reading", path.string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("{}: read error", path.string()));
  return buffer.str();
}

std::vector<Line> read_lines(const std::filesystem::path& path) { return split_lines(read_file(path)); }

std::vector<Line> split_lines(std::string_view content) {
  std::vector<Line> lines;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos <= content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    ++number;
    std::string_view text = content.substr(pos, end - pos);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const auto first = text.find_first_not_of(" \t");
    if (first != std::string_view::npos && text[first] != '#') {
      lines.push_back({number, std::string(text)});
    }
    pos = end + 1;
  }
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

double parse_double(std::string_view field, std::string_view where, std::string_view what) {
  double value = 0;
  const char* begin = field.data();
  const char* end = field.data() + field.size();
  if (!field.empty() && *begin == '+') ++begin;
  const auto result = std::from_chars(begin, end, value);
  if (field.empty() || result.ec != std::errc() || result.ptr != end) {
    throw Error(fmt::format("{}: {} '{}' is not a number", where, what, field));
  }
  if (!std::isfinite(value)) {
    throw Error(fmt::format("{}: {} '{}' is not finite", where, what, field));
  }
  return value;
}

std::uint64_t parse_uint(std::string_view field, std::string_view where, std::string_view what) {
  std::uint64_t value = 0;
  const auto result = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || result.ec != std::errc() || result.ptr != field.data() + field.size()) {
    throw Error(
        fmt::format("{}: {} '{}' is not a non-negative integer", where, what, field));
  }
  return value;
}

std::string location(std::string_view name, std::size_t line) { return fmt::format("{}:{}", name, line); }

std::string location(const std::filesystem::path& path, std::size_t line) {
  return location(std::string_view(path.string()), line);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(fmt::format("{}: cannot open file for writing", tmp.string()));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw Error(fmt::format("{}: write error", tmp.string()));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(fmt::format("{}: cannot rename into place: {}", path.string(), ec.message()));
  }
}

}  // namespace streamopt::detail
