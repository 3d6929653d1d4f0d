#pragma once
// Request-target helpers of the origin: percent-decoding and query
// parameters. Strict: a malformed escape is an `Error`, never a guess.

#include <optional>
#include <string>
#include <string_view>

namespace streamopt::serve {

/// Decodes %XX escapes of `text`; with `plus_is_space` (query components,
/// application/x-www-form-urlencoded) a '+' decodes to a space. Throws
/// `Error` naming `where` on a '%' not followed by two hex digits.
std::string percent_decode(std::string_view text, std::string_view where, bool plus_is_space);

/// The raw (still encoded) value of query parameter `name` in `query` (the
/// part after '?', parameters separated by '&'); nullopt when absent, an
/// empty view for `name` or `name=`. Throws `Error` when `name` appears more
/// than once (a player sends it once; two would be ambiguous).
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name);

}  // namespace streamopt::serve
