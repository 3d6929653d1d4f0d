// dash.js's default ABR as of dash.js 5.2.1 (npm dashjs@5.2.1; rule files
// identical at Dash-Industry-Forum/dash.js tag v5.1.1, commit af3cef03): the
// quality-switch rules of src/streaming/rules/abr/ (ThroughputRule, BolaRule,
// InsufficientBufferRule, SwitchHistoryRule), combined as
// ABRRulesCollection.getBestPossibleSwitchRequest does, under AbrController's
// DYNAMIC strategy (ThroughputRule until the buffer reaches
// hybridSwitchBufferTime, 12 s, BolaRule until it falls below half of it),
// fed by ThroughputModel's EWMA and gated by ScheduleController's buffer
// target. One class per rule, each answering a switch request (a rung or no
// change) with the rule's name, so the file reads beside dash.js's folder.
// AbandonRequestsRule (the one abandon-fragment rule, option `abandon`)
// answers the simulator's progress events (`should_abandon`) as dash.js
// answers LOADING_PROGRESS, with its v5 conditions and Settings.js defaults
// (Dash-Industry-Forum/dash.js commit ccf3b95d, src/streaming/rules/abr/
// AbandonRequestsRule.js; unchanged since v5.1.1).
// Written from the source's behaviour and defaults; no code copied. Left out:
// DroppedFramesRule (no frame drops in the simulator), L2A and LoL+ (off by
// default), live and low-latency paths, localStorage's saved bitrate,
// per-sample rounding to whole kbit/s. See docs/algorithms.md.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "abr/builtin.hpp"
#include "abr/dashjs_throughput.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

// BolaRule's constants (not settings in dash.js): BOLA never waits below
// MINIMUM_BUFFER_S and reaches the top rung at MINIMUM_BUFFER_S +
// MINIMUM_BUFFER_PER_BITRATE_LEVEL_S x rungs (or bufferTimeDefault if larger);
// the placeholder buffer decays by PLACEHOLDER_BUFFER_DECAY per segment.
constexpr double kBolaMinimumBufferS = 10.0;
constexpr double kBolaMinimumBufferPerLevelS = 2.0;
constexpr double kBolaPlaceholderDecay = 0.99;
// ThroughputModel floors a sample's download time at 1 ms.
constexpr double kMinSampleTimeS = 1e-3;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// dash.js's settings (Settings.js defaults), each named after its key.
struct DashjsParams {
  // streaming.abr.rules.*.active
  bool throughput_rule = true;
  bool bola_rule = true;
  bool insufficient_buffer_rule = true;
  bool switch_history_rule = true;
  // streaming.abr: hybridSwitchBufferTime (BOLA from it, throughput below
  // half of it).
  double hybrid_switch_buffer_time_s = 12.0;
  // streaming.abr.throughput (bandwidthSafetyFactor, ewma.*) and
  // initialBitrate.video.
  DashjsThroughputSettings throughput;
  // streaming.cacheLoadThresholds.video; ttfb_s is the first-byte time
  // useDeadTimeLatency leaves out of a sample (our reports carry none).
  double cache_load_threshold_s = 0.010;
  double ttfb_s = 0.0;
  // streaming.abr.rules.insufficientBufferRule.parameters
  double insufficient_buffer_safety_factor = 0.7;    // throughputSafetyFactor
  std::size_t insufficient_buffer_ignore_count = 2;  // segmentIgnoreCount
  // streaming.abr.rules.switchHistoryRule.parameters
  std::size_t switch_history_sample_size = 8;  // sampleSize
  double switch_history_threshold = 0.075;     // switchPercentageThreshold
  // streaming.buffer: bufferTimeDefault (BOLA's buffer time and the buffer
  // target), bufferTimeAtTopQuality(LongForm), longFormContentDurationThreshold,
  // stallThreshold (BUFFER_EMPTY at or below); streaming.scheduling.defaultTimeout.
  double buffer_time_default_s = 18.0;
  double buffer_time_at_top_quality_s = 30.0;
  double buffer_time_at_top_quality_long_form_s = 60.0;
  double long_form_content_duration_threshold_s = 600.0;
  double stall_threshold_s = 0.3;
  double schedule_timeout_s = 0.5;
  // streaming.abr.rules.abandonRequestsRule: active and parameters
  // (abandonDurationMultiplier, minSegmentDownloadTimeThresholdInMs,
  // minThroughputSamplesThreshold).
  bool abandon = true;
  double abandon_duration_multiplier = 1.8;
  double abandon_min_download_time_s = 0.5;
  std::size_t abandon_min_samples = 6;
};

