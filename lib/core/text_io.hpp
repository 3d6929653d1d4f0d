#pragma once
// Private helpers shared by the parsers and writers: reading text files line
// by line, strict number parsing with file:line errors, and atomic writes.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt::detail {

// A non-empty line of a text file and its 1-based line number.
struct Line {
  std::size_t number;
  std::string text;
};

// Splits text into lines, dropping blank ones and '#' comments.
std::vector<Line> split_lines(std::string_view content);

// split_lines of a file; throws Error when the file cannot be opened.
std::vector<Line> read_lines(const std::filesystem::path& path);

// Whole file as a string; throws Error when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Splits on spaces and tabs.
std::vector<std::string_view> split_fields(std::string_view text);

// Strict parse of a finite double; throws Error "WHERE: WHAT 'field' is not a number".
double parse_double(std::string_view field, std::string_view where, std::string_view what);

// Strict parse of a non-negative integer.
std::uint64_t parse_uint(std::string_view field, std::string_view where, std::string_view what);

// "name:line" for messages.
std::string location(std::string_view name, std::size_t line);
// "path:line" for messages.
std::string location(const std::filesystem::path& path, std::size_t line);

// Writes `content` to `path` via a temporary sibling renamed into place.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace streamopt::detail
