// hls.js's default ABR (AbrController with EwmaBandWidthEstimator), as of
// hls.js v1.7.1+25 (video-dev/hls.js commit afe5b8bf): a dual EWMA estimate
// (fast 3 s / slow 9 s half-lives, weighted by download time, min of the two,
// a 500 kbit/s default until the fast average has any weight), and
// `findBestLevel`: from the top rung down, the first rung whose bitrate fits
// under factor x estimate (0.95 to stay or go down, 0.7 to go up) and whose
// predicted fetch time beats the buffer (plus a starvation allowance when no
// rung avoids rebuffering). Our model of a VoD session with one video
// rendition per rung: no codec tiers, no media-capabilities filter, no
// bitrate test, and the nominal bitrate serves as both BANDWIDTH and
// AVERAGE-BANDWIDTH. The emergency switch-down (`_abandonRulesCheck`, run
// every 100 ms while a fragment loads; option `abandon`) answers the
// simulator's progress events (`should_abandon`); see `EmergencySwitch`
// below. See docs/algorithms.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "abr/builtin.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

// hls.js's estimator trusts its estimate once the fast average holds this much
// weight (seconds of downloads); before, it answers the default estimate.
constexpr double kMinWeightS = 0.001;
// The shortest sample duration: min(50 ms, bytes / 1e5 ms), in seconds.
constexpr double kMinDelayCapS = 0.050;
constexpr double kMinDelayBytesPerS = 1e8;

struct HlsjsParams {
  double fast_half_life_s = 3.0;       // abrEwmaFastVoD
  double slow_half_life_s = 9.0;       // abrEwmaSlowVoD
  double default_estimate_bps = 5e5;   // abrEwmaDefaultEstimate
  double bandwidth_factor = 0.95;      // abrBandWidthFactor: stay or go down
  double bandwidth_up_factor = 0.7;    // abrBandWidthUpFactor: go up
  double max_starvation_delay_s = 4.0; // maxStarvationDelay
  double ttfb_s = 0.0;                 // first-byte time (our reports carry none)
  bool abandon = true;                 // the emergency switch-down (_abandonRulesCheck)
};

class Hlsjs final : public AbrController {
 public:
  Hlsjs(std::shared_ptr<const Manifest> manifest, std::unique_ptr<ThroughputPredictor> ewma, HlsjsParams params)
      : manifest_(std::move(manifest)), ewma_(std::move(ewma)), p_(params) {
    reset();
  }

  void on_download(const DownloadReport& report) override {
    ++fragments_loaded_;
    // onFragLoaded: a forced level is cleared once a fragment of it loaded.
    if (report.rung == forced_) forced_ = kNoRung;
    if (!report.usable_sample()) return;
    // hls.js samples the load time less the first byte.
    sample(report.download_time_s - p_.ttfb_s, report.size_bytes);
  }