// DashMetrics' buffer state: none before the first segment, BUFFER_EMPTY at
// or below the stall threshold once playback has begun, else BUFFER_LOADED.
enum class BufferState { none, empty, loaded };

// What the rules see at one decision (dash.js RulesContext + DashMetrics +
// ThroughputController).
struct RulesContext {
  double now_s = 0;
  double buffer_s = 0;
  BufferState buffer_state = BufferState::none;
  double average_bps = kNaN;  // getAverageThroughput: EWMA, whole kbit/s
  double safe_bps = kNaN;     // getSafeAverageThroughput: x bandwidthSafetyFactor
  std::size_t current_rung = 0;
  std::size_t segments_appended = 0;
};

// A rule's SwitchRequest: a rung, or no change (NO_CHANGE). All four rules
// ask at dash.js's default priority (PRIORITY.DEFAULT).
struct SwitchRequest {
  std::optional<std::size_t> rung;
  const char* rule = "";
};

// AbrController.getOptimalRepresentationForBitrate: the highest rung whose
// bitrate is at most `bitrate_bps`, the lowest when none is (or the rate is
// not positive or unknown).
std::size_t optimal_rung(const Manifest& manifest, double bitrate_bps) {
  if (!(bitrate_bps > 0)) return 0;
  return highest_rung_below(manifest, bitrate_bps);
}

// ThroughputModel + ThroughputController in EWMA mode: each segment's
// throughput, weighted by 0.0015 x download time in ms, feeds a fast and a
// slow EWMA; the average is the smaller, rounded to whole kbit/s. Our `ewma`
// predictor weights by download time in seconds, so it runs with each
// half-life divided by 1000 x the weight factor (3 s -> 2 s, 8 s -> 5.33 s):
// the same averages.
class ThroughputModel {
 public:
  ThroughputModel(std::unique_ptr<ThroughputPredictor> ewma, const DashjsParams& p)
      : ewma_(std::move(ewma)),
        cache_load_threshold_s_(p.cache_load_threshold_s),
        ttfb_s_(p.ttfb_s) {}

  void add(const DownloadReport& report) {
    if (!report.usable_sample()) return;
    // Request to last byte under the cache threshold: a cache hit, ignored.
    if (report.download_time_s < cache_load_threshold_s_) return;
    DownloadReport sample = report;
    sample.download_time_s = std::max(report.download_time_s - ttfb_s_, kMinSampleTimeS);
    ewma_->observe(sample);
  }
  [[nodiscard]] double average_bps() const {
    const Prediction p = ewma_->predict();
    if (!p.valid) return kNaN;
    return std::round(p.estimate_bps / 1000.0) * 1000.0;
  }
  void reset() { ewma_->reset(); }

 private:
  std::unique_ptr<ThroughputPredictor> ewma_;
  double cache_load_threshold_s_;
  double ttfb_s_;
};

// ThroughputRule: with the buffer loaded, the highest rung under the safe
// average throughput; no change without a throughput sample or buffer.
class ThroughputRule {
 public:
  explicit ThroughputRule(const Manifest& manifest) : manifest_(&manifest) {}
  [[nodiscard]] SwitchRequest get(const RulesContext& c) const {
    SwitchRequest r{std::nullopt, "throughput_rule"};
    if (std::isnan(c.safe_bps) || c.buffer_state != BufferState::loaded) return r;
    r.rung = optimal_rung(*manifest_, c.safe_bps);
    return r;
  }

 private:
  const Manifest* manifest_;
};

// BolaRule (BOLA-E): its state is created at its first call and then follows
// the session's events whether or not the strategy consults it.
class BolaRule {
 public:
  BolaRule(const Manifest& manifest, double buffer_time_default_s) : manifest_(&manifest) {
    const std::size_t n = manifest.rung_count();
    const double log_r0 = std::log(manifest.bitrate_bps(0));
    std::size_t highest = 0;
    for (std::size_t i = 0; i < n; ++i) {
      utilities_.push_back(std::log(manifest.bitrate_bps(i)) - log_r0 + 1.0);
      if (utilities_[i] > utilities_[highest]) highest = i;
    }
    one_bitrate_ = highest == 0;
    if (!one_bitrate_) {
      const double buffer_time_s =
          std::max(buffer_time_default_s,
                   kBolaMinimumBufferS + kBolaMinimumBufferPerLevelS * static_cast<double>(n));
      gp_ = (utilities_[highest] - 1.0) / (buffer_time_s / kBolaMinimumBufferS - 1.0);
      vp_ = kBolaMinimumBufferS / gp_;
    }
    reset();
  }

  void reset() {
    created_ = false;
    state_ = State::startup;
    placeholder_s_ = 0;
    last_finish_s_ = kNaN;
    last_call_s_ = kNaN;
    segment_loaded_ = false;
    current_ = 0;
  }

