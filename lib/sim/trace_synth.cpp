// Seeded synthetic trace generators.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "streamopt/error.hpp"
#include "streamopt/trace.hpp"

namespace streamopt {

namespace {

void check_positive(double value, const char* what) {
  if (!(value > 0) || !std::isfinite(value)) throw Error(fmt::format("synth: {} must be > 0, got {}", what, value));
}

NetworkTrace build(const char* name, double duration_s, double step_s, auto&& value_at) {
  check_positive(duration_s, "duration_s");
  check_positive(step_s, "step_s");
  if (duration_s / step_s > static_cast<double>(kMaxTraceSamples)) {
    throw Error(fmt::format("synth: {} s at {} s steps would exceed {} samples", duration_s, step_s, kMaxTraceSamples));
  }
  NetworkTrace trace;
  trace.name = name;
  const auto steps = static_cast<std::size_t>(std::ceil(duration_s / step_s - 1e-9));
  for (std::size_t i = 0; i <= steps; ++i) {
    const double t = std::min(duration_s, static_cast<double>(i) * step_s);
    trace.time_s.push_back(t);
    trace.throughput_bps.push_back(value_at(t, i));
  }
  return trace;
}

}  // namespace

NetworkTrace synth_constant(double throughput_bps, double duration_s, double step_s) {
  if (!(throughput_bps >= 0)) throw Error("synth: throughput must be >= 0");
  return build("constant", duration_s, step_s, [&](double, std::size_t) { return throughput_bps; });
}

NetworkTrace synth_step(double high_bps, double low_bps, double period_s, double duration_s, double step_s) {
  check_positive(period_s, "period_s");
  if (!(high_bps >= 0) || !(low_bps >= 0)) throw Error("synth: throughputs must be >= 0");
  return build("step", duration_s, step_s, [&](double t, std::size_t i) {
    // Sample i covers (t - step, t]; use its midpoint to pick the phase.
    const double mid = i == 0 ? 0.0 : t - 0.5 * step_s;
    return std::fmod(mid, period_s) < 0.5 * period_s ? high_bps : low_bps;
  });
}

NetworkTrace synth_markov(const MarkovTraceOptions& o, std::uint64_t seed) {
  check_positive(o.min_bps, "min_bps");
  if (!(o.max_bps >= o.min_bps)) throw Error("synth: max_bps must be >= min_bps");
  if (o.states < 1) throw Error("synth: states must be >= 1");
  if (!(o.switch_probability >= 0 && o.switch_probability <= 1)) throw Error("synth: switch_probability must be in [0, 1]");
  if (!(o.noise >= 0)) throw Error("synth: noise must be >= 0");
  if (!(o.max_jump_states >= 1)) throw Error("synth: max_jump_states must be >= 1");
  std::vector<double> means;
  for (std::size_t s = 0; s < o.states; ++s) {
    const double f = o.states == 1 ? 0.0 : static_cast<double>(s) / static_cast<double>(o.states - 1);
    means.push_back(o.min_bps * std::pow(o.max_bps / o.min_bps, f));
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  auto state = static_cast<std::size_t>(uniform(rng) * static_cast<double>(o.states)) % o.states;
  auto trace = build("markov", o.duration_s, o.step_s, [&](double, std::size_t) {
    if (o.states > 1 && uniform(rng) < o.switch_probability) {
      const auto jump = static_cast<long>(std::ceil(uniform(rng) * o.max_jump_states));
      const long direction = uniform(rng) < 0.5 ? -1 : 1;
      const long next = std::clamp(static_cast<long>(state) + direction * jump, 0L,
                                   static_cast<long>(o.states) - 1);
      state = static_cast<std::size_t>(next);
    }
    const double value = means[state] * (1.0 + o.noise * normal(rng));
    return std::clamp(value, 0.5 * o.min_bps, 1.5 * o.max_bps);
  });
  trace.name = fmt::format("markov-{}", seed);
  return trace;
}

}  // namespace streamopt