  // _abandonRulesCheck, at each progress event; see docs/algorithms.md.
  // Fragment (hls.js) = segment, level = rung, minAutoLevel = rung 0.
  [[nodiscard]] bool may_abandon() const override { return p_.abandon; }
  std::size_t should_abandon(const DownloadProgress& progress) override {
    if (!p_.abandon || progress.rung >= manifest_->rung_count()) return kNoRung;
    if (!(progress.elapsed_s >= 0) || !std::isfinite(progress.elapsed_s)) return kNoRung;
    if (progress.segment != request_.segment || progress.rung != request_.rung ||
        progress.start_time_s != request_.start_time_s || !request_.valid) {
      // FRAG_LOADING: a fresh check timer, no abort scheduled.
      request_ = {};
      request_.valid = true;
      request_.segment = progress.segment;
      request_.rung = progress.rung;
      request_.start_time_s = progress.start_time_s;
    }
    if (request_.abort_at_s <= progress.elapsed_s) return abort_and_switch(progress);
    if (!request_.checking) return kNoRung;
    return check(progress);
  }

  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.buffer_s = state.buffer_s;
    if (forced_ != kNoRung && forced_ < manifest_->rung_count()) {
      // nextAutoLevel: a level forced by the emergency switch-down wins
      // until a fragment of it has loaded (all levels without load errors).
      d.rung = forced_;
      d.reasons.estimate_bps = estimate_bps();
      d.reasons.rule = "hlsjs_emergency";
      return d;
    }
    const double estimate = estimate_bps();
    d.reasons.estimate_bps = estimate;
    const double buffer_s = std::max(0.0, state.buffer_s);
    const std::size_t top = manifest_->rung_count() - 1;
    const bool loaded_first = state.last_rung != kNoRung && state.last_rung <= top;
    if (!can_estimate() || !loaded_first) {
      // firstAutoLevel: half the buffer plus the starvation allowance, no
      // safety factors, an estimate no lower than the lowest rung.
      const double bw = std::max(estimate, manifest_->bitrate_bps(0));
      const long found = find_best(bw, 0, top, buffer_s / 2, p_.max_starvation_delay_s, 1.0, 1.0, 1.0);
      d.rung = found >= 0 ? static_cast<std::size_t>(found) : 0;
      d.reasons.rule = "hlsjs_first";
      return d;
    }
    const std::size_t base = state.last_rung;
    const double segment_s = manifest_->segment_duration_s();
    if (buffer_s > 0) {
      const long found =
          find_best(estimate, base, top, buffer_s, 0, p_.bandwidth_factor, p_.bandwidth_up_factor, segment_s);
      if (found >= 0) {
        d.rung = static_cast<std::size_t>(found);
        d.reasons.rule = "hlsjs_no_rebuffer";
        return d;
      }
    }
    const double max_starvation_s = std::min(segment_s, p_.max_starvation_delay_s);
    const long found =
        find_best(estimate, base, top, buffer_s, max_starvation_s, p_.bandwidth_factor, p_.bandwidth_up_factor, segment_s);
    if (found >= 0) {
      d.rung = static_cast<std::size_t>(found);
      d.reasons.rule = "hlsjs_starvation";
      return d;
    }
    // Nothing fits: the lowest rung if it is lower than the current one, else stay.
    d.rung = manifest_->bitrate_bps(0) < manifest_->bitrate_bps(base) ? 0 : base;
    d.reasons.rule = "hlsjs_fallback";
    return d;
  }

  void reset() override {
    ewma_->reset();
    fast_weight_s_ = 0;
    default_estimate_bps_ = p_.default_estimate_bps;
    forced_ = kNoRung;
    fragments_loaded_ = 0;
    request_ = {};
  }
  [[nodiscard]] std::string name() const override { return "hlsjs"; }

 private:
  [[nodiscard]] bool can_estimate() const { return fast_weight_s_ >= kMinWeightS; }
  [[nodiscard]] double estimate_bps() const {
    if (!can_estimate()) return default_estimate_bps_;
    const Prediction prediction = ewma_->predict();
    return prediction.valid ? prediction.estimate_bps : default_estimate_bps_;
  }
  // EwmaBandWidthEstimator.sample: `bytes` over `duration_s`, floored at
  // min(50 ms, bytes / 1e5 ms); weight = the duration.
  void sample(double duration_s, std::uint64_t bytes) {
    if (bytes == 0) return;
    const double min_delay_s = std::min(kMinDelayCapS, static_cast<double>(bytes) / kMinDelayBytesPerS);
    DownloadReport s;
    s.size_bytes = bytes;
    s.download_time_s = std::max(duration_s, min_delay_s);
    if (!s.usable_sample()) return;
    ewma_->observe(s);
    fast_weight_s_ += s.download_time_s;
  }
  // resetEstimator(bitrate): a fresh estimator whose default estimate
  // (abrEwmaDefaultEstimate, kept for the session) is `bitrate_bps`.
  void reset_estimator(double bitrate_bps) {
    ewma_->reset();
    fast_weight_s_ = 0;
    default_estimate_bps_ = bitrate_bps;
  }

  // The check proper. It only runs once a fragment has been appended (the
  // media element has data), after max(TTFB estimate, half the fragment
  // duration) of loading, and not for a fragment of the lowest level. The
  // time to finish this fragment (remaining expected bytes at the load rate
  // since the first byte; the expected size is duration x the level's
  // bitrate, at least the bytes loaded) must exceed the time to starvation
  // (the buffer), and some lower level must load faster: the highest level
  // above the lowest whose fetch (TTFB + duration x bitrate / load rate)
  // beats min(starvation, duration + TTFB), else the lowest with the last
  // delay computed (that of level 1), and that delay must be under both
  // the time to finish and 10 x the duration. Then it samples the partial
  // download into the estimator, resets the estimator to the new level's
  // bitrate if the estimate x abrBandWidthUpFactor exceeds it, lowers the
  // level further to what that bitrate fetches before starvation, forces it
  // for the next fragment, and aborts now if finishing takes more than
  // twice the lower level's fetch (or another level was due), else once
  // that fetch time has passed. hls.js computes timeStreaming in ms but its
  // fallback under 1 ms in seconds; kept.
  std::size_t check(const DownloadProgress& progress) {
    const std::size_t rung = progress.rung;
    if (rung == 0) {
      // loadingFragForLevel <= minAutoLevel: stop checking, clear a forced level.
      request_.checking = false;
      forced_ = kNoRung;
      return kNoRung;
    }
    if (fragments_loaded_ == 0) return kNoRung;  // media.readyState == HAVE_NOTHING
    const bool frag_blocking_switch = forced_ != kNoRung && forced_ != rung;
    const double duration_s = manifest_->segment_duration_s();
    const double ttfb_estimate_ms = p_.ttfb_s * 1000.0;
    const double time_loading_ms = progress.elapsed_s * 1000.0;
    if (time_loading_ms <= std::max(ttfb_estimate_ms, 1000.0 * duration_s / 2.0)) return kNoRung;
    const double starvation_s = std::max(0.0, progress.buffer_s);
    const double loaded = static_cast<double>(progress.received_bytes);
    const bool loaded_first_byte = progress.received_bytes > 0;
    const double bw_estimate_bps = estimate_bps();
    const double expected_bytes =
        std::max(loaded, std::round(duration_s * manifest_->bitrate_bps(rung) / 8.0));
    double time_streaming_ms = loaded_first_byte ? time_loading_ms - ttfb_estimate_ms : time_loading_ms;
    if (time_streaming_ms < 1 && loaded_first_byte) {
      time_streaming_ms = std::min(time_loading_ms, loaded * 8.0 / bw_estimate_bps);
    }
    const double load_rate_bytes_per_s = loaded_first_byte ? loaded * 1000.0 / time_streaming_ms : 0.0;
    const double ttfb_s = ttfb_estimate_ms / 1000.0;
    const double frag_loaded_delay_s = load_rate_bytes_per_s > 0
                                           ? (expected_bytes - loaded) / load_rate_bytes_per_s
                                           : expected_bytes * 8.0 / bw_estimate_bps + ttfb_s;
    if (frag_loaded_delay_s <= starvation_s) return kNoRung;
    const double bwe_bps = load_rate_bytes_per_s > 0 ? load_rate_bytes_per_s * 8.0 : bw_estimate_bps;
    double next_delay_s = std::numeric_limits<double>::infinity();
    std::size_t next = rung - 1;
    for (; next > 0; --next) {
      // getTimeToLoadFrag; every level's playlist is known (no reload).
      next_delay_s = ttfb_s + duration_s * manifest_->bitrate_bps(next) / bwe_bps;
      if (next_delay_s < std::min(starvation_s, duration_s + ttfb_s)) break;
    }
    if (next_delay_s >= frag_loaded_delay_s) return kNoRung;
    if (next_delay_s > duration_s * 10) return kNoRung;
    // The emergency: hls.js stops this fragment's check timer.
    request_.checking = false;
    if (loaded_first_byte) sample(time_loading_ms / 1000.0 - ttfb_s, progress.received_bytes);
    const double next_bitrate_bps = manifest_->bitrate_bps(next);
    if (estimate_bps() * p_.bandwidth_up_factor > next_bitrate_bps) reset_estimator(next_bitrate_bps);
    const long best = find_best(next_bitrate_bps, next, next, 0, starvation_s, 1.0, 1.0, duration_s);
    if (best > -1) next = static_cast<std::size_t>(best);
    forced_ = next;  // hls.nextLoadLevel = hls.nextAutoLevel
    request_.level = next;
    if (frag_blocking_switch || frag_loaded_delay_s > next_delay_s * 2) return abort_and_switch(progress);
    request_.abort_at_s = progress.elapsed_s + next_delay_s;
    return kNoRung;
  }

  // abortAndSwitch: only for a level above the lowest (a switch to the
  // lowest level lets the fragment finish and takes effect at the next),
  // the request is aborted and refetched at the highest level up to it that
  // the lowest level's bitrate fetches before starvation (the lowest when
  // none), to whose bitrate the estimator is reset.
  std::size_t abort_and_switch(const DownloadProgress& progress) {
    request_.abort_at_s = std::numeric_limits<double>::infinity();
    request_.checking = false;
    const std::size_t next = request_.level;
    if (next == 0 || next == kNoRung) return kNoRung;
    const double starvation_s = std::max(0.0, progress.buffer_s);
    const long lowest = find_best(manifest_->bitrate_bps(0), next, next, 0, starvation_s, 1.0, 1.0,
                                  manifest_->segment_duration_s());
    const std::size_t rung = lowest > -1 ? static_cast<std::size_t>(lowest) : 0;
    forced_ = rung;
    reset_estimator(manifest_->bitrate_bps(rung));
    return rung == progress.rung ? kNoRung : rung;
  }

  // findBestLevel: the highest rung up to `max_rung` whose bitrate fits
  // under the factored estimate (the up factor for rungs above `base`) and whose fetch time,
  // ttfb + bitrate x duration / factored estimate, is under buffer +
  // starvation allowance; -1 when none. `duration_s` is the segment duration
  // hls.js assumes (1 s before any playlist is known).
  [[nodiscard]] long find_best(double bw, std::size_t base, std::size_t max_rung, double buffer_s,
                               double max_starvation_s, double factor, double up_factor, double duration_s) const {
    const double max_fetch_s = buffer_s + max_starvation_s;
    for (std::size_t i = std::min(max_rung + 1, manifest_->rung_count()); i-- > 0;) {
      const double adjusted = (i > base ? up_factor : factor) * bw;
      const double bitrate = manifest_->bitrate_bps(i);
      const double fetch_s = adjusted > 0 ? p_.ttfb_s + bitrate * duration_s / adjusted
                                          : std::numeric_limits<double>::infinity();
      const bool fits = adjusted >= bitrate &&
                        (fetch_s <= p_.ttfb_s || !std::isfinite(fetch_s) || fetch_s < max_fetch_s);
      if (fits) return static_cast<long>(i);
    }
    return -1;
  }

  std::shared_ptr<const Manifest> manifest_;
  std::unique_ptr<ThroughputPredictor> ewma_;
  // The fragment loading now, as the check timer sees it.
  struct Request {
    bool valid = false;
    std::size_t segment = 0;
    std::size_t rung = 0;
    double start_time_s = 0;
    bool checking = true;  // the 100 ms check timer runs
    double abort_at_s = std::numeric_limits<double>::infinity();  // scheduled abortAndSwitch
    std::size_t level = kNoRung;  // the emergency level chosen
  };

  HlsjsParams p_;
  double fast_weight_s_ = 0;
  double default_estimate_bps_ = 0;
  std::size_t forced_ = kNoRung;     // _nextAutoLevel set by the emergency switch-down
  std::size_t fragments_loaded_ = 0;
  Request request_;
};

}  // namespace

