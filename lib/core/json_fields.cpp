#include "core/json_fields.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt::detail {

using Json = nlohmann::json;

Json parse_json(std::string_view text, std::string_view where) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann's message quotes the offending token; give only the place.
    const auto at = position_of(text, e.byte > 0 ? e.byte - 1 : 0);
    throw Error(fmt::format("{}: invalid JSON (syntax error at column {})", location(where, at.line), at.column));
  } catch (const Json::exception& e) {
    throw Error(fmt::format("{}: invalid JSON ({})", where, e.id == 406 ? "a number is out of range" : "cannot be parsed"));
  }
}

double number_field(const Json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) throw Error(fmt::format("{}: '{}' is missing", where, key));
  if (!it->is_number()) throw Error(fmt::format("{}: '{}' must be a number", where, key));
  const double value = it->get<double>();
  if (!std::isfinite(value)) throw Error(fmt::format("{}: '{}' is not finite", where, key));
  return value;
}

std::uint64_t integer_field(const Json& value, const char* key, const std::string& where, std::uint64_t low,
                            std::uint64_t high) {
  const auto bad = [&] {
    return Error(fmt::format("{}: '{}' must be a whole number in {}..{}", where, key, low, high));
  };
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v < low || v > high) throw bad();
    return v;
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0 || static_cast<std::uint64_t>(v) < low || static_cast<std::uint64_t>(v) > high) throw bad();
    return static_cast<std::uint64_t>(v);
  }
  if (!value.is_number()) throw bad();
  const double number = value.get<double>();
  if (!std::isfinite(number) || number != std::floor(number) || number < static_cast<double>(low) ||
      number > static_cast<double>(high)) {
    throw bad();
  }
  return static_cast<std::uint64_t>(number);
}

std::string string_field(const Json& object, const char* key, const std::string& fallback, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_string()) throw Error(fmt::format("{}: '{}' must be a string", where, key));
  return it->get<std::string>();
}

}  // namespace streamopt::detail
