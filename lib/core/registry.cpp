// The registry mechanism: name -> factory tables and the build context that
// factories receive. The table of built-in algorithms lives in
// lib/builtin.cpp, at the top of the engine, so this file depends on nothing
// above core.
#include "streamopt/registry.hpp"

#include <fmt/format.h>

#include "streamopt/error.hpp"

namespace streamopt {

namespace {

template <class Map>
std::string known_names(const Map& map) {
  std::vector<std::string> names;
  for (const auto& [name, entry] : map) names.push_back(name);
  return fmt::format("{}", fmt::join(names, ", "));
}

template <class Map>
std::vector<std::pair<std::string, std::string>> summaries(const Map& map) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, entry] : map) out.emplace_back(name, entry.summary);
  return out;
}

template <class Map, class Entry>
void add_entry(Map& map, const std::string& name, Entry entry, const char* kind) {
  if (name.empty() || name.find_first_of(":,;= \t") != std::string::npos || map.count(name)) {
    throw Error(fmt::format("registry: {} name '{}' is empty, taken or has one of ':,;=' or blanks", kind, name));
  }
  if (!entry.factory) throw Error(fmt::format("registry: {} '{}' has no factory", kind, name));
  map.emplace(name, std::move(entry));
}

// Builds the part `text` names from `map` for the kinds built without a
// context (congestion controllers, allocators): finds the name, calls the
// factory with `args` and the options, and rejects options it did not read.
template <class Map, class... Args>
auto build_flat(const Map& map, std::string_view text, const char* kind, const Args&... args) {
  const AlgorithmSpec spec = parse_spec(text);
  const auto it = map.find(spec.name);
  if (it == map.end()) throw Error(fmt::format("unknown {} '{}' (known: {})", kind, spec.name, known_names(map)));
  OptionMap options(spec.name, spec.options.values());
  auto part = it->second.factory(args..., options);
  if (!part) throw Error(fmt::format("{} '{}': its factory built nothing", kind, spec.name));
  options.check_all_used();
  return part;
}

// Builds `spec` from `map` inside a context: checks the nesting depth, finds
// the name, calls the factory, and rejects options it did not read.
template <class Map>
auto build_part(const Map& map, const AlgorithmSpec& spec, const BuildContext& context, const char* kind) {
  if (context.depth() > kMaxSpecDepth) {
    throw Error(fmt::format("{} '{}' is nested {} levels deep; the limit is {}", kind, spec.name,
                            context.depth(), kMaxSpecDepth));
  }
  const auto it = map.find(spec.name);
  if (it == map.end()) {
    throw Error(fmt::format("unknown {} '{}' (known: {})", kind, spec.name, known_names(map)));
  }
  OptionMap options(spec.name, spec.options.values());
  auto part = it->second.factory(context, options);
  if (!part) throw Error(fmt::format("{} '{}': its factory built nothing", kind, spec.name));
  options.check_all_used();
  return part;
}

}  // namespace

BuildContext::BuildContext(const Registry& registry, std::shared_ptr<const Manifest> manifest,
                           std::string qoe_spec, std::size_t depth)
    : registry_(&registry), manifest_(std::move(manifest)), qoe_(std::move(qoe_spec)), depth_(depth) {}

const Manifest& BuildContext::manifest() const {
  if (!manifest_) throw Error("build context: this part needs a manifest and none was given");
  return *manifest_;
}

std::unique_ptr<ThroughputPredictor> BuildContext::make_predictor(std::string_view spec) const {
  return registry_->make_predictor(parse_spec(spec), BuildContext(*registry_, manifest_, qoe_, depth_ + 1));
}

std::unique_ptr<TransmissionTimePredictor> BuildContext::make_fetch_time(std::string_view spec) const {
  return registry_->make_fetch_time(parse_spec(spec), BuildContext(*registry_, manifest_, qoe_, depth_ + 1));
}

std::unique_ptr<AbrController> BuildContext::make_abr(std::string_view spec) const {
  return registry_->make_abr(parse_spec(spec), BuildContext(*registry_, manifest_, qoe_, depth_ + 1));
}

void Registry::add_abr(const std::string& name, std::string summary, AbrFactory factory) {
  add_entry(abrs_, name, Entry<AbrFactory>{std::move(summary), std::move(factory)}, "controller");
}

