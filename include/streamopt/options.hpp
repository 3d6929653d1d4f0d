#pragma once
/// \file options.hpp
/// Option maps and algorithm specs such as `bola:gamma_p=5,min_buffer_s=10`.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt {

/// Longest spec or spec list the parser accepts (characters).
inline constexpr std::size_t kMaxSpecLength = 4096;

/// Key/value options for one algorithm. Getters convert and range-check the
/// value and remember which keys were read, so that `check_all_used()` can
/// reject typos. Throws `Error` naming the key and the owner on bad values.
class OptionMap {
 public:
  OptionMap() = default;
  /// Builds a map owned by `owner` (used in error messages, e.g. "bola").
  explicit OptionMap(std::string owner, std::map<std::string, std::string> values = {});

  /// Sets or replaces a value.
  void set(const std::string& key, std::string value);
  /// True when `key` is present.
  [[nodiscard]] bool has(const std::string& key) const;
  /// String value or `fallback`.
  [[nodiscard]] std::string get_string(const std::string& key, const std::string& fallback) const;
  /// Finite floating-point value or `fallback`; throws if not a number.
  [[nodiscard]] double get_double(const std::string& key, double fallback) const;
  /// Integer value or `fallback`; throws if not an integer.
  [[nodiscard]] std::int64_t get_int(const std::string& key, std::int64_t fallback) const;
  /// Boolean (`true/false/1/0/yes/no`) or `fallback`.
  [[nodiscard]] bool get_bool(const std::string& key, bool fallback) const;
  /// List of numbers separated by `/` (e.g. `1/2/3/12/15/20`), or `fallback`.
  [[nodiscard]] std::vector<double> get_doubles(const std::string& key,
                                                const std::vector<double>& fallback) const;
  /// Throws `Error` listing any key that no getter has read.
  void check_all_used() const;
  /// The owner name given at construction.
  [[nodiscard]] const std::string& owner() const { return owner_; }
  /// All key/value pairs, sorted by key.
  [[nodiscard]] const std::map<std::string, std::string>& values() const { return values_; }
  /// `key=value,key=value` in key order (empty when no options).
  [[nodiscard]] std::string to_string() const;

 private:
  const std::string* find(const std::string& key) const;
  std::string owner_;
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> used_;
};

/// An algorithm name plus its options, parsed from `name[:key=value,...]`.
struct AlgorithmSpec {
  std::string name;    ///< registry name, e.g. "robust_mpc"
  OptionMap options;   ///< options owned by `name`
  /// Back to `name[:key=value,...]`.
  [[nodiscard]] std::string to_string() const;
};

/// Parses one spec; throws `Error` on an empty name, a missing `=`, an empty
/// key, a repeated key or a text longer than `kMaxSpecLength`.
AlgorithmSpec parse_spec(std::string_view text);

/// Parses a comma-separated list of specs where options continue the previous
/// spec: `bba,bola:gamma_p=5,min_buffer_s=8,mpc` gives three specs. `;` may
/// also separate specs.
std::vector<AlgorithmSpec> parse_spec_list(std::string_view text);

}  // namespace streamopt
