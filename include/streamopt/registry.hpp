#pragma once
/// \file registry.hpp
/// The one registry through which every controller and predictor is built by
/// name plus options, and the build context its factories receive.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/abr.hpp"
#include "streamopt/allocator.hpp"
#include "streamopt/cc.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/options.hpp"
#include "streamopt/predictor.hpp"

namespace streamopt {

class Registry;

/// Deepest nesting of parts built from parts (`rate:predictor=robust:inner=...`).
inline constexpr std::size_t kMaxSpecDepth = 8;

/// What a factory builds from: the registry it is called through (nested
/// parts such as a controller's predictor come from the same registry, so a
/// user's own predictor reaches every controller), the title's manifest,
/// shared and immutable so that no session copies it, and the session's QoE
/// model spec (controllers that plan, such as MPC, optimise that model).
class BuildContext {
 public:
  /// A context for controllers of `manifest` under the QoE model `qoe_spec`.
  /// `manifest` may be null for contexts that build predictors only.
  BuildContext(const Registry& registry, std::shared_ptr<const Manifest> manifest,
               std::string qoe_spec = "lin", std::size_t depth = 0);

  /// The registry this part is built through.
  [[nodiscard]] const Registry& registry() const { return *registry_; }
  /// The manifest; throws `Error` in a predictor-only context.
  [[nodiscard]] const Manifest& manifest() const;
  /// The manifest as a shared pointer, to keep it alive without a copy.
  [[nodiscard]] const std::shared_ptr<const Manifest>& shared_manifest() const { return manifest_; }
  /// The session's QoE model spec, e.g. `lin` or `log:rebuffer=2.66`.
  [[nodiscard]] const std::string& qoe() const { return qoe_; }
  /// How many parts enclose the one being built (0 at the top).
  [[nodiscard]] std::size_t depth() const { return depth_; }

  /// Builds a nested predictor through the same registry, one level deeper.
  [[nodiscard]] std::unique_ptr<ThroughputPredictor> make_predictor(std::string_view spec) const;
  /// Builds a nested fetch-time predictor through the same registry, one level deeper.
  [[nodiscard]] std::unique_ptr<TransmissionTimePredictor> make_fetch_time(std::string_view spec) const;
  /// Builds a nested controller for the same manifest and QoE, one level deeper.
  [[nodiscard]] std::unique_ptr<AbrController> make_abr(std::string_view spec) const;

 private:
  const Registry* registry_;
  std::shared_ptr<const Manifest> manifest_;
  std::string qoe_;
  std::size_t depth_;
};

/// Builds an ABR controller from a build context and its options.
using AbrFactory = std::function<std::unique_ptr<AbrController>(const BuildContext&, const OptionMap&)>;
/// Builds a throughput predictor from a build context and its options.
using PredictorFactory =
    std::function<std::unique_ptr<ThroughputPredictor>(const BuildContext&, const OptionMap&)>;
/// Builds a transmission-time (fetch-time) predictor from a build context and its options.
using FetchTimeFactory =
    std::function<std::unique_ptr<TransmissionTimePredictor>(const BuildContext&, const OptionMap&)>;
/// Builds a congestion controller for rate limits from options.
using CcFactory = std::function<std::unique_ptr<CongestionController>(const CcConstraints&, const OptionMap&)>;

/// Builds a bandwidth allocator from options.
using AllocatorFactory = std::function<std::unique_ptr<BandwidthAllocator>(const OptionMap&)>;

/// A name -> factory table for controllers and predictors. `builtin()` holds
/// everything streamopt ships (listed in lib/builtin.cpp) and never changes;
/// copy it to add your own. The mechanism lives here; the table lives at the
/// top of the engine.
class Registry {
 public:
  /// The immutable table of built-in algorithms (thread-safe).
  static const Registry& builtin();

  /// Adds a controller; throws `Error` if the name is taken.
  void add_abr(const std::string& name, std::string summary, AbrFactory factory);
  /// Adds a predictor; throws `Error` if the name is taken.
  void add_predictor(const std::string& name, std::string summary, PredictorFactory factory);
  /// Adds a fetch-time predictor; throws `Error` if the name is taken.
  void add_fetch_time(const std::string& name, std::string summary, FetchTimeFactory factory);
  /// Adds a congestion controller; throws `Error` if the name is taken.
  void add_cc(const std::string& name, std::string summary, CcFactory factory);