std::unique_ptr<AbrController> make_hlsjs(const BuildContext& context, const OptionMap& options) {
  HlsjsParams p;
  p.fast_half_life_s = ranged_option(options, "fast_half_life_s", p.fast_half_life_s, 1e-3, 1e4);
  p.slow_half_life_s = ranged_option(options, "slow_half_life_s", p.slow_half_life_s, 1e-3, 1e4);
  p.default_estimate_bps = ranged_option(options, "default_estimate_bps", p.default_estimate_bps, 1.0, 1e12);
  p.bandwidth_factor = ranged_option(options, "bandwidth_factor", p.bandwidth_factor, 0.01, 1.0);
  p.bandwidth_up_factor = ranged_option(options, "bandwidth_up_factor", p.bandwidth_up_factor, 0.01, 1.0);
  p.max_starvation_delay_s = ranged_option(options, "max_starvation_delay_s", p.max_starvation_delay_s, 0.0, 3600.0);
  p.ttfb_s = ranged_option(options, "ttfb_s", p.ttfb_s, 0.0, 60.0);
  p.abandon = options.get_bool("abandon", p.abandon);
  auto ewma = context.make_predictor(
      fmt::format("ewma:fast_half_life_s={},slow_half_life_s={},safety=1", p.fast_half_life_s, p.slow_half_life_s));
  return std::make_unique<Hlsjs>(context.shared_manifest(), std::move(ewma), p);
}

}  // namespace streamopt::abr
