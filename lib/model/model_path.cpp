// Finding the shipped models (see model_path.hpp).
#include "model/model_path.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include "streamopt/error.hpp"

#ifndef STREAMOPT_MODEL_INSTALL_DIR
#define STREAMOPT_MODEL_INSTALL_DIR ""
#endif
#ifndef STREAMOPT_MODEL_SOURCE_DIR
#define STREAMOPT_MODEL_SOURCE_DIR ""
#endif

namespace streamopt::model {

std::filesystem::path find_shipped_model(std::string_view file_name, std::string_view algorithm) {
  std::vector<std::string> dirs;
  const char* env = std::getenv("STREAMOPT_MODEL_DIR");
  const bool env_set = env != nullptr && *env != '\0';
  if (env_set) dirs.emplace_back(env);
  for (const char* dir : {STREAMOPT_MODEL_INSTALL_DIR, STREAMOPT_MODEL_SOURCE_DIR}) {
    if (*dir != '\0') dirs.emplace_back(dir);
  }
  std::string looked;
  for (const auto& dir : dirs) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / file_name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    looked += looked.empty() ? dir : ", " + dir;
  }
  throw Error(fmt::format("{}: no shipped model {} (looked in {}{}); pass {}:model=FILE or train one with "
                          "'streamopt train --algo {} ... --out FILE'",
                          algorithm, file_name, looked.empty() ? "nowhere" : looked,
                          env_set ? "" : "; STREAMOPT_MODEL_DIR is unset", algorithm,
                          algorithm));
}

}  // namespace streamopt::model
