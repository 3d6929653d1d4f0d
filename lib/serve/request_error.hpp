#pragma once
// The service's failures: an `Error` answered with an HTTP status, counted
// as an `ErrorKind`, with extra headers (Allow, Retry-After).

#include <string>
#include <utility>
#include <vector>

#include "serve/metrics.hpp"
#include "streamopt/error.hpp"

namespace streamopt::serve {

/// A failure answered with `status` and counted as `kind`.
class RequestError : public Error {
 public:
  /// `message` becomes the JSON error body.
  RequestError(int status, ErrorKind kind, const std::string& message) : Error(message), status_(status), kind_(kind) {}
  /// The HTTP status code.
  [[nodiscard]] int status() const { return status_; }
  /// The metrics' kind.
  [[nodiscard]] ErrorKind kind() const { return kind_; }
  std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. Allow, Retry-After

 private:
  int status_;
  ErrorKind kind_;
};

}  // namespace streamopt::serve