void Registry::add_predictor(const std::string& name, std::string summary, PredictorFactory factory) {
  add_entry(predictors_, name, Entry<PredictorFactory>{std::move(summary), std::move(factory)}, "predictor");
}

void Registry::add_fetch_time(const std::string& name, std::string summary, FetchTimeFactory factory) {
  add_entry(fetch_times_, name, Entry<FetchTimeFactory>{std::move(summary), std::move(factory)},
            "fetch-time predictor");
}

void Registry::add_cc(const std::string& name, std::string summary, CcFactory factory) {
  add_entry(ccs_, name, Entry<CcFactory>{std::move(summary), std::move(factory)}, "congestion controller");
}

void Registry::add_allocator(const std::string& name, std::string summary, AllocatorFactory factory) {
  add_entry(allocators_, name, Entry<AllocatorFactory>{std::move(summary), std::move(factory)}, "allocator");
}

std::unique_ptr<AbrController> Registry::make_abr(std::string_view spec,
                                                  std::shared_ptr<const Manifest> manifest,
                                                  std::string_view qoe_spec) const {
  if (!manifest) throw Error("make_abr: no manifest given");
  return make_abr(parse_spec(spec), BuildContext(*this, std::move(manifest), std::string(qoe_spec)));
}

std::unique_ptr<AbrController> Registry::make_abr(std::string_view spec, const Manifest& manifest) const {
  return make_abr(spec, std::make_shared<const Manifest>(manifest));
}

std::unique_ptr<AbrController> Registry::make_abr(const AlgorithmSpec& spec, const BuildContext& context) const {
  return build_part(abrs_, spec, context, "ABR controller");
}

std::unique_ptr<ThroughputPredictor> Registry::make_predictor(std::string_view spec) const {
  return make_predictor(parse_spec(spec), BuildContext(*this, nullptr));
}

std::unique_ptr<ThroughputPredictor> Registry::make_predictor(const AlgorithmSpec& spec,
                                                              const BuildContext& context) const {
  return build_part(predictors_, spec, context, "throughput predictor");
}

std::unique_ptr<TransmissionTimePredictor> Registry::make_fetch_time(std::string_view spec) const {
  return make_fetch_time(parse_spec(spec), BuildContext(*this, nullptr));
}

std::unique_ptr<TransmissionTimePredictor> Registry::make_fetch_time(const AlgorithmSpec& spec,
                                                                     const BuildContext& context) const {
  return build_part(fetch_times_, spec, context, "fetch-time predictor");
}

std::unique_ptr<CongestionController> Registry::make_cc(std::string_view text, const CcConstraints& limits) const {
  return build_flat(ccs_, text, "congestion controller", limits);
}

std::vector<std::pair<std::string, std::string>> Registry::abr_names() const { return summaries(abrs_); }
std::vector<std::pair<std::string, std::string>> Registry::predictor_names() const { return summaries(predictors_); }
std::vector<std::pair<std::string, std::string>> Registry::fetch_time_names() const { return summaries(fetch_times_); }
std::vector<std::pair<std::string, std::string>> Registry::cc_names() const { return summaries(ccs_); }
std::vector<std::pair<std::string, std::string>> Registry::allocator_names() const {
  return summaries(allocators_);
}

std::unique_ptr<BandwidthAllocator> Registry::make_allocator(std::string_view text) const {
  return build_flat(allocators_, text, "allocator");
}

std::unique_ptr<BandwidthAllocator> make_allocator(std::string_view spec) {
  return Registry::builtin().make_allocator(spec);
}

std::unique_ptr<AbrController> make_abr(std::string_view spec, const Manifest& manifest) {
  return Registry::builtin().make_abr(spec, manifest);
}

std::unique_ptr<AbrController> make_abr(std::string_view spec, std::shared_ptr<const Manifest> manifest,
                                        std::string_view qoe_spec) {
  return Registry::builtin().make_abr(spec, std::move(manifest), qoe_spec);
}

std::unique_ptr<CongestionController> make_cc(std::string_view spec, const CcConstraints& limits) {
  return Registry::builtin().make_cc(spec, limits);
}

std::unique_ptr<ThroughputPredictor> make_predictor(std::string_view spec) {
  return Registry::builtin().make_predictor(spec);
}

}  // namespace streamopt
