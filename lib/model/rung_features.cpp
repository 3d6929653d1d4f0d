// The learned policies' per-rung observation (see rung_features.hpp).
#include "model/rung_features.hpp"

#include <algorithm>
#include <cmath>

namespace streamopt::model {

namespace {

// Harmonic-mean window of the throughput estimate (RobustMPC's).
constexpr std::size_t kHarmonicWindow = 5;

const std::vector<std::string> kNames = {
    // global (the same on every row)
    "buffer_s/10", "log2_harmonic_mbps", "last_over_harmonic", "min_over_harmonic", "max_over_harmonic",
    "last_download_over_segment", "segments_left/20", "rebuffered", "segment_s/4", "last_bitrate_mbps",
    "throughput_cov", "has_history",
    // per rung
    "bitrate_mbps", "log2_bitrate_over_harmonic", "switch_mbps", "abs_switch_mbps", "is_last_rung",
    "rung_position", "download_over_segment_harmonic", "download_over_segment_min", "stall_over_segment_harmonic",
    "stall_over_segment_min", "buffer_after_harmonic/10", "plan_value_harmonic", "plan_value_min",
    "plan_value_harmonic_minus_best", "plan_value_min_minus_best"};

double clamp(double v, double lo, double hi) { return std::isfinite(v) ? std::clamp(v, lo, hi) : lo; }

// Mean per-segment QoE of fetching `rung` for the next kFeatureLookahead
// segments at `throughput_bps` from `buffer_s` (no buffer cap, no waits).
double plan_value(const PlayerState& state, const Manifest& manifest, const QoeModel& qoe, std::size_t rung,
                  double throughput_bps) {
  const double seg_s = manifest.segment_duration_s();
  double buffer_s = state.buffer_s;
  double total = 0;
  std::size_t steps = 0;
  std::size_t prev = state.last_rung;
  for (std::size_t j = 0; j < kFeatureLookahead; ++j) {
    const std::size_t k = state.next_segment + j;
    if (k >= manifest.segment_count() || (j > 0 && j >= state.segments_left)) break;
    const double dl_s = static_cast<double>(manifest.segment_size_bytes(k, rung)) * 8.0 / throughput_bps;
    const double stall_s = std::max(0.0, dl_s - buffer_s);
    buffer_s = std::max(0.0, buffer_s - dl_s) + seg_s;
    total += qoe.segment(rung, prev, k, stall_s).total;
    prev = rung;
    ++steps;
  }
  return steps > 0 ? total / static_cast<double>(steps) : 0.0;
}

}  // namespace

const std::vector<std::string>& rung_feature_names() { return kNames; }

std::size_t rung_feature_count() { return kNames.size(); }

void rung_features(const PlayerState& state, const Manifest& manifest, const QoeModel& qoe,
                   const DownloadHistory& history, std::vector<float>& out) {
  const std::size_t rungs = manifest.rung_count();
  const std::size_t width = kNames.size();
  out.assign(rungs * width, 0.0f);
  const double seg_s = manifest.segment_duration_s();
  const auto& reports = history.reports();
  const bool has_history = !reports.empty();

  // Throughput statistics over the history (bits per second).
  double harmonic_bps = manifest.bitrate_bps(0);
  double last_bps = harmonic_bps, min_bps = harmonic_bps, max_bps = harmonic_bps, cov = 0, last_dl_s = 0;
  if (has_history) {
    const std::size_t n = std::min(kHarmonicWindow, reports.size());
    double inv = 0;
    min_bps = max_bps = reports.back().throughput_bps();
    for (std::size_t i = reports.size() - n; i < reports.size(); ++i) {
      const double t = reports[i].throughput_bps();
      inv += 1.0 / t;
      min_bps = std::min(min_bps, t);
      max_bps = std::max(max_bps, t);
    }
    harmonic_bps = static_cast<double>(n) / inv;
    last_bps = reports.back().throughput_bps();
    last_dl_s = reports.back().download_time_s;
    double mean = 0, sq = 0;
    for (const auto& r : reports) mean += r.throughput_bps();
    mean /= static_cast<double>(reports.size());
    for (const auto& r : reports) sq += (r.throughput_bps() - mean) * (r.throughput_bps() - mean);
    cov = std::sqrt(sq / static_cast<double>(reports.size())) / mean;
  }
  const bool has_last = state.last_rung != kNoRung && state.last_rung < rungs;
  const double last_mbps = has_last ? manifest.bitrate_bps(state.last_rung) / 1e6 : 0.0;
  const std::size_t k = std::min(state.next_segment, manifest.segment_count() - 1);

  const float global[] = {
      static_cast<float>(clamp(state.buffer_s / 10.0, 0, 10)),
      static_cast<float>(clamp(std::log2(harmonic_bps / 1e6), -10, 10)),
      static_cast<float>(clamp(last_bps / harmonic_bps, 0, 4)),
      static_cast<float>(clamp(min_bps / harmonic_bps, 0, 4)),
      static_cast<float>(clamp(max_bps / harmonic_bps, 0, 4)),
      static_cast<float>(clamp(last_dl_s / seg_s, 0, 4)),
      static_cast<float>(clamp(static_cast<double>(state.segments_left) / 20.0, 0, 1)),
      state.rebuffered ? 1.0f : 0.0f,
      static_cast<float>(clamp(seg_s / 4.0, 0, 10)),
      static_cast<float>(last_mbps),
      static_cast<float>(clamp(cov, 0, 4)),
      has_history ? 1.0f : 0.0f};
  constexpr std::size_t kGlobal = sizeof(global) / sizeof(global[0]);

  std::vector<double> value_h(rungs), value_min(rungs);
  for (std::size_t r = 0; r < rungs; ++r) {
    value_h[r] = plan_value(state, manifest, qoe, r, harmonic_bps);
    value_min[r] = plan_value(state, manifest, qoe, r, min_bps);
  }
  const double best_h = *std::max_element(value_h.begin(), value_h.end());
  const double best_min = *std::max_element(value_min.begin(), value_min.end());

  for (std::size_t r = 0; r < rungs; ++r) {
    float* row = out.data() + r * width;
    std::copy(global, global + kGlobal, row);
    const double mbps = manifest.bitrate_bps(r) / 1e6;
    const double bits = static_cast<double>(manifest.segment_size_bytes(k, r)) * 8.0;
    const double dl_h_s = bits / harmonic_bps;
    const double dl_min_s = bits / min_bps;
    const double switch_mbps = has_last ? mbps - last_mbps : 0.0;
    float* f = row + kGlobal;
    f[0] = static_cast<float>(mbps);
    f[1] = static_cast<float>(clamp(std::log2(manifest.bitrate_bps(r) / harmonic_bps), -10, 10));
    f[2] = static_cast<float>(switch_mbps);
    f[3] = static_cast<float>(std::abs(switch_mbps));
    f[4] = has_last && r == state.last_rung ? 1.0f : 0.0f;
    f[5] = static_cast<float>(static_cast<double>(r) / static_cast<double>(rungs - 1));
    f[6] = static_cast<float>(clamp(dl_h_s / seg_s, 0, 20));
    f[7] = static_cast<float>(clamp(dl_min_s / seg_s, 0, 20));
    f[8] = static_cast<float>(clamp((dl_h_s - state.buffer_s) / seg_s, 0, 20));
    f[9] = static_cast<float>(clamp((dl_min_s - state.buffer_s) / seg_s, 0, 20));
    f[10] = static_cast<float>(clamp((std::max(0.0, state.buffer_s - dl_h_s) + seg_s) / 10.0, 0, 10));
    f[11] = static_cast<float>(clamp(value_h[r], -100, 100));
    f[12] = static_cast<float>(clamp(value_min[r], -100, 100));
    f[13] = static_cast<float>(clamp(value_h[r] - best_h, -100, 0));
    f[14] = static_cast<float>(clamp(value_min[r] - best_min, -100, 0));
  }
}

}  // namespace streamopt::model