  // BUFFER_EMPTY: a steady BOLA drops its placeholder buffer.
  void on_buffer_empty() {
    if (created_ && state_ == State::steady) placeholder_s_ = 0;
  }
  // MEDIA_FRAGMENT_LOADED + METRIC_ADDED (_checkNewSegment): decay the
  // placeholder and keep buffer + placeholder at the request under the
  // loaded rung's bound. `buffer_s` is the level when the segment arrived.
  void on_segment_loaded(const DownloadReport& report, double buffer_s) {
    if (!created_ || one_bitrate_ || report.rung >= utilities_.size()) return;
    current_ = report.rung;
    segment_loaded_ = true;
    last_finish_s_ = report.end_time_s();
    placeholder_s_ *= kBolaPlaceholderDecay;
    const double buffer_at_request_s = buffer_s + report.download_time_s;
    placeholder_s_ =
        std::min(std::max(0.0, max_buffer_for(current_) - buffer_at_request_s), placeholder_s_);
  }
  // QUALITY_CHANGE_REQUESTED.
  void on_quality_change(std::size_t rung) {
    if (created_ && !one_bitrate_) current_ = rung;
  }
  // FRAGMENT_LOADING_ABANDONED (after the quality change to the new rung):
  // deflate the placeholder so that buffer + placeholder is at most where
  // BOLA just prefers the new rung to the one below it (MINIMUM_BUFFER_S on
  // the lowest rung).
  void on_abandoned(double buffer_s) {
    if (!created_ || one_bitrate_) return;
    const double want_s = current_ > 0 ? min_buffer_for(current_) : kBolaMinimumBufferS;
    placeholder_s_ = std::min(placeholder_s_, std::max(0.0, want_s - buffer_s));
  }

  // getSwitchRequest; `delay_s` receives the wait it asks of the scheduler.
  SwitchRequest get(const RulesContext& c, double& delay_s, std::vector<double>& scores) {
    SwitchRequest r{std::nullopt, "bola_rule"};
    delay_s = 0;
    if (!created_) {
      reset();
      created_ = true;
    }
    if (one_bitrate_) return r;
    if (state_ == State::startup) {
      // Start-up: the rung the safe throughput sustains, with the
      // placeholder set to where BOLA itself would choose it.
      if (std::isnan(c.safe_bps)) return r;
      const std::size_t rung = optimal_rung(*manifest_, c.safe_bps);
      placeholder_s_ = std::max(0.0, min_buffer_for(rung) - c.buffer_s);
      current_ = rung;
      if (segment_loaded_ && c.buffer_s >= manifest_->segment_duration_s()) state_ = State::steady;
      r.rung = rung;
      return r;
    }
    // Steady: idle time since the last download (or call) counts as buffer.
    if (!std::isnan(last_finish_s_)) {
      placeholder_s_ += std::max(0.0, c.now_s - last_finish_s_);
    } else if (!std::isnan(last_call_s_)) {
      placeholder_s_ += std::max(0.0, c.now_s - last_call_s_);
    }
    last_call_s_ = c.now_s;
    last_finish_s_ = kNaN;
    const double effective_s = c.buffer_s + placeholder_s_;
    std::size_t rung = best_rung(effective_s, scores);
    // BOLA-O: never switch up past both the current rung and the rung the
    // safe throughput sustains.
    const std::size_t for_throughput = optimal_rung(*manifest_, c.safe_bps);
    if (rung > current_ && rung > for_throughput) rung = std::max(for_throughput, current_);
    double wait_s = std::max(0.0, effective_s - max_buffer_for(rung));
    if (wait_s <= placeholder_s_) {
      placeholder_s_ -= wait_s;
      wait_s = 0;
    } else {
      wait_s -= placeholder_s_;
      placeholder_s_ = 0;
      if (rung + 1 == manifest_->rung_count()) wait_s = 0;  // at the top the scheduler decides
    }
    delay_s = wait_s;
    current_ = rung;
    r.rung = rung;
    return r;
  }

  [[nodiscard]] double placeholder_s() const { return placeholder_s_; }

 private:
  enum class State { startup, steady };

