#include "args.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "streamopt/error.hpp"

namespace streamopt::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
           const std::set<std::string>& flags) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string key = a.substr(2);
    std::string value;
    bool inline_value = false;
    if (const auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      inline_value = true;
    }
    if (flags.count(key)) {
      if (inline_value) throw Error(fmt::format("option --{} takes no value", key));
      flags_.insert(key);
    } else if (valued.count(key)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) throw Error(fmt::format("option --{} needs a value", key));
        value = argv[++i];
      }
      if (values_.count(key)) throw Error(fmt::format("option --{} given twice", key));
      values_[key] = value;
    } else {
      throw Error(fmt::format("unknown option --{} (see --help)", key));
    }
  }
}

std::string Args::required(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw Error(fmt::format("missing required option --{} (see --help)", key));
  return it->second;
}

std::string Args::get(const std::string& key, const std::string& fallback) const {
  const auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

double Args::get_double(const std::string& key, double fallback) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || !std::isfinite(v)) {
    throw Error(fmt::format("option --{}: '{}' is not a number", key, it->second));
  }
  return v;
}

long Args::get_int(const std::string& key, long fallback) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0') {
    throw Error(fmt::format("option --{}: '{}' is not an integer", key, it->second));
  }
  return v;
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

}  // namespace streamopt::cli
