// Reading and writing learned-model files (format in model_file.hpp).
#include "model/model_file.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt::model {

namespace {

// std::bit_cast, or memcpy where the standard library lacks it (emscripten
// 3.1's libc++, for bindings/js's WebAssembly build).
template <class To, class From>
To bits_as(const From& from) {
  static_assert(sizeof(To) == sizeof(From));
#if defined(__cpp_lib_bit_cast)
  return std::bit_cast<To>(from);
#else
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
#endif
}

constexpr std::string_view kMagic = "SOPTMODL";
constexpr std::uint8_t kText = 1;
constexpr std::uint8_t kFloats = 2;
constexpr std::uint8_t kInts = 3;
constexpr std::size_t kMaxEntries = 4096;
constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxRank = 4;

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_name(std::string& out, const std::string& name) {
  put_le(out, name.size(), 2);
  out += name;
}

void put_shape(std::string& out, const std::vector<std::uint32_t>& shape) {
  put_le(out, shape.size(), 1);
  for (const auto d : shape) put_le(out, d, 4);
}

std::size_t element_count(const std::vector<std::uint32_t>& shape) {
  std::size_t n = 1;
  for (const auto d : shape) n *= d;
  return n;
}

void check_shape(const std::string& name, const std::vector<std::uint32_t>& shape, std::size_t values) {
  if (shape.empty() || shape.size() > kMaxRank) {
    throw Error(fmt::format("model entry '{}': rank {} (expected 1 to {})", name, shape.size(), kMaxRank));
  }
  if (element_count(shape) != values) {
    throw Error(fmt::format("model entry '{}': shape holds {} values but {} were given", name,
                            element_count(shape), values));
  }
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    throw Error(fmt::format("model entry name must be 1 to {} bytes", kMaxNameBytes));
  }
}

// A bounds-checked little-endian reader whose errors name the source and offset.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}
  std::uint64_t le(int n, std::string_view what) {
    need(static_cast<std::size_t>(n), what);
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(bytes_[pos_ + i])} << (8 * i);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  std::string_view take(std::size_t n, std::string_view what) {
    need(n, what);
    const auto s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  [[noreturn]] void fail(std::string_view message) const {
    throw Error(fmt::format("{}: corrupt model file at byte {}: {}", source_, pos_, message));
  }
  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] std::size_t left() const { return bytes_.size() - pos_; }

 private:
  void need(std::size_t n, std::string_view what) const {
    if (n > left()) fail(fmt::format("truncated while reading {}", what));
  }
  std::string_view bytes_;
  const std::string& source_;
  std::size_t pos_ = 0;
};

std::vector<std::uint32_t> read_shape(Reader& in, std::size_t element_bytes) {
  const auto rank = static_cast<std::size_t>(in.le(1, "tensor rank"));
  if (rank == 0 || rank > kMaxRank) in.fail(fmt::format("tensor rank {} (expected 1 to {})", rank, kMaxRank));
  std::vector<std::uint32_t> shape(rank);
  std::size_t n = 1;
  for (auto& d : shape) {
    d = static_cast<std::uint32_t>(in.le(4, "tensor dimension"));
    n *= d;
    if (n > in.left() / element_bytes) in.fail("tensor larger than the file");
  }
  return shape;
}

}  // namespace

void ModelFile::set_text(const std::string& name, std::string value) {
  check_name(name);
  floats_.erase(name);
  ints_.erase(name);
  texts_[name] = std::move(value);
}

void ModelFile::set_floats(const std::string& name, std::vector<std::uint32_t> shape, std::vector<float> values) {
  check_name(name);
  check_shape(name, shape, values.size());
  texts_.erase(name);
  ints_.erase(name);
  floats_[name] = FloatTensor{std::move(shape), std::move(values)};
}

void ModelFile::set_ints(const std::string& name, std::vector<std::uint32_t> shape, std::vector<std::int32_t> values) {
  check_name(name);
  check_shape(name, shape, values.size());
  texts_.erase(name);
  floats_.erase(name);
  ints_[name] = IntTensor{std::move(shape), std::move(values)};
}

const std::string& ModelFile::text(const std::string& name) const {
  const auto it = texts_.find(name);
  if (it == texts_.end()) throw Error(fmt::format("{}: model has no text entry '{}'", source_, name));
  return it->second;
}

const FloatTensor& ModelFile::floats(const std::string& name) const {
  const auto it = floats_.find(name);
  if (it == floats_.end()) throw Error(fmt::format("{}: model has no float tensor '{}'", source_, name));
  return it->second;
}

const IntTensor& ModelFile::ints(const std::string& name) const {
  const auto it = ints_.find(name);
  if (it == ints_.end()) throw Error(fmt::format("{}: model has no int tensor '{}'", source_, name));
  return it->second;
}

bool ModelFile::has(const std::string& name) const {
  return texts_.count(name) + floats_.count(name) + ints_.count(name) > 0;
}