  std::size_t best_rung(double buffer_s, std::vector<double>& scores) const {
    scores.clear();
    std::size_t best = 0;
    for (std::size_t i = 0; i < utilities_.size(); ++i) {
      scores.push_back((vp_ * (utilities_[i] - 1.0 + gp_) - buffer_s) / manifest_->bitrate_bps(i));
      if (scores[i] >= scores[best]) best = i;
    }
    return best;
  }
  // Highest buffer at which BOLA still prefers downloading `rung` to waiting.
  [[nodiscard]] double max_buffer_for(std::size_t rung) const {
    return vp_ * (utilities_[rung] + gp_);
  }
  // Lowest buffer at which BOLA prefers `rung` to every lower-utility rung.
  [[nodiscard]] double min_buffer_for(std::size_t rung) const {
    const double rq = manifest_->bitrate_bps(rung);
    double level = 0;
    for (std::size_t i = rung; i-- > 0;) {
      if (utilities_[i] >= utilities_[rung]) continue;
      const double ri = manifest_->bitrate_bps(i);
      level =
          std::max(level, vp_ * (gp_ + (rq * utilities_[i] - ri * utilities_[rung]) / (rq - ri)));
    }
    return level;
  }

  const Manifest* manifest_;
  std::vector<double> utilities_;
  bool one_bitrate_ = false;
  double gp_ = 0;
  double vp_ = 0;
  bool created_ = false;
  State state_ = State::startup;
  double placeholder_s_ = 0;
  double last_finish_s_ = kNaN;
  double last_call_s_ = kNaN;
  bool segment_loaded_ = false;
  std::size_t current_ = 0;
};

// InsufficientBufferRule: after `segmentIgnoreCount` appended segments, the
// lowest rung while the buffer is empty, else a cap at the rung that 0.7 x
// the (unsafe) average throughput can fetch within the buffer.
class InsufficientBufferRule {
 public:
  InsufficientBufferRule(const Manifest& manifest, double safety_factor, std::size_t ignore_count)
      : manifest_(&manifest), safety_factor_(safety_factor), ignore_count_(ignore_count) {}
  [[nodiscard]] SwitchRequest get(const RulesContext& c) const {
    SwitchRequest r{std::nullopt, "insufficient_buffer_rule"};
    if (c.segments_appended < ignore_count_) return r;
    if (c.buffer_state == BufferState::empty) {
      r.rung = 0;
      return r;
    }
    const double bitrate_bps =
        c.average_bps * safety_factor_ * c.buffer_s / manifest_->segment_duration_s();
    if (std::isnan(bitrate_bps) || bitrate_bps <= 0) return r;
    r.rung = optimal_rung(*manifest_, bitrate_bps);
    return r;
  }

 private:
  const Manifest* manifest_;
  double safety_factor_;
  std::size_t ignore_count_;
};

// SwitchRequestHistory: the last `sampleSize` decisions as (rung before,
// dropped or not), with running totals per rung before.
class SwitchRequestHistory {
 public:
  SwitchRequestHistory(std::size_t rungs, std::size_t sample_size) : sample_size_(sample_size) {
    counts_.resize(rungs);
  }
  void push(std::size_t current, std::size_t next) {
    if (current >= counts_.size()) return;
    const bool drop = next < current;
    Counts& c = counts_[current];
    c.seen = true;
    (drop ? c.drops : c.no_drops) += 1;
    entries_.push_back({current, drop});
    if (entries_.size() > sample_size_) {
      const Entry old = entries_.front();
      entries_.pop_front();
      (old.drop ? counts_[old.rung].drops : counts_[old.rung].no_drops) -= 1;
    }
  }
  void reset() {
    for (auto& c : counts_) c = {};
    entries_.clear();
  }

  struct Counts {
    bool seen = false;  // the rung has an entry (dash.js keeps it once created)
    std::size_t drops = 0;
    std::size_t no_drops = 0;
  };
  [[nodiscard]] const std::vector<Counts>& counts() const { return counts_; }

 private:
  struct Entry {
    std::size_t rung;
    bool drop;
  };
  std::size_t sample_size_;
  std::vector<Counts> counts_;
  std::deque<Entry> entries_;
};

// SwitchHistoryRule: summing drops and non-drops from the lowest rung up,
// once `sampleSize` decisions are counted and drops / non-drops exceeds the
// threshold, cap at that rung, or one below it if it was dropped from.
class SwitchHistoryRule {
 public:
  SwitchHistoryRule(const SwitchRequestHistory& history, std::size_t sample_size, double threshold)
      : history_(&history), sample_size_(sample_size), threshold_(threshold) {}
  [[nodiscard]] SwitchRequest get() const {
    SwitchRequest r{std::nullopt, "switch_history_rule"};
    const auto& counts = history_->counts();
    double drops = 0;
    double no_drops = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (!counts[i].seen) continue;
      drops += static_cast<double>(counts[i].drops);
      no_drops += static_cast<double>(counts[i].no_drops);
      // drops / no_drops as JavaScript divides: x / 0 is +inf for x > 0, NaN for 0.
      const bool over = no_drops > 0 ? drops / no_drops > threshold_ : drops > 0;
      if (drops + no_drops >= static_cast<double>(sample_size_) && over) {
        r.rung = i > 0 && counts[i].drops > 0 ? i - 1 : i;
        return r;
      }
    }
    return r;
  }

 private:
  const SwitchRequestHistory* history_;
  std::size_t sample_size_;
  double threshold_;
};

