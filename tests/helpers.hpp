#pragma once
// Shared test helpers: temporary directories and small files.

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace streamopt::test {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("streamopt-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `name` inside the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// The shared data directory from STREAMOPT_DATA, or empty when unset.
inline std::filesystem::path data_dir() {
  const char* v = std::getenv("STREAMOPT_DATA");
  return v && *v ? std::filesystem::path(v) : std::filesystem::path();
}

}  // namespace streamopt::test
