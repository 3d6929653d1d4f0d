#include <fmt/format.h>

#include "streamopt/error.hpp"
#include "streamopt/serve.hpp"

namespace streamopt::serve {

TitleMap load_titles(const std::vector<std::filesystem::path>& dirs) {
  TitleMap titles;
  for (const std::filesystem::path& dir : dirs) {
    // "videos/envivio/" names "envivio" too.
    const std::filesystem::path clean = dir.lexically_normal();
    std::string name = (clean.has_filename() ? clean : clean.parent_path()).filename().string();
    if (name.empty() || name == "." || name == "..") {
      throw Error(fmt::format("--video {}: cannot name a title after this path; give the title's directory",
                              dir.string()));
    }
    auto manifest = std::make_shared<const Manifest>(Manifest::load(dir));
    if (!titles.emplace(name, std::move(manifest)).second) {
      throw Error(fmt::format("--video {}: a title named '{}' is already served", dir.string(), name));
    }
  }
  return titles;
}

}  // namespace streamopt::serve
