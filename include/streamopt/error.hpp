#pragma once
/// \file error.hpp
/// The single exception type of the C++ API.

#include <stdexcept>
#include <string>

namespace streamopt {

/// Thrown by every streamopt function on bad input or failed I/O. The message
/// says what was wrong and where (file and line for parsers, option name for
/// option maps).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace streamopt
