#include "streamopt/registry.hpp"

#include <fmt/format.h>

#include "abr/builtin.hpp"
#include "cc/builtin.hpp"
#include "predict/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

namespace {

Registry make_builtin() {
  Registry r;
  // Throughput predictors.
  r.add_predictor("last", "last sample", predict::make_last_sample);
  r.add_predictor("harmonic", "harmonic mean of the last N samples (window=5)", predict::make_harmonic_mean);
  r.add_predictor("ewma", "min of fast/slow EWMAs, dash.js/Shaka (3 s / 8 s half-lives)", predict::make_ewma);
  r.add_predictor("percentile", "sliding-window weighted percentile, ExoPlayer", predict::make_sliding_percentile);
  r.add_predictor("robust", "RobustMPC discount by the max recent error (inner=harmonic)", predict::make_robust);
  // ABR controllers.
  r.add_abr("fixed", "always one rung (rung=0)", abr::make_fixed);
  r.add_abr("rate", "throughput rule: highest rung under safety x prediction", abr::make_rate_based);
  r.add_abr("bba", "buffer-based BBA-0, Huang et al. 2014 (preset=pensieve: bb.py)", abr::make_bba);
  r.add_abr("bola", "BOLA, Spiteri et al. 2016 (variant=e|basic, dash.js parameters)", abr::make_bola);
  r.add_abr("dynamic", "dash.js DYNAMIC: throughput rule at low buffer, BOLA above", abr::make_dynamic);
  r.add_abr("mpc", "MPC, Yin et al. 2015 (horizon=5, harmonic-mean prediction)", abr::make_mpc);
  r.add_abr("robust_mpc", "RobustMPC, Yin et al. 2015 (preset=pensieve: mpc.py)", abr::make_robust_mpc);
  // Congestion controllers (live path).
  r.add_cc("gcc", "Google Congestion Control, draft-ietf-rmcat-gcc-02 (profile=libwebrtc|draft02)", cc::make_gcc);
  r.add_cc("nada", "NADA, RFC 8698 (rmax_bps=1.5e6 in the price term)", cc::make_nada);
  r.add_cc("bbr", "BBR-style model-based: max delivery rate x pacing-gain cycle, min RTT", cc::make_bbr);
  return r;
}

template <class Map>
std::string known_names(const Map& map) {
  std::vector<std::string> names;
  for (const auto& [name, entry] : map) names.push_back(name);
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

const Registry& Registry::builtin() {
  static const Registry registry = make_builtin();
  return registry;
}

void Registry::add_abr(const std::string& name, std::string summary, AbrFactory factory) {
  if (name.empty() || abrs_.count(name)) throw Error(fmt::format("registry: controller name '{}' is empty or taken", name));
  abrs_[name] = {std::move(summary), std::move(factory)};
}

void Registry::add_predictor(const std::string& name, std::string summary, PredictorFactory factory) {
  if (name.empty() || predictors_.count(name)) throw Error(fmt::format("registry: predictor name '{}' is empty or taken", name));
  predictors_[name] = {std::move(summary), std::move(factory)};
}

void Registry::add_cc(const std::string& name, std::string summary, CcFactory factory) {
  if (name.empty() || ccs_.count(name)) throw Error(fmt::format("registry: congestion controller name '{}' is empty or taken", name));
  ccs_[name] = {std::move(summary), std::move(factory)};
}

std::unique_ptr<CongestionController> Registry::make_cc(std::string_view text, const CcConstraints& limits) const {
  const AlgorithmSpec spec = parse_spec(text);
  const auto it = ccs_.find(spec.name);
  if (it == ccs_.end()) {
    throw Error(fmt::format("unknown congestion controller '{}' (known: {})", spec.name, known_names(ccs_)));
  }
  OptionMap options(spec.name, spec.options.values());
  auto controller = it->second.factory(limits, options);
  options.check_all_used();
  return controller;
}

std::vector<std::pair<std::string, std::string>> Registry::cc_names() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, entry] : ccs_) out.emplace_back(name, entry.summary);
  return out;
}

std::unique_ptr<AbrController> Registry::make_abr(std::string_view spec, const Manifest& manifest) const {
  return make_abr(parse_spec(spec), manifest);
}

std::unique_ptr<AbrController> Registry::make_abr(const AlgorithmSpec& spec, const Manifest& manifest) const {
  const auto it = abrs_.find(spec.name);
  if (it == abrs_.end()) {
    throw Error(fmt::format("unknown ABR controller '{}' (known: {})", spec.name, known_names(abrs_)));
  }
  OptionMap options(spec.name, spec.options.values());
  auto controller = it->second.factory(manifest, options);
  options.check_all_used();
  return controller;
}

std::unique_ptr<ThroughputPredictor> Registry::make_predictor(std::string_view spec) const {
  return make_predictor(parse_spec(spec));
}

std::unique_ptr<ThroughputPredictor> Registry::make_predictor(const AlgorithmSpec& spec) const {
  const auto it = predictors_.find(spec.name);
  if (it == predictors_.end()) {
    throw Error(fmt::format("unknown throughput predictor '{}' (known: {})", spec.name,
                            known_names(predictors_)));
  }
  OptionMap options(spec.name, spec.options.values());
  auto predictor = it->second.factory(options);
  options.check_all_used();
  return predictor;
}

std::vector<std::pair<std::string, std::string>> Registry::abr_names() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, entry] : abrs_) out.emplace_back(name, entry.summary);
  return out;
}

std::vector<std::pair<std::string, std::string>> Registry::predictor_names() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, entry] : predictors_) out.emplace_back(name, entry.summary);
  return out;
}

std::unique_ptr<AbrController> make_abr(std::string_view spec, const Manifest& manifest) {
  return Registry::builtin().make_abr(spec, manifest);
}

std::unique_ptr<CongestionController> make_cc(std::string_view spec, const CcConstraints& limits) {
  return Registry::builtin().make_cc(spec, limits);
}

std::unique_ptr<ThroughputPredictor> make_predictor(std::string_view spec) {
  return Registry::builtin().make_predictor(spec);
}

}  // namespace streamopt
