#pragma once
// dash.js v5's throughput settings (streaming.abr.throughput in EWMA mode:
// bandwidthSafetyFactor and ewma.*; streaming.abr.initialBitrate.video) and
// the first request's bitrate, shared by the controllers modelled on dash.js
// (dashjs, l2a, lolp); see docs/algorithms.md.

#include <memory>

#include "streamopt/manifest.hpp"
#include "streamopt/options.hpp"
#include "streamopt/predictor.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {

// AbrController's video bitrate when nothing else is known: 1000 kbit/s.
inline constexpr double kDashjsDefaultVideoBitrateBps = 1e6;

// The settings, at dash.js's defaults.
struct DashjsThroughputSettings {
  double bandwidth_safety_factor = 0.9;
  double fast_half_life_s = 3.0;
  double slow_half_life_s = 8.0;
  double ewma_weight_per_ms = 0.0015;
  double initial_bitrate_bps = -1;  // -1: unset
};

// Reads the options bandwidth_safety_factor, fast_half_life_s,
// slow_half_life_s, ewma_weight_per_ms and initial_bitrate_bps (defaults
// where absent); an out-of-range value is an Error naming the option.
DashjsThroughputSettings parse_dashjs_throughput(const OptionMap& options);

// The bitrate of the first request, before any rule runs: initialBitrate if
// set, else the average throughput if there is one, else 1000 kbit/s.
double dashjs_initial_bitrate_bps(const DashjsThroughputSettings& settings, double average_bps);

// ThroughputController.getAverageThroughput in EWMA mode, on the shared
// `ewma` predictor: dash.js weighs a sample by ewma_weight_per_ms x its
// download ms, our predictor by its download seconds, so the half-lives are
// scaled.
class DashjsEwmaThroughput {
 public:
  DashjsEwmaThroughput(const BuildContext& context, const DashjsThroughputSettings& settings);
  // Feeds one finished download.
  void observe(const DownloadReport& report) { ewma_->observe(report); }
  // Forgets all samples.
  void reset() { ewma_->reset(); }
  // The average in whole kbit/s (as bit/s), NaN before the first sample.
  [[nodiscard]] double average_bps() const;

 private:
  std::unique_ptr<ThroughputPredictor> ewma_;
};

}  // namespace streamopt::abr
