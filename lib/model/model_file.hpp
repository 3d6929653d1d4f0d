#pragma once
// The learned-model file (".sopt", docs/formats.md "Model files"): a small,
// versioned, endian-safe container of named float32/int32 tensors and string
// metadata, written by the learn component and read by the engine's Eigen
// inference. Private to the library (the trainers include it too).
//
// Layout (all integers little-endian, floats IEEE-754 binary32 LE):
//   "SOPTMODL"  u32 format_version  u32 entry_count
//   entry_count x { u8 type (1 text, 2 f32 tensor, 3 i32 tensor)
//                   u16 name_len  name
//                   text:   u32 len  bytes
//                   tensor: u8 rank (1..4)  rank x u32 dim  data }
//   u64 FNV-1a of every byte before it
// Every reader checks the magic, version, bounds, names and checksum, and
// throws Error naming the file and what is wrong.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt::model {

// The version this build reads and writes.
inline constexpr std::uint32_t kFormatVersion = 1;
// Largest model file the engine loads (shipped ones are well under 1 MiB).
inline constexpr std::uintmax_t kMaxModelFileBytes = std::uintmax_t{64} << 20;

// A dense tensor of float32 values, row-major.
struct FloatTensor {
  std::vector<std::uint32_t> shape;  // 1 to 4 dimensions
  std::vector<float> values;         // product(shape) values
};

// A dense tensor of int32 values, row-major (tree structure, indices).
struct IntTensor {
  std::vector<std::uint32_t> shape;
  std::vector<std::int32_t> values;
};

// One model file in memory.
class ModelFile {
 public:
  // Required text entry "kind" names what the file holds, e.g. "rung_policy".
  [[nodiscard]] const std::string& kind() const { return text("kind"); }

  // Setters (replace an entry of the same name).
  void set_text(const std::string& name, std::string value);
  void set_floats(const std::string& name, std::vector<std::uint32_t> shape, std::vector<float> values);
  void set_ints(const std::string& name, std::vector<std::uint32_t> shape, std::vector<std::int32_t> values);

  // Getters: throw Error "SOURCE: model has no ENTRY" when missing.
  [[nodiscard]] const std::string& text(const std::string& name) const;
  [[nodiscard]] const FloatTensor& floats(const std::string& name) const;
  [[nodiscard]] const IntTensor& ints(const std::string& name) const;
  [[nodiscard]] bool has(const std::string& name) const;
  // A text entry parsed as a non-negative integer (Error naming it otherwise).
  [[nodiscard]] std::size_t count(const std::string& name) const;

  // Checks the kind: Error "SOURCE: model kind is K, expected E".
  void expect_kind(std::string_view expected) const;

  // The name used in errors (the file path, or "<memory>").
  [[nodiscard]] const std::string& source() const { return source_; }

  // The serialised bytes (deterministic: entries in name order).
  [[nodiscard]] std::string serialize() const;
  // Parses bytes; `source` names them in errors.
  static ModelFile parse(std::string_view bytes, std::string source = "<memory>");
  // Reads and parses a file (regular files up to kMaxModelFileBytes).
  static ModelFile load(const std::filesystem::path& path);
  // Writes atomically (temporary file renamed into place).
  void save(const std::filesystem::path& path) const;

 private:
  std::string source_ = "<memory>";
  std::map<std::string, std::string> texts_;
  std::map<std::string, FloatTensor> floats_;
  std::map<std::string, IntTensor> ints_;
};

}  // namespace streamopt::model
