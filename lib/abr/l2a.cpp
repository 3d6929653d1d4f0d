// L2A-LL, Learn2Adapt for low latency (Karagkioules et al., "Online learning
// for low-latency adaptive streaming", ACM MMSys 2020), as dash.js v5.1.1
// runs it (Dash-Industry-Forum/dash.js, src/streaming/rules/abr/L2ARule.js).
// An online convex optimisation: a probability vector w over the rungs moves
// by a Lagrangian gradient step (the step grows with the multiplier Q, which
// tracks the buffer displacement), is projected back onto the simplex, and
// the rung nearest the expected bitrate w . bitrates is fetched, with a
// stepwise ascent and a reaction on over-estimation. Start-up uses the safe
// throughput until the buffer reaches B_target. dash.js pairs L2A with its
// default catch-up, so the decision carries no playback rate. Written from the
// source's behaviour and defaults; no code copied; see docs/algorithms.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "abr/builtin.hpp"
#include "abr/dashjs_throughput.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Q doubles on every over-estimate and dash.js never bounds it; past ~1000
// doublings a double overflows and w turns NaN. Capped here: at this size the
// gradient step already puts all weight on one rung, so no decision changes.
constexpr double kMaxMultiplier = 1e12;

// L2ARule's constants and the settings it reads, at dash.js's defaults.
struct L2aParams {
  double horizon = 4;          // HORIZON: steps to convergence
  double vl_exponent = 0.99;   // VL = HORIZON^0.99, the cautiousness parameter
  double react = 2;            // REACT: Q multiplier on over-estimation
  double b_target_s = 1.5;     // B_target: buffer that ends start-up
  DashjsThroughputSettings throughput;  // bandwidthSafetyFactor, ewma.*, initialBitrate
  // dash.js mixes units in two places: the Q update and the stepwise-ascent
  // test compare bitrates in bit/s with a throughput in kbit/s. true keeps
  // that; false uses kbit/s on both sides (the paper's algorithm).
  bool dashjs_units = true;
};

