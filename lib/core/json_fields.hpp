#pragma once
// Typed reads of JSON object fields with messages that name the field and
// where it is ("manifest: rung 2: 'bitrate_kbps' must be a number"). Shared
// by the manifest readers (ladder.json, inline manifests) and the decision
// service's request bodies. Private to the library (nlohmann/json is a build
// dependency only).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace streamopt::detail {

/// Parses `text` as one JSON document. Throws `Error` "WHERE: invalid JSON
/// (syntax error at line L, column C)" without quoting the input, or "a
/// number is out of range".
nlohmann::json parse_json(std::string_view text, std::string_view where);

/// The finite number at `key`; throws `Error` when it is missing, not a
/// number or not finite.
double number_field(const nlohmann::json& object, const char* key, const std::string& where);

/// `value` (the member `key` of an object) as a whole number in [low, high];
/// a float without a fraction counts. Never converts out of range.
std::uint64_t integer_field(const nlohmann::json& value, const char* key, const std::string& where,
                            std::uint64_t low, std::uint64_t high);

/// The string at `key`, or `fallback` when the key is absent; throws `Error`
/// when it is present and not a string.
std::string string_field(const nlohmann::json& object, const char* key, const std::string& fallback,
                         const std::string& where);

}  // namespace streamopt::detail
