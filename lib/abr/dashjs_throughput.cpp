#include "abr/dashjs_throughput.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "abr/builtin.hpp"
#include "predict/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::abr {

DashjsThroughputSettings parse_dashjs_throughput(const OptionMap& options) {
  DashjsThroughputSettings p;
  p.bandwidth_safety_factor =
      ranged_option(options, "bandwidth_safety_factor", p.bandwidth_safety_factor, 0.01, 1.0);
  p.fast_half_life_s = ranged_option(options, "fast_half_life_s", p.fast_half_life_s, 1e-3, 1e4);
  p.slow_half_life_s = ranged_option(options, "slow_half_life_s", p.slow_half_life_s, 1e-3, 1e4);
  p.ewma_weight_per_ms = ranged_option(options, "ewma_weight_per_ms", p.ewma_weight_per_ms, 1e-5, 1.0);
  p.initial_bitrate_bps = options.get_double("initial_bitrate_bps", p.initial_bitrate_bps);
  if (!(p.initial_bitrate_bps == -1 || (p.initial_bitrate_bps > 0 && p.initial_bitrate_bps <= 1e12))) {
    throw Error(fmt::format("{}: option initial_bitrate_bps={} must be in (0, 1e12], or -1 for unset",
                            options.owner(), p.initial_bitrate_bps));
  }
  return p;
}

double dashjs_initial_bitrate_bps(const DashjsThroughputSettings& settings, double average_bps) {
  if (settings.initial_bitrate_bps > 0) return settings.initial_bitrate_bps;
  if (average_bps > 0) return average_bps;
  return kDashjsDefaultVideoBitrateBps;
}

DashjsEwmaThroughput::DashjsEwmaThroughput(const BuildContext& context, const DashjsThroughputSettings& settings) {
  const double scale = 1.0 / (1000.0 * settings.ewma_weight_per_ms);
  OptionMap options("ewma", {{"fast_half_life_s", fmt::format("{}", settings.fast_half_life_s * scale)},
                             {"slow_half_life_s", fmt::format("{}", settings.slow_half_life_s * scale)},
                             {"safety", "1"}});
  ewma_ = predict::make_ewma(context, options);
  options.check_all_used();
}

double DashjsEwmaThroughput::average_bps() const {
  const Prediction p = ewma_->predict();
  if (!p.valid) return std::numeric_limits<double>::quiet_NaN();
  return std::round(p.estimate_bps / 1000.0) * 1000.0;
}

}  // namespace streamopt::abr