// euclideanProjection: the projection of y onto the probability simplex
// (Chen and Ye 2011, arXiv:1101.6081), with dash.js's threshold search.
std::vector<double> project_to_simplex(const std::vector<double>& y) {
  const std::size_t m = y.size();
  std::vector<double> s = y;
  std::sort(s.begin(), s.end(), std::greater<>());
  double sum = 0;
  double t = 0;
  bool found = false;
  for (std::size_t i = 0; i + 1 < m; ++i) {
    sum += s[i];
    t = (sum - 1.0) / static_cast<double>(i + 1);
    if (t >= s[i + 1]) {
      found = true;
      break;
    }
  }
  if (!found) t = (sum + s[m - 1] - 1.0) / static_cast<double>(m);
  std::vector<double> x(m);
  for (std::size_t i = 0; i < m; ++i) x[i] = std::max(y[i] - t, 0.0);
  return x;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

class L2a final : public AbrController {
 public:
  L2a(std::shared_ptr<const Manifest> manifest, DashjsEwmaThroughput throughput, L2aParams params)
      : manifest_(std::move(manifest)), throughput_(std::move(throughput)), p_(params) {
    for (std::size_t i = 0; i < manifest_->rung_count(); ++i)
      bitrates_bps_.push_back(manifest_->bitrate_bps(i));
    vl_ = std::pow(p_.horizon, p_.vl_exponent);
    alpha_ = std::max(p_.horizon, vl_ * std::sqrt(p_.horizon));
    reset();
  }

  void on_download(const DownloadReport& report) override {
    throughput_.observe(report);
    if (report.usable_sample()) last_sample_bps_ = report.throughput_bps();
    // MEDIA_FRAGMENT_LOADED: the last segment's duration is known.
    last_segment_s_ = manifest_->segment_duration_s();
  }

  Decision decide(const PlayerState& state) override {
    Decision d;
    const double buffer_s = std::isfinite(state.buffer_s) ? std::max(0.0, state.buffer_s) : 0.0;
    const double average_bps = throughput_.average_bps();
    const double safe_bps = average_bps * p_.throughput.bandwidth_safety_factor;
    d.reasons.buffer_s = buffer_s;
    d.reasons.estimate_bps = std::isnan(average_bps) ? 0.0 : average_bps;
    d.reasons.conservative_bps = std::isnan(safe_bps) ? 0.0 : safe_bps;
    const std::size_t n = bitrates_bps_.size();
    if (state.last_rung == kNoRung) {
      // The first request: AbrController's initial bitrate, no rule runs.
      const double bitrate_bps = dashjs_initial_bitrate_bps(p_.throughput, average_bps);
      current_ = highest_rung_below(*manifest_, bitrate_bps);
      d.rung = current_;
      d.reasons.rule = "l2a_initial";
      return d;
    }
    if (state.last_rung < n) current_ = state.last_rung;
    d.rung = current_;
    if (n == 1) {
      d.reasons.rule = "l2a_one_bitrate";
      return d;
    }
    if (!steady_) {
      startup(safe_bps, buffer_s, d);
    } else if (state.next_segment == last_segment_decided_) {
      d.reasons.rule = "l2a_same_segment";  // same request: the same answer
    } else {
      steady(state, d);
      last_segment_decided_ = state.next_segment;
    }
    d.rung = current_;
    d.reasons.scores = w_;
    d.reasons.objective = q_;
    return d;
  }

  void reset() override {
    throughput_.reset();
    steady_ = false;
    w_.assign(bitrates_bps_.size(), 0.0);
    prev_w_.assign(bitrates_bps_.size(), 0.0);
    q_ = 0;
    last_sample_bps_ = kNaN;
    last_segment_s_ = kNaN;
    last_segment_decided_ = kNoRung;
    current_ = 0;
  }

  [[nodiscard]] std::string name() const override { return "l2a"; }

 private:
  // _handleStartupState: the rung under the safe throughput; steady once a
  // segment has loaded and the buffer reaches B_target, with Q = VL and w
  // all on the current rung.
  void startup(double safe_bps, double buffer_s, Decision& d) {
    d.reasons.rule = "l2a_startup";
    if (std::isnan(safe_bps)) return;  // not enough information yet
    current_ = safe_bps > 0 ? highest_rung_below(*manifest_, safe_bps) : 0;
    if (!std::isnan(last_segment_s_) && buffer_s >= p_.b_target_s) {
      steady_ = true;
      q_ = vl_;
      for (std::size_t i = 0; i < prev_w_.size(); ++i) prev_w_[i] = i == current_ ? 1.0 : 0.0;
    }
  }

  // _handleSteadyState: one Lagrangian step on w and Q from the last sample.
  void steady(const PlayerState& state, Decision& d) {
    d.reasons.rule = "l2a_steady";
    const std::size_t n = bitrates_bps_.size();
    // Last sample (arithmetic mean of one), whole kbit/s, at least 1.
    double last_kbps = std::isfinite(last_sample_bps_) ? std::round(last_sample_bps_ / 1000.0) : 1.0;
    if (last_kbps < 1) last_kbps = 1;
    const double v_s = std::isnan(last_segment_s_) ? manifest_->segment_duration_s() : last_segment_s_;
    const double rate =
        std::isfinite(state.playback_rate) && state.playback_rate > 0 ? state.playback_rate : 1.0;
    // Bitrates in the unit dash.js divides by the kbit/s throughput in the Q
    // update and the ascent test (bit/s as dash.js does, or kbit/s).
    const double unit = p_.dashjs_units ? 1.0 : 1e-3;
    double sign = 1;
    for (std::size_t i = 0; i < n; ++i) {
      const double ratio = rate * (bitrates_bps_[i] / 1000.0) / last_kbps;
      // Above the throughput the buffer would deplete: push this rung (and,
      // as in dash.js, every higher one) down.
      if (ratio > 1) sign = -1;
      w_[i] = prev_w_[i] + sign * (v_s / (2 * alpha_)) * ((q_ + vl_) * ratio);
    }
    w_ = project_to_simplex(w_);
    std::vector<double> diff(n);
    for (std::size_t i = 0; i < n; ++i) {
      diff[i] = w_[i] - prev_w_[i];
      prev_w_[i] = w_[i];
    }
    std::vector<double> scaled_bps(n);
    for (std::size_t i = 0; i < n; ++i) scaled_bps[i] = bitrates_bps_[i] * unit;
    q_ = std::max(0.0, q_ - v_s + v_s * rate * ((dot(scaled_bps, prev_w_) + dot(scaled_bps, diff)) / last_kbps));
    q_ = std::min(q_, kMaxMultiplier);
    // The rung nearest the expected bitrate w . bitrates (first on a tie).
    const double expected_bps = dot(w_, bitrates_bps_);
    std::size_t selected = 0;
    for (std::size_t i = 1; i < n; ++i) {
      if (std::abs(bitrates_bps_[i] - expected_bps) < std::abs(bitrates_bps_[selected] - expected_bps))
        selected = i;
    }
    // Cautious stepwise ascent: one rung up when the next one fits the sample.
    if (selected > current_ && scaled_bps[current_ + 1] <= last_kbps) selected = current_ + 1;
    // Over-estimation: raise Q for the next segment.
    if (bitrates_bps_[selected] / 1000.0 >= last_kbps) q_ = std::min(p_.react * std::max(vl_, q_), kMaxMultiplier);
    current_ = selected;
    d.reasons.estimate_bps = last_kbps * 1000.0;
  }

  std::shared_ptr<const Manifest> manifest_;
  DashjsEwmaThroughput throughput_;
  L2aParams p_;
  std::vector<double> bitrates_bps_;
  double vl_ = 0;
  double alpha_ = 0;
  bool steady_ = false;
  std::vector<double> w_;
  std::vector<double> prev_w_;
  double q_ = 0;
  double last_sample_bps_ = kNaN;
  double last_segment_s_ = kNaN;
  std::size_t last_segment_decided_ = kNoRung;
  std::size_t current_ = 0;
};

}  // namespace

std::unique_ptr<AbrController> make_l2a(const BuildContext& context, const OptionMap& options) {
  L2aParams p;
  p.horizon = ranged_option(options, "horizon", p.horizon, 1.0, 1000.0);
  p.vl_exponent = ranged_option(options, "vl_exponent", p.vl_exponent, 0.0, 10.0);
  p.react = ranged_option(options, "react", p.react, 1.0, 1000.0);
  p.b_target_s = ranged_option(options, "b_target_s", p.b_target_s, 0.0, 3600.0);
  p.throughput = parse_dashjs_throughput(options);
  p.dashjs_units = options.get_bool("dashjs_units", p.dashjs_units);
  return std::make_unique<L2a>(context.shared_manifest(), DashjsEwmaThroughput(context, p.throughput), p);
}

}  // namespace streamopt::abr
