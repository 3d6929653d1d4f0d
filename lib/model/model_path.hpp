#pragma once
// Where the engine finds the models it ships: a registry name such as
// `imitation` loads FILE (e.g. "imitation.sopt") from, in order,
// $STREAMOPT_MODEL_DIR, the installed models directory
// (<prefix>/share/streamopt/models) and the source tree's models/.

#include <filesystem>
#include <string_view>

namespace streamopt::model {

// The shipped model `file_name`; Error listing every place looked in (and
// how to train or pass one) when none holds it.
std::filesystem::path find_shipped_model(std::string_view file_name, std::string_view algorithm);

}  // namespace streamopt::model
