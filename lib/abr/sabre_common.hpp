#pragma once
// What Sabre's ABRs share (UMass-LIDS/sabre, sabre.py, commit 09b03bb): its
// default throughput and latency estimator (class Ewma, half-lives 3 s and
// 8 s for throughput over download time, the same counted in segments for
// latency, zero-bias corrected, the lower throughput and the higher latency
// of the two kept) and Abr.quality_from_throughput. Used by the sabre presets
// of bola, rate and dynamic.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

#include "streamopt/manifest.hpp"
#include "streamopt/types.hpp"

namespace streamopt::abr {

// Sabre's estimator of throughput (bits per second, over the time after the
// first byte) and latency (seconds to the first byte).
class SabreEstimator {
 public:
  explicit SabreEstimator(double segment_s) : segment_s_(segment_s) {}
  // Feeds one completed download: its latency is download_time_s less
  // transfer_time_s (0 where the mode does not report it).
  void observe(const DownloadReport& report) {
    const double transfer_s = report.measured_time_s();
    if (!(transfer_s > 0)) return;
    push(transfer_s, static_cast<double>(report.size_bytes) * 8.0 / transfer_s,
         std::max(0.0, report.download_time_s - transfer_s));
  }
  // Sabre's Ewma.push(time, tput, lat).
  void push(double transfer_s, double throughput_bps, double latency_s) {
    weight_s_ += transfer_s;
    weight_segments_ += 1;
    valid_ = true;
    throughput_bps_ = 0;
    latency_s_ = 0;
    for (std::size_t i = 0; i < kHalfLifeS.size(); ++i) {
      const double half_life_s = kHalfLifeS[i];
      const double latency_half_life = half_life_s / segment_s_;  // in segments
      double a = std::pow(0.5, transfer_s / half_life_s);
      tput_[i] = a * tput_[i] + (1 - a) * throughput_bps;
      a = std::pow(0.5, 1 / latency_half_life);
      lat_[i] = a * lat_[i] + (1 - a) * latency_s;
      const double t = tput_[i] / (1 - std::pow(0.5, weight_s_ / half_life_s));
      const double l = lat_[i] / (1 - std::pow(0.5, weight_segments_ / latency_half_life));
      throughput_bps_ = i == 0 ? t : std::min(throughput_bps_, t);
      latency_s_ = i == 0 ? l : std::max(latency_s_, l);
    }
  }
  void reset() { *this = SabreEstimator(segment_s_); }
  [[nodiscard]] bool valid() const { return valid_; }
  [[nodiscard]] double throughput_bps() const { return throughput_bps_; }
  [[nodiscard]] double latency_s() const { return latency_s_; }

 private:
  static constexpr std::array<double, 2> kHalfLifeS{3.0, 8.0};
  double segment_s_;
  std::array<double, 2> tput_{};
  std::array<double, 2> lat_{};
  double weight_s_ = 0;
  double weight_segments_ = 0;
  double throughput_bps_ = 0;
  double latency_s_ = 0;
  bool valid_ = false;
};

// Sabre's Abr.quality_from_throughput: the highest rung whose segment,
// after `latency_s`, downloads within one segment time at `throughput_bps`.
inline std::size_t sabre_quality_from_throughput(const Manifest& manifest, double throughput_bps,
                                                 double latency_s) {
  const double p = manifest.segment_duration_s();
  std::size_t q = 0;
  while (q + 1 < manifest.rung_count() && latency_s + p * manifest.bitrate_bps(q + 1) / throughput_bps <= p) ++q;
  return q;
}

// Sabre's insufficient-buffer rule (ThroughputRule and BolaEnh): caps `rung`
// below the first rung whose segment exceeds safety x (buffer - latency) x
// throughput. Returns the capped rung (== rung when no cap applies).
inline std::size_t sabre_insufficient_buffer_cap(const Manifest& manifest, std::size_t rung, double safety,
                                                 double buffer_s, const SabreEstimator& est) {
  const double safe_bits = safety * (buffer_s - est.latency_s()) * est.throughput_bps();
  for (std::size_t q = 0; q < rung; ++q) {
    if (manifest.bitrate_bps(q + 1) * manifest.segment_duration_s() > safe_bits) return q;
  }
  return rung;
}

// Sabre's ThroughputRule/BolaEnh low-buffer safety: starts at 0.9, times 0.9
// each decision, floored at 0.5.
inline constexpr double kSabreIbrSafetyInit = 0.9;
inline constexpr double kSabreIbrSafetyFloor = 0.5;

}  // namespace streamopt::abr
