#pragma once
/// \file predictor.hpp
/// Throughput predictors: they observe finished downloads and predict the
/// throughput of the next one.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

/// The distribution of the time to fetch one segment: probabilities over
/// fetch times, as a transmission-time predictor answers (Puffer's Fugu
/// TTP gives 21 bins per candidate size).
struct FetchTimeDistribution {
  std::vector<double> time_s;       ///< support, ascending, seconds (> 0)
  std::vector<double> probability;  ///< one per time, >= 0, summing to 1
  /// The expected fetch time (NaN when empty).
  [[nodiscard]] double expected_s() const;
  /// The smallest time whose cumulative probability reaches q in [0, 1]
  /// (NaN when empty).
  [[nodiscard]] double quantile_s(double q) const;
};

/// Interface of a transmission-time predictor: given a candidate segment
/// size, the distribution of the time to fetch it. Planning controllers
/// (`mpc:ttp=...`) take its expectation. One instance serves one session.
class TransmissionTimePredictor {
 public:
  virtual ~TransmissionTimePredictor() = default;
  /// Feeds one finished download (unusable samples are ignored).
  virtual void observe(const DownloadReport& report) = 0;
  /// False until the predictor has something to say.
  [[nodiscard]] virtual bool ready() const = 0;
  /// The fetch-time distribution of a segment of `size_bytes`; empty when
  /// not ready.
  [[nodiscard]] virtual FetchTimeDistribution predict(std::uint64_t size_bytes) const = 0;
  /// The expected fetch time of `size_bytes` (by default predict()'s
  /// expectation; override when it has a cheaper closed form).
  [[nodiscard]] virtual double expected_s(std::uint64_t size_bytes) const { return predict(size_bytes).expected_s(); }
  /// Forgets all history (start of a new session).
  virtual void reset() = 0;
  /// The registry name, e.g. "empirical".
  [[nodiscard]] virtual std::string name() const = 0;
};

}  // namespace streamopt