  /// Adds a bandwidth allocator; throws `Error` if the name is taken.
  void add_allocator(const std::string& name, std::string summary, AllocatorFactory factory);
  /// Builds a controller from `name[:k=v,...]` for a shared manifest, planning
  /// with the QoE model `qoe_spec`. Throws `Error` on an unknown name (listing
  /// the known ones), bad values, unused options, a spec longer than
  /// `kMaxSpecLength` or nested deeper than `kMaxSpecDepth`.
  [[nodiscard]] std::unique_ptr<AbrController> make_abr(std::string_view spec,
                                                        std::shared_ptr<const Manifest> manifest,
                                                        std::string_view qoe_spec = "lin") const;
  /// As above with a copy of `manifest` (one copy per call: prefer the shared form).
  [[nodiscard]] std::unique_ptr<AbrController> make_abr(std::string_view spec,
                                                        const Manifest& manifest) const;
  /// As above from a parsed spec inside a context (used by nested builds).
  [[nodiscard]] std::unique_ptr<AbrController> make_abr(const AlgorithmSpec& spec,
                                                        const BuildContext& context) const;
  /// Builds a predictor from `name[:k=v,...]`; errors as `make_abr`.
  [[nodiscard]] std::unique_ptr<ThroughputPredictor> make_predictor(std::string_view spec) const;
  /// As above from a parsed spec inside a context (used by nested builds).
  [[nodiscard]] std::unique_ptr<ThroughputPredictor> make_predictor(const AlgorithmSpec& spec,
                                                                    const BuildContext& context) const;

  /// Builds a fetch-time predictor from `name[:k=v,...]`; errors as `make_abr`.
  [[nodiscard]] std::unique_ptr<TransmissionTimePredictor> make_fetch_time(std::string_view spec) const;
  /// As above from a parsed spec inside a context (used by nested builds).
  [[nodiscard]] std::unique_ptr<TransmissionTimePredictor> make_fetch_time(const AlgorithmSpec& spec,
                                                                           const BuildContext& context) const;

  /// Builds a congestion controller from `name[:k=v,...]`; errors as `make_abr`,
  /// plus bad constraints (need 0 < min <= start <= max).
  [[nodiscard]] std::unique_ptr<CongestionController> make_cc(std::string_view spec,
                                                             const CcConstraints& limits) const;

  /// Builds a bandwidth allocator from `name[:k=v,...]`; errors as `make_abr`.
  [[nodiscard]] std::unique_ptr<BandwidthAllocator> make_allocator(std::string_view spec) const;
  /// (name, summary) of every controller, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> abr_names() const;
  /// (name, summary) of every predictor, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> predictor_names() const;
  /// (name, summary) of every fetch-time predictor, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> fetch_time_names() const;
  /// (name, summary) of every congestion controller, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> cc_names() const;
  /// (name, summary) of every bandwidth allocator, sorted by name.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> allocator_names() const;

 private:
  template <class Factory>
  struct Entry {
    std::string summary;
    Factory factory;
  };
  std::map<std::string, Entry<AbrFactory>> abrs_;
  std::map<std::string, Entry<PredictorFactory>> predictors_;
  std::map<std::string, Entry<FetchTimeFactory>> fetch_times_;
  std::map<std::string, Entry<CcFactory>> ccs_;
  std::map<std::string, Entry<AllocatorFactory>> allocators_;
};

/// `Registry::builtin().make_abr(spec, manifest)`.
std::unique_ptr<AbrController> make_abr(std::string_view spec, const Manifest& manifest);
/// `Registry::builtin().make_abr(spec, manifest, qoe_spec)`, sharing the manifest.
std::unique_ptr<AbrController> make_abr(std::string_view spec, std::shared_ptr<const Manifest> manifest,
                                        std::string_view qoe_spec = "lin");
/// `Registry::builtin().make_cc(spec, limits)`.
std::unique_ptr<CongestionController> make_cc(std::string_view spec, const CcConstraints& limits = {});
/// `Registry::builtin().make_predictor(spec)`.
std::unique_ptr<ThroughputPredictor> make_predictor(std::string_view spec);

}  // namespace streamopt