// AbandonRequestsRule. dash.js records one trace per XHR progress event (the
// first running from the request to the first bytes, so it holds the
// latency) and asks the rule at each. For a request not abandoned yet, with
// the buffer at most bufferTimeDefault, at least minThroughputSamplesThreshold
// traces and more than minSegmentDownloadTimeThresholdInMs since the first
// byte, it measures the throughput over the traces after the first (whole
// kbit/s) and the whole segment's download time at it (to 0.01 s). Unless
// that time is under abandonDurationMultiplier x the segment duration or the
// request is on the lowest rung, it abandons for the rung the measured
// throughput sustains (no safety factor) when the bytes left exceed that
// rung's whole segment (bytes x its bitrate / the current bitrate): a lower
// rung, as the throughput is at most 1 / multiplier of the current rate.
// Here each progress event with bytes received is one trace; an event
// before the first byte fires no XHR progress and counts none.
class AbandonRequestsRule {
 public:
  AbandonRequestsRule(const Manifest& manifest, const DashjsParams& p)
      : manifest_(&manifest),
        buffer_time_default_s_(p.buffer_time_default_s),
        multiplier_(p.abandon_duration_multiplier),
        min_download_time_ms_(std::round(p.abandon_min_download_time_s * 1000.0)),
        min_samples_(p.abandon_min_samples) {}

  void reset() {
    abandoned_.clear();
    request_ = {};
  }

  // shouldAbandon: a lower rung, or no change.
  SwitchRequest get(const DownloadProgress& progress) {
    SwitchRequest r{std::nullopt, "abandon_requests_rule"};
    const std::size_t n = manifest_->rung_count();
    if (progress.rung >= n) return r;
    track(progress);
    // No first byte yet, or this segment's request was abandoned already.
    if (!request_.first_byte || abandoned_.count(progress.segment) > 0) return r;
    if (progress.buffer_s > buffer_time_default_s_) return r;
    // Date.now() - firstByteDate in whole milliseconds.
    const double since_first_byte_ms =
        std::round(progress.elapsed_s * 1000.0) - std::round(request_.first_elapsed_s * 1000.0);
    if (request_.traces < min_samples_ || !(since_first_byte_ms > min_download_time_ms_) ||
        progress.received_bytes >= progress.size_bytes)
      return r;
    // Throughput over the traces after the first: bytes x 8 / ms = kbit/s.
    const double bytes =
        static_cast<double>(progress.received_bytes) - static_cast<double>(request_.first_bytes);
    const double throughput_kbps = std::round(8.0 * bytes / std::max(since_first_byte_ms, 1.0));
    const double size_bytes = static_cast<double>(progress.size_bytes);
    const double estimated_s =
        throughput_kbps > 0 ? std::round(size_bytes * 8.0 / throughput_kbps / 1000.0 * 100.0) / 100.0
                            : kInf;
    if (estimated_s < manifest_->segment_duration_s() * multiplier_ || progress.rung == 0) return r;
    const std::size_t optimal = optimal_rung(*manifest_, throughput_kbps * 1000.0);
    const double remaining_bytes = size_bytes - static_cast<double>(progress.received_bytes);
    const double optimal_bytes = size_bytes * manifest_->bitrate_bps(optimal) /
                                 manifest_->bitrate_bps(progress.rung);
    if (remaining_bytes > optimal_bytes) {
      abandoned_.insert(progress.segment);
      r.rung = optimal;
    }
    return r;
  }

 private:
  // The request's traces so far: a new request (segment, rung, request time)
  // starts afresh; the first event with bytes is the first byte.
  void track(const DownloadProgress& p) {
    if (p.segment != request_.segment || p.rung != request_.rung ||
        p.start_time_s != request_.start_time_s || !request_.valid) {
      request_ = {};
      request_.valid = true;
      request_.segment = p.segment;
      request_.rung = p.rung;
      request_.start_time_s = p.start_time_s;
    }
    if (p.received_bytes == 0) return;
    if (!request_.first_byte) {
      request_.first_byte = true;
      request_.first_elapsed_s = p.elapsed_s;
      request_.first_bytes = p.received_bytes;
    }
    ++request_.traces;
  }

