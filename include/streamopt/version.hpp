#pragma once
/// \file version.hpp
/// Library version.

namespace streamopt {

/// Major version.
inline constexpr int kVersionMajor = 0;
/// Minor version.
inline constexpr int kVersionMinor = 1;
/// Patch version.
inline constexpr int kVersionPatch = 0;
/// "major.minor.patch".
inline constexpr const char* kVersionString = "0.1.0";

}  // namespace streamopt
