#include "args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace streamopt::cli {

namespace {

// Strict parse of a whole string as a finite double ("+" allowed in front).
bool parse_number(const std::string& text, double& value) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  if (begin == end) return false;
  const auto r = std::from_chars(begin, end, value);
  return r.ec == std::errc() && r.ptr == end && std::isfinite(value);
}

}  // namespace

void configure(CLI::App& app) {
  app.set_help_flag("-h,--help", "print this help and exit");
  app.option_defaults()->disable_flag_override()->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  app.get_formatter()->column_width(36);
}

bool parse(CLI::App& app, std::vector<std::string> argv) {
  std::reverse(argv.begin(), argv.end());  // CLI11 takes the words last first
  try {
    app.parse(argv);
    return true;
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return false;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return false;
  } catch (const CLI::ParseError& e) {
    throw UsageError(fmt::format("{} (see --help)", e.what()));
  }
}

CLI::Validator number_in(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double v = 0;
        if (!parse_number(text, v)) return fmt::format("'{}' is not a finite number", text);
        if (v < lo || v > hi) return fmt::format("{} is out of range [{}, {}]", text, lo, hi);
        return {};
      },
      fmt::format("[{}, {}]", lo, hi));
}

CLI::Validator number_above(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        double v = 0;
        if (!parse_number(text, v)) return fmt::format("'{}' is not a finite number", text);
        if (!(v > lo) || v > hi) return fmt::format("{} is out of range ({}, {}]", text, lo, hi);
        return {};
      },
      fmt::format("({}, {}]", lo, hi));
}

CLI::Validator integer_in(long long lo, long long hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        long long v = 0;
        const char* begin = text.data();
        const char* end = text.data() + text.size();
        if (begin != end && *begin == '+') ++begin;
        const auto r = std::from_chars(begin, end, v);
        if (begin == end || r.ec == std::errc::invalid_argument || r.ptr != end) {
          return fmt::format("'{}' is not an integer", text);
        }
        if (r.ec == std::errc::result_out_of_range || v < lo || v > hi) {
          return fmt::format("{} is out of range [{}, {}]", text, lo, hi);
        }
        return {};
      },
      fmt::format("[{}, {}]", lo, hi));
}

void needs(const CLI::Option* a, const CLI::Option* b) {
  if (a->count() > 0 && b->count() == 0) throw UsageError(fmt::format("{} needs {}", a->get_name(), b->get_name()));
}

void refuse(const CLI::Option* o, const std::string& why) {
  if (o->count() > 0) throw UsageError(fmt::format("{} does not apply {}", o->get_name(), why));
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const auto end = text.find(',', pos);
    const auto item = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (item.empty()) throw Error(fmt::format("list '{}' has an empty item", text));
    out.push_back(item);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

void note_repeated_traces(std::size_t repeated) {
  if (repeated == 0) return;
  fmt::print(stderr, "note: {} trace file{} left out: {} samples repeat another given trace's (overlapping "
             "directories?)\n", repeated, repeated == 1 ? "" : "s", repeated == 1 ? "its" : "their");
}

}  // namespace streamopt::cli