  struct Request {
    bool valid = false;
    std::size_t segment = 0;
    std::size_t rung = 0;
    double start_time_s = 0;
    bool first_byte = false;
    double first_elapsed_s = 0;
    std::uint64_t first_bytes = 0;
    std::size_t traces = 0;
  };
  const Manifest* manifest_;
  double buffer_time_default_s_;
  double multiplier_;
  double min_download_time_ms_;
  std::size_t min_samples_;
  std::set<std::size_t> abandoned_;  // abandonDict: segments abandoned once
  Request request_;
};

class Dashjs final : public AbrController {
 public:
  Dashjs(std::shared_ptr<const Manifest> manifest, std::unique_ptr<ThroughputPredictor> ewma,
         DashjsParams params)
      : manifest_(std::move(manifest)),
        p_(params),
        throughput_(std::move(ewma), p_),
        throughput_rule_(*manifest_),
        bola_rule_(*manifest_, p_.buffer_time_default_s),
        insufficient_buffer_rule_(*manifest_, p_.insufficient_buffer_safety_factor,
                                  p_.insufficient_buffer_ignore_count),
        history_(manifest_->rung_count(), p_.switch_history_sample_size),
        switch_history_rule_(history_, p_.switch_history_sample_size, p_.switch_history_threshold),
        abandon_rule_(*manifest_, p_) {
    reset();
  }

  // AbrController._onFragmentLoadProgress: the abandon rule, and on a
  // request to abandon, what dash.js does before refetching the segment at
  // the new rung: the switch history is cleared, the quality change is
  // requested (BolaRule follows it), the abort deflates BOLA's placeholder
  // buffer, and the aborted request's HTTP metric (HTTPLoader adds it before
  // it checks for an abort) feeds the throughput model: the bytes received
  // over the time spent, as our reports measure a finished download.
  [[nodiscard]] bool may_abandon() const override { return p_.abandon; }
  std::size_t should_abandon(const DownloadProgress& progress) override {
    if (!p_.abandon) return kNoRung;
    const SwitchRequest r = abandon_rule_.get(progress);
    if (!r.rung || *r.rung == progress.rung) return kNoRung;
    history_.reset();
    bola_rule_.on_quality_change(*r.rung);
    bola_rule_.on_abandoned(progress.buffer_s);
    DownloadReport aborted;
    aborted.segment = progress.segment;
    aborted.rung = progress.rung;
    aborted.size_bytes = progress.received_bytes;
    aborted.start_time_s = progress.start_time_s;
    aborted.download_time_s = progress.elapsed_s;
    throughput_.add(aborted);
    current_ = *r.rung;
    return *r.rung;
  }

  void on_download(const DownloadReport& report) override {
    throughput_.add(report);
    ++segments_appended_;
    pending_ = report;
  }

  Decision decide(const PlayerState& state) override {
    Decision d;
    const std::size_t n = manifest_->rung_count();
    if (state.last_rung == kNoRung) return initial(state);
    const std::size_t current = state.last_rung < n ? state.last_rung : current_;
    const double segment_s = manifest_->segment_duration_s();

    // The events since the last decision, in dash.js's order: the buffer's
    // low point just before the segment was appended (buffer-level metrics,
    // BUFFER_EMPTY), the segment loaded, the level after the append.
    if (pending_) {
      const double before_append_s = std::max(0.0, state.buffer_s - segment_s);
      update_strategy(before_append_s);
      // Playback has begun once a segment was appended before this one.
      if (before_append_s <= p_.stall_threshold_s && segments_appended_ >= 2)
        bola_rule_.on_buffer_empty();
      bola_rule_.on_segment_loaded(*pending_, before_append_s);
      pending_.reset();
    }
    update_strategy(state.buffer_s);

    // ScheduleController: no request while buffer + one segment reaches the
    // buffer target; polling every schedule timeout, the buffer drains.
    const double wait_s = gate_wait_s(state.buffer_s, current);
    RulesContext c;
    c.now_s = state.now_s + wait_s;
    c.buffer_s = std::max(0.0, state.buffer_s - wait_s);
    update_strategy(c.buffer_s);
    c.buffer_state = c.buffer_s > p_.stall_threshold_s ? BufferState::loaded
                     : segments_appended_ >= 1         ? BufferState::empty
                                                       : BufferState::none;
    c.average_bps = throughput_.average_bps();
    c.safe_bps = c.average_bps * p_.throughput.bandwidth_safety_factor;
    c.current_rung = current;
    c.segments_appended = segments_appended_;

    // getBestPossibleSwitchRequest: BolaRule or ThroughputRule (never both),
    // then the other active rules; of the requests for a rung (all at the
    // default priority) the lowest bitrate wins, the earlier rule on a tie.
    double bola_delay_s = 0;
    SwitchRequest best;
    const auto consider = [&](const SwitchRequest& r) {
      if (r.rung &&
          (!best.rung || manifest_->bitrate_bps(*r.rung) < manifest_->bitrate_bps(*best.rung)))
        best = r;
    };
    if (use_bola_) {
      consider(bola_rule_.get(c, bola_delay_s, d.reasons.scores));
    } else {
      consider(throughput_rule_.get(c));
    }
    if (p_.insufficient_buffer_rule) consider(insufficient_buffer_rule_.get(c));
    if (p_.switch_history_rule) consider(switch_history_rule_.get());

    d.reasons.buffer_s = c.buffer_s;
    d.reasons.estimate_bps = std::isnan(c.average_bps) ? 0.0 : c.average_bps;
    d.reasons.conservative_bps = std::isnan(c.safe_bps) ? 0.0 : c.safe_bps;
    double extra_wait_s = 0;
    if (!best.rung) {
      d.rung = current;  // no rule asked: keep the current rung
      d.reasons.rule = "dashjs_no_change";
    } else {
      d.rung = *best.rung;
      d.reasons.rule = best.rule;
      history_.push(current, d.rung);
      if (d.rung != current) {
        bola_rule_.on_quality_change(d.rung);
        // The new representation's buffer target gates its first request.
        extra_wait_s = gate_wait_s(c.buffer_s, d.rung);
      }
    }
    current_ = d.rung;
    d.delay_s = wait_s + extra_wait_s + bola_delay_s;
    return d;
  }

