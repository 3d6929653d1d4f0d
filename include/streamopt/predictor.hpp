#pragma once
/// \file predictor.hpp
/// Throughput predictors: they observe finished downloads and predict the
/// throughput of the next one.

#include <memory>
#include <string>

#include "streamopt/types.hpp"

namespace streamopt {

/// Interface of every throughput predictor. One instance serves one session.
class ThroughputPredictor {
 public:
  virtual ~ThroughputPredictor() = default;
  /// Feeds one finished download. Reports that are not
  /// `DownloadReport::usable_sample()` are ignored.
  virtual void observe(const DownloadReport& report) = 0;
  /// The prediction for the next download (`valid` false before any sample).
  [[nodiscard]] virtual Prediction predict() const = 0;
  /// Forgets all history (start of a new session).
  virtual void reset() = 0;
  /// The registry name, e.g. "harmonic".
  [[nodiscard]] virtual std::string name() const = 0;
};

}  // namespace streamopt