std::size_t ModelFile::count(const std::string& name) const {
  const std::string& value = text(name);
  std::size_t n = 0;
  if (value.empty() || value.size() > 9) throw Error(fmt::format("{}: model entry '{}' is not a count", source_, name));
  for (const char c : value) {
    if (c < '0' || c > '9') throw Error(fmt::format("{}: model entry '{}' is not a count", source_, name));
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

void ModelFile::expect_kind(std::string_view expected) const {
  if (!has("kind")) throw Error(fmt::format("{}: model has no 'kind' entry", source_));
  if (kind() != expected) {
    throw Error(fmt::format("{}: model kind is '{}', expected '{}'", source_, detail::sanitize(kind()), expected));
  }
}

std::string ModelFile::serialize() const {
  std::string out(kMagic);
  put_le(out, kFormatVersion, 4);
  put_le(out, texts_.size() + floats_.size() + ints_.size(), 4);
  for (const auto& [name, value] : texts_) {
    put_le(out, kText, 1);
    put_name(out, name);
    put_le(out, value.size(), 4);
    out += value;
  }
  for (const auto& [name, tensor] : floats_) {
    put_le(out, kFloats, 1);
    put_name(out, name);
    put_shape(out, tensor.shape);
    for (const float v : tensor.values) put_le(out, bits_as<std::uint32_t>(v), 4);
  }
  for (const auto& [name, tensor] : ints_) {
    put_le(out, kInts, 1);
    put_name(out, name);
    put_shape(out, tensor.shape);
    for (const std::int32_t v : tensor.values) put_le(out, static_cast<std::uint32_t>(v), 4);
  }
  put_le(out, fnv1a(out), 8);
  return out;
}

ModelFile ModelFile::parse(std::string_view bytes, std::string source) {
  ModelFile file;
  file.source_ = std::move(source);
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    throw Error(fmt::format("{}: not a streamopt model file (no SOPTMODL magic)", file.source_));
  }
  if (bytes.size() < kMagic.size() + 16) throw Error(fmt::format("{}: model file truncated", file.source_));
  const auto body = bytes.substr(0, bytes.size() - 8);
  Reader tail(bytes.substr(bytes.size() - 8), file.source_);
  Reader in(body, file.source_);
  in.take(kMagic.size(), "magic");
  const auto version = in.le(4, "format version");
  if (version != kFormatVersion) {
    throw Error(fmt::format("{}: model format version {} is not supported (this build reads version {}); "
                            "retrain or convert the model with this streamopt",
                            file.source_, version, kFormatVersion));
  }
  if (tail.le(8, "checksum") != fnv1a(body)) {
    throw Error(fmt::format("{}: model file checksum mismatch (corrupted or truncated)", file.source_));
  }
  const auto entries = static_cast<std::size_t>(in.le(4, "entry count"));
  if (entries > kMaxEntries) in.fail(fmt::format("{} entries (at most {})", entries, kMaxEntries));
  for (std::size_t e = 0; e < entries; ++e) {
    const auto type = static_cast<std::uint8_t>(in.le(1, "entry type"));
    const auto name_len = static_cast<std::size_t>(in.le(2, "entry name length"));
    if (name_len == 0 || name_len > kMaxNameBytes) in.fail("entry name length out of range");
    const std::string name(in.take(name_len, "entry name"));
    if (file.has(name)) in.fail(fmt::format("duplicate entry '{}'", detail::sanitize(name)));
    if (type == kText) {
      const auto len = static_cast<std::size_t>(in.le(4, "text length"));
      file.texts_[name] = std::string(in.take(len, "text"));
    } else if (type == kFloats) {
      FloatTensor t;
      t.shape = read_shape(in, 4);
      t.values.resize(element_count(t.shape));
      for (auto& v : t.values) v = bits_as<float>(static_cast<std::uint32_t>(in.le(4, "float")));
      file.floats_[name] = std::move(t);
    } else if (type == kInts) {
      IntTensor t;
      t.shape = read_shape(in, 4);
      t.values.resize(element_count(t.shape));
      for (auto& v : t.values) v = static_cast<std::int32_t>(static_cast<std::uint32_t>(in.le(4, "int")));
      file.ints_[name] = std::move(t);
    } else {
      in.fail(fmt::format("unknown entry type {}", type));
    }
  }
  if (in.left() != 0) in.fail("trailing bytes after the last entry");
  if (!file.has("kind")) throw Error(fmt::format("{}: model has no 'kind' entry", file.source_));
  return file;
}

ModelFile ModelFile::load(const std::filesystem::path& path) {
  return parse(detail::read_file(path, kMaxModelFileBytes), path.string());
}

void ModelFile::save(const std::filesystem::path& path) const { detail::write_file_atomic(path, serialize()); }

}  // namespace streamopt::model
