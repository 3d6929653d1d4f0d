#include "streamopt/options.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

OptionMap::OptionMap(std::string owner, std::map<std::string, std::string> values)
    : owner_(std::move(owner)), values_(std::move(values)) {}

void OptionMap::set(const std::string& key, std::string value) { values_[key] = std::move(value); }

bool OptionMap::has(const std::string& key) const { return values_.count(key) != 0; }

const std::string* OptionMap::find(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return nullptr;
  used_.insert(key);
  return &it->second;
}

std::string OptionMap::get_string(const std::string& key, const std::string& fallback) const {
  const auto* value = find(key);
  return value ? *value : fallback;
}

double OptionMap::get_double(const std::string& key, double fallback) const {
  const auto* value = find(key);
  if (!value) return fallback;
  return detail::parse_double(*value, fmt::format("{}: option {}", owner_, key), "value");
}

std::int64_t OptionMap::get_int(const std::string& key, std::int64_t fallback) const {
  const double value = get_double(key, static_cast<double>(fallback));
  if (value != std::floor(value) || std::fabs(value) > 9.0e15) {
    throw Error(fmt::format("{}: option {}: value '{}' is not an integer", owner_, key,
                            values_.at(key)));
  }
  return static_cast<std::int64_t>(value);
}

bool OptionMap::get_bool(const std::string& key, bool fallback) const {
  const auto* value = find(key);
  if (!value) return fallback;
  if (*value == "true" || *value == "1" || *value == "yes" || *value == "on") return true;
  if (*value == "false" || *value == "0" || *value == "no" || *value == "off") return false;
  throw Error(fmt::format("{}: option {}: value '{}' is not a boolean (true/false)", owner_, key,
                          *value));
}

std::vector<double> OptionMap::get_doubles(const std::string& key,
                                           const std::vector<double>& fallback) const {
  const auto* value = find(key);
  if (!value) return fallback;
  std::vector<double> out;
  std::size_t pos = 0;
  const std::string where = fmt::format("{}: option {}", owner_, key);
  while (true) {
    const auto end = value->find('/', pos);
    out.push_back(detail::parse_double(
        std::string_view(*value).substr(pos, end == std::string::npos ? std::string::npos
                                                                      : end - pos),
        where, "list element"));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

void OptionMap::check_all_used() const {
  std::vector<std::string> unknown;
  for (const auto& [key, value] : values_) {
    if (!used_.count(key)) unknown.push_back(key);
  }
  if (!unknown.empty()) {
    throw Error(fmt::format("{}: unknown option{} '{}'", owner_, unknown.size() > 1 ? "s" : "",
                            fmt::join(unknown, "', '")));
  }
}

std::string OptionMap::to_string() const {
  std::string out;
  for (const auto& [key, value] : values_) {
    if (!out.empty()) out += ',';
    out += key + "=" + value;
  }
  return out;
}

std::string AlgorithmSpec::to_string() const {
  const std::string opts = options.to_string();
  return opts.empty() ? name : name + ":" + opts;
}

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

void add_option(AlgorithmSpec& spec, std::string_view item, std::string_view text) {
  const auto eq = item.find('=');
  if (eq == std::string_view::npos) {
    throw Error(fmt::format("spec '{}': option '{}' has no '=' (expected key=value)", text, item));
  }
  const std::string key(trim(item.substr(0, eq)));
  const std::string value(trim(item.substr(eq + 1)));
  if (key.empty()) throw Error(fmt::format("spec '{}': option '{}' has an empty key", text, item));
  if (spec.options.has(key)) {
    throw Error(fmt::format("spec '{}': option '{}' is given twice", text, key));
  }
  spec.options.set(key, value);
}

AlgorithmSpec start_spec(std::string_view head, std::string_view text) {
  const auto colon = head.find(':');
  const std::string name(trim(head.substr(0, colon)));
  if (name.empty()) throw Error(fmt::format("spec '{}': empty algorithm name", text));
  if (name.find('=') != std::string::npos) {
    throw Error(fmt::format("spec '{}': '{}' needs an algorithm name before it", text, name));
  }
  AlgorithmSpec spec{name, OptionMap(name)};
  if (colon != std::string_view::npos) {
    const auto rest = trim(head.substr(colon + 1));
    if (rest.empty()) throw Error(fmt::format("spec '{}': nothing after ':'", text));
    add_option(spec, rest, text);
  }
  return spec;
}

}  // namespace

std::vector<AlgorithmSpec> parse_spec_list(std::string_view text) {
  std::vector<AlgorithmSpec> specs;
  if (trim(text).empty()) throw Error("empty algorithm list");
  if (text.size() > kMaxSpecLength) {
    throw Error(fmt::format("spec of {} characters is longer than the limit of {} (starts '{}...')",
                            text.size(), kMaxSpecLength, text.substr(0, 40)));
  }
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = text.find_first_of(",;", pos);
    const std::string_view item =
        trim(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    const bool hard_separator = end != std::string_view::npos && text[end] == ';';
    if (item.empty()) throw Error(fmt::format("spec list '{}': empty item", text));
    const bool is_option = item.find('=') != std::string_view::npos &&
                           item.find(':') == std::string_view::npos;
    if (is_option) {
      if (specs.empty()) throw Error(fmt::format("spec list '{}': option '{}' before any name", text, item));
      add_option(specs.back(), item, text);
    } else {
      specs.push_back(start_spec(item, text));
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
    if (hard_separator && pos < text.size()) {
      // ';' always starts a new spec: the next item must be a name.
      const auto next_end = text.find_first_of(",;", pos);
      const auto next = trim(text.substr(pos, next_end == std::string_view::npos ? std::string_view::npos : next_end - pos));
      if (next.find(':') == std::string_view::npos && next.find('=') != std::string_view::npos) {
        throw Error(fmt::format("spec list '{}': '{}' after ';' needs an algorithm name", text, next));
      }
    }
  }
  return specs;
}

AlgorithmSpec parse_spec(std::string_view text) {
  auto specs = parse_spec_list(text);
  if (specs.size() != 1) {
    throw Error(fmt::format("spec '{}': expected one algorithm, got {}", text, specs.size()));
  }
  return std::move(specs.front());
}

}  // namespace streamopt
