#pragma once
/// \file registry.hpp
/// The one registry through which every controller and predictor is built by
/// name plus options.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/abr.hpp"
#include "streamopt/cc.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/options.hpp"
#include "streamopt/predictor.hpp"

namespace streamopt {

/// Builds an ABR controller for a manifest from options.
using AbrFactory = std::function<std::unique_ptr<AbrController>(const Manifest&, const OptionMap&)>;
/// Builds a throughput predictor from options.
using PredictorFactory = std::function<std::unique_ptr<ThroughputPredictor>(const OptionMap&)>;

/// Builds a congestion controller for rate limits from options.
using CcFactory = std::function<std::unique_ptr<CongestionController>(const CcConstraints&, const OptionMap&)>;

/// A name -> factory table for controllers and predictors. `builtin()` holds
/// everything streamopt ships and never changes; copy it to add your own.
class Registry {
 public:
  /// The immutable table of built-in algorithms (thread-safe).
  static const Registry& builtin();

  /// Adds a controller; throws `Error` if the name is taken.
  void add_abr(const std::string& name, std::string summary, AbrFactory factory);
  /// Adds a predictor; throws `Error` if the name is taken.
  void add_predictor(const std::string& name, std::string summary, PredictorFactory factory);

  /// Adds a congestion controller; throws `Error` if the name is taken.
  void add_cc(const std::string& name, std::string summary, CcFactory factory);

  /// Builds a controller from `name[:k=v,...]`. Throws `Error` on an unknown
  /// name (listing the known ones), bad values or unused options.
  [[nodiscard]] std::unique_ptr<AbrController> make_abr(std::string_view spec,
                                                        const Manifest& manifest) const;
  /// As above from a parsed spec.
  [[nodiscard]] std::unique_ptr<AbrController> make_abr(const AlgorithmSpec& spec,
                                                        const Manifest& manifest) const;
  /// Builds a predictor from `name[:k=v,...]`; errors as `make_abr`.
  [[nodiscard]] std::unique_ptr<ThroughputPredictor> make_predictor(std::string_view spec) const;
  /// As above from a parsed spec.
  [[nodiscard]] std::unique_ptr<ThroughputPredictor> make_predictor(const AlgorithmSpec& spec) const;

  /// Builds a congestion controller from `name[:k=v,...]`; errors as `make_abr`,
  /// plus bad constraints (need 0 < min <= start <= max).
  [[nodiscard]] std::unique_ptr<CongestionController> make_cc(std::string_view spec,
                                                             const CcConstraints& limits) const;
  /// (name, summary) of every congestion controller, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> cc_names() const;

  /// (name, summary) of every controller, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> abr_names() const;
  /// (name, summary) of every predictor, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> predictor_names() const;

 private:
  struct AbrEntry {
    std::string summary;
    AbrFactory factory;
  };
  struct PredictorEntry {
    std::string summary;
    PredictorFactory factory;
  };
  struct CcEntry {
    std::string summary;
    CcFactory factory;
  };
  std::map<std::string, AbrEntry> abrs_;
  std::map<std::string, CcEntry> ccs_;
  std::map<std::string, PredictorEntry> predictors_;
};

/// `Registry::builtin().make_abr(spec, manifest)`.
std::unique_ptr<AbrController> make_abr(std::string_view spec, const Manifest& manifest);
/// `Registry::builtin().make_cc(spec, limits)`.
std::unique_ptr<CongestionController> make_cc(std::string_view spec, const CcConstraints& limits = {});
/// `Registry::builtin().make_predictor(spec)`.
std::unique_ptr<ThroughputPredictor> make_predictor(std::string_view spec);

}  // namespace streamopt