  void reset() override {
    throughput_.reset();
    bola_rule_.reset();
    history_.reset();
    abandon_rule_.reset();
    use_bola_ = p_.bola_rule && !p_.throughput_rule;
    segments_appended_ = 0;
    pending_.reset();
    current_ = 0;
  }
  [[nodiscard]] std::string name() const override { return "dashjs"; }

 private:
  // The first segment: no rule runs. initialBitrate if set, else the average
  // throughput if any, else 1000 kbit/s; the highest rung under it.
  Decision initial(const PlayerState& state) {
    Decision d;
    const double average_bps = throughput_.average_bps();
    const double bitrate_bps = dashjs_initial_bitrate_bps(p_.throughput, average_bps);
    d.rung = optimal_rung(*manifest_, bitrate_bps);
    d.reasons.rule = "dashjs_initial";
    d.reasons.estimate_bps = bitrate_bps;
    d.reasons.buffer_s = state.buffer_s;
    current_ = d.rung;
    return d;
  }

  // AbrController._updateDynamicAbrStrategy on a buffer-level update.
  void update_strategy(double buffer_s) {
    if (!(p_.bola_rule && p_.throughput_rule)) return;
    const double on_s = p_.hybrid_switch_buffer_time_s;
    use_bola_ = buffer_s >= (use_bola_ ? 0.5 * on_s : on_s);
  }

  // ScheduleController._shouldBuffer: the wait until buffer (+ one segment
  // when the target exceeds it) falls under the target of `rung`, in whole
  // schedule timeouts (continuously when the timeout is 0).
  [[nodiscard]] double gate_wait_s(double buffer_s, std::size_t rung) const {
    const double segment_s = manifest_->segment_duration_s();
    double target_s = p_.buffer_time_default_s;
    if (rung + 1 == manifest_->rung_count()) {
      const double duration_s = segment_s * static_cast<double>(manifest_->segment_count());
      target_s = duration_s >= p_.long_form_content_duration_threshold_s
                     ? p_.buffer_time_at_top_quality_long_form_s
                     : p_.buffer_time_at_top_quality_s;
    }
    const double level_s = buffer_s + (target_s > segment_s ? segment_s : 0.0);
    if (level_s < target_s) return 0.0;
    const double excess_s = level_s - target_s;
    if (p_.schedule_timeout_s <= 0) return std::min(excess_s, buffer_s);
    // The first poll at which level - k x timeout < target.
    const double polls = std::floor(excess_s / p_.schedule_timeout_s) + 1.0;
    return std::min(polls * p_.schedule_timeout_s, buffer_s);
  }

  std::shared_ptr<const Manifest> manifest_;
  DashjsParams p_;
  ThroughputModel throughput_;
  ThroughputRule throughput_rule_;
  BolaRule bola_rule_;
  InsufficientBufferRule insufficient_buffer_rule_;
  SwitchRequestHistory history_;
  SwitchHistoryRule switch_history_rule_;
  AbandonRequestsRule abandon_rule_;
  bool use_bola_ = false;
  std::size_t segments_appended_ = 0;
  std::optional<DownloadReport> pending_;
  std::size_t current_ = 0;
};

std::size_t count_option(const OptionMap& options, const char* key, std::size_t fallback,
                         std::int64_t low, std::int64_t high) {
  const std::int64_t value = options.get_int(key, static_cast<std::int64_t>(fallback));
  if (value < low || value > high) {
    throw Error(fmt::format("{}: option {}={} is outside [{}, {}]", options.owner(), key, value,
                            low, high));
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

std::unique_ptr<AbrController> make_dashjs(const BuildContext& context, const OptionMap& options) {
  DashjsParams p;
  p.throughput_rule = options.get_bool("throughput_rule", p.throughput_rule);
  p.bola_rule = options.get_bool("bola_rule", p.bola_rule);
  p.insufficient_buffer_rule =
      options.get_bool("insufficient_buffer_rule", p.insufficient_buffer_rule);
  p.switch_history_rule = options.get_bool("switch_history_rule", p.switch_history_rule);
  p.hybrid_switch_buffer_time_s = ranged_option(options, "hybrid_switch_buffer_time_s",
                                                p.hybrid_switch_buffer_time_s, 0.0, 3600.0);
  p.throughput = parse_dashjs_throughput(options);
  p.cache_load_threshold_s =
      ranged_option(options, "cache_load_threshold_s", p.cache_load_threshold_s, 0.0, 60.0);
  p.ttfb_s = ranged_option(options, "ttfb_s", p.ttfb_s, 0.0, 60.0);
  p.insufficient_buffer_safety_factor = ranged_option(
      options, "insufficient_buffer_safety_factor", p.insufficient_buffer_safety_factor, 0.01, 1.0);
  p.insufficient_buffer_ignore_count = count_option(options, "insufficient_buffer_ignore_count",
                                                    p.insufficient_buffer_ignore_count, 0, 1000);
  p.switch_history_sample_size =
      count_option(options, "switch_history_sample_size", p.switch_history_sample_size, 1, 1000);
  p.switch_history_threshold =
      ranged_option(options, "switch_history_threshold", p.switch_history_threshold, 0.0, 1e3);
  p.buffer_time_default_s =
      ranged_option(options, "buffer_time_default_s", p.buffer_time_default_s, 0.1, 3600.0);
  p.buffer_time_at_top_quality_s = ranged_option(options, "buffer_time_at_top_quality_s",
                                                 p.buffer_time_at_top_quality_s, 0.1, 3600.0);
  p.buffer_time_at_top_quality_long_form_s =
      ranged_option(options, "buffer_time_at_top_quality_long_form_s",
                    p.buffer_time_at_top_quality_long_form_s, 0.1, 3600.0);
  p.long_form_content_duration_threshold_s =
      ranged_option(options, "long_form_content_duration_threshold_s",
                    p.long_form_content_duration_threshold_s, 0.0, 1e7);
  p.stall_threshold_s = ranged_option(options, "stall_threshold_s", p.stall_threshold_s, 0.0, 60.0);
  p.schedule_timeout_s =
      ranged_option(options, "schedule_timeout_s", p.schedule_timeout_s, 0.0, 60.0);
  p.abandon = options.get_bool("abandon", p.abandon);
  p.abandon_duration_multiplier = ranged_option(options, "abandon_duration_multiplier",
                                                p.abandon_duration_multiplier, 0.01, 1e3);
  p.abandon_min_download_time_s = ranged_option(options, "abandon_min_download_time_s",
                                                p.abandon_min_download_time_s, 0.0, 3600.0);
  p.abandon_min_samples = count_option(options, "abandon_min_samples", p.abandon_min_samples, 0, 1000000);
  if (!p.throughput_rule && !p.bola_rule) {
    throw Error(fmt::format(
        "{}: throughput_rule and bola_rule are both off; at least one must choose rungs",
        options.owner()));
  }
  // The EWMA weight is ewma_weight_per_ms x download ms; our predictor's is
  // download seconds, so its half-lives are scaled by 1 / (1000 x factor).
  const double scale = 1.0 / (1000.0 * p.throughput.ewma_weight_per_ms);
  const double fast_s = p.throughput.fast_half_life_s * scale;
  const double slow_s = p.throughput.slow_half_life_s * scale;
  for (double h : {fast_s, slow_s}) {
    if (!(h >= 1e-3 && h <= 1e4)) {
      throw Error(fmt::format(
          "{}: half-life / (1000 x ewma_weight_per_ms) = {} s is outside [0.001, 10000] s",
          options.owner(), h));
    }
  }
  auto ewma = context.make_predictor(
      fmt::format("ewma:fast_half_life_s={},slow_half_life_s={},safety=1", fast_s, slow_s));
  return std::make_unique<Dashjs>(context.shared_manifest(), std::move(ewma), p);
}

}  // namespace streamopt::abr
