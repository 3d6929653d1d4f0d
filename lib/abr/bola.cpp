// BOLA (Spiteri, Urgaonkar, Sitaraman, INFOCOM 2016) in the parameterisation
// of the dash.js reference player: utilities u_m = ln(R_m / R_0) + 1,
// gamma_p and V_p from a minimum buffer and a buffer target, score
// (V_p (u_m + gamma_p) - Q) / R_m.
//   variant=basic: BOLA-BASIC; waits while the buffer is above the chosen
//                  rung's bound V_p (u_m + gamma_p).
//   variant=e:     BOLA-E as in dash.js: throughput-based start-up, the
//                  placeholder buffer (idle time counts as buffer, cleared
//                  on rebuffering), and the BOLA-O guard against switching
//                  up past the sustainable throughput.
//   preset=sabre:   Sabre's `bola` (UMass-LIDS/sabre, sabre.py, commit
//                   09b03bb): u_m = ln(R_m / R_0), gamma_p = 5, V_p from the
//                   25 s buffer shrunk near the start and end of the title,
//                   BOLA-U's one-rung-above-throughput cap, its abandonment.
//   preset=sabre_e: Sabre's `bolae` (BolaEnh): the dash.js-like BOLA-E
//                   parameterisation, throughput start-up, placeholder
//                   buffer, insufficient-buffer rule and abandonment.
// Both use Sabre's EWMA throughput/latency estimate (abr/sabre_common.hpp)
// and, after abandoning, decide anew for the same segment as Sabre does.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "abr/builtin.hpp"
#include "abr/sabre_common.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

class Bola final : public AbrController {
 public:
  Bola(std::shared_ptr<const Manifest> manifest, bool variant_e, double min_buffer_s, double target_buffer_s,
       std::unique_ptr<ThroughputPredictor> predictor)
      : manifest_(std::move(manifest)), variant_e_(variant_e), predictor_(std::move(predictor)) {
    const double r0 = manifest_->rungs().front().bitrate_bps;
    for (const auto& rung : manifest_->rungs()) utilities_.push_back(std::log(rung.bitrate_bps / r0) + 1.0);
    gamma_p_ = (utilities_.back() - 1.0) / (target_buffer_s / min_buffer_s - 1.0);
    v_p_ = min_buffer_s / gamma_p_;
    reset();
  }

  void on_download(const DownloadReport& report) override {
    predictor_->observe(report);
    last_download_end_s_ = report.end_time_s();
  }

  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.buffer_s = state.buffer_s;
    const Prediction p = predictor_->predict();
    d.reasons.estimate_bps = p.estimate_bps;
    d.reasons.conservative_bps = p.conservative_bps;
    if (!variant_e_) {
      d.rung = best_rung(state.buffer_s, d.reasons.scores);
      d.delay_s = std::max(0.0, state.buffer_s - max_buffer_for(d.rung));
      d.reasons.rule = "bola";
      return d;
    }
    const std::size_t tput_rung = p.valid ? highest_rung_below(*manifest_, p.conservative_bps) : 0;
    if (startup_) {
      d.rung = tput_rung;
      d.reasons.rule = "bola_startup";
      placeholder_s_ = std::max(0.0, min_buffer_for(d.rung) - state.buffer_s);
      last_rung_ = d.rung;
      if (p.valid && state.buffer_s >= manifest_->segment_duration_s()) startup_ = false;
      return d;
    }
    if (state.rebuffered) placeholder_s_ = 0;
    if (!std::isnan(last_download_end_s_)) {
      placeholder_s_ += std::max(0.0, state.now_s - last_download_end_s_);
    }
    const double virtual_buffer_s = state.buffer_s + placeholder_s_;
    std::size_t rung = best_rung(virtual_buffer_s, d.reasons.scores);
    d.reasons.rule = "bola";
    if (rung > last_rung_ && rung > tput_rung) {
      rung = std::max(tput_rung, last_rung_);
      d.reasons.rule = "bola_o";
    }
    double delay_s = std::max(0.0, virtual_buffer_s - max_buffer_for(rung));
    if (delay_s <= placeholder_s_) {
      placeholder_s_ -= delay_s;
      delay_s = 0;
    } else {
      delay_s -= placeholder_s_;
      placeholder_s_ = 0;
      if (rung == manifest_->rung_count() - 1) delay_s = 0;
    }
    d.rung = rung;
    d.delay_s = delay_s;
    last_rung_ = rung;
    return d;
  }

  void reset() override {
    predictor_->reset();
    startup_ = true;
    placeholder_s_ = 0;
    last_rung_ = 0;
    last_download_end_s_ = std::nan("");
  }
  [[nodiscard]] std::string name() const override { return variant_e_ ? "bola" : "bola_basic"; }

 private:
  std::size_t best_rung(double buffer_s, std::vector<double>& scores) const {
    std::size_t best = 0;
    scores.clear();
    for (std::size_t m = 0; m < utilities_.size(); ++m) {
      const double score = (v_p_ * (utilities_[m] + gamma_p_) - buffer_s) / manifest_->bitrate_bps(m);
      scores.push_back(score);
      if (score >= scores[best]) best = m;
    }
    return best;
  }
  // Highest buffer at which BOLA still prefers downloading `rung` to waiting.
  [[nodiscard]] double max_buffer_for(std::size_t rung) const {
    return v_p_ * (utilities_[rung] + gamma_p_);
  }
  // Lowest buffer at which BOLA prefers `rung` to every lower rung.
  [[nodiscard]] double min_buffer_for(std::size_t rung) const {
    const double rq = manifest_->bitrate_bps(rung);
    double level = 0;
    for (std::size_t i = 0; i < rung; ++i) {
      const double ri = manifest_->bitrate_bps(i);
      level = std::max(level, v_p_ * (gamma_p_ + (rq * utilities_[i] - ri * utilities_[rung]) / (rq - ri)));
    }
    return level;
  }

  std::shared_ptr<const Manifest> manifest_;
  bool variant_e_;
  std::unique_ptr<ThroughputPredictor> predictor_;
  std::vector<double> utilities_;
  double gamma_p_ = 0;
  double v_p_ = 0;
  bool startup_ = true;
  double placeholder_s_ = 0;
  std::size_t last_rung_ = 0;
  double last_download_end_s_ = 0;
};

// Sabre's per-rung BOLA arithmetic over utilities `u` with V_p and gamma_p.
struct SabreBolaMath {
  const Manifest* manifest = nullptr;
  std::vector<double> u;
  double v_p = 0;
  double gamma_p = 0;
  // Sabre's quality_from_buffer: the first rung of highest score. A score
  // above the best by only a rounding error (relative 1e-9) does not win:
  // BOLA-E's placeholder puts the virtual buffer exactly on the boundary
  // between two rungs, where the tie is rounding noise; the lower rung is
  // kept, as Sabre's millisecond arithmetic does on the sabre-4g traces.
  [[nodiscard]] std::size_t from_buffer(double level_s) const {
    std::size_t best = 0;
    double best_score = 0;
    for (std::size_t q = 0; q < u.size(); ++q) {
      const double s = (v_p * (u[q] + gamma_p) - level_s) / manifest->bitrate_bps(q);
      if (q == 0 || s > best_score + 1e-9 * std::abs(best_score)) {
        best = q;
        best_score = s;
      }
    }
    return best;
  }
  [[nodiscard]] double max_buffer_for(std::size_t q) const { return v_p * (u[q] + gamma_p); }
  [[nodiscard]] double min_buffer_for(std::size_t q) const {
    const double b = manifest->bitrate_bps(q);
    double level = 0;
    for (std::size_t i = 0; i < q; ++i) {
      if (u[i] < u[q]) {
        const double bi = manifest->bitrate_bps(i);
        level = std::max(level, v_p * (gamma_p + (b * u[i] - bi * u[q]) / (b - bi)));
      }
    }
    return level;
  }
};

// Sabre's `bola` (class Bola, abr_basic and abr_osc off).
class SabreBola final : public AbrController {
 public:
  SabreBola(std::shared_ptr<const Manifest> manifest, double buffer_s, double gamma_p)
      : manifest_(std::move(manifest)), estimator_(manifest_->segment_duration_s()), buffer_s_(buffer_s) {
    math_.manifest = manifest_.get();
    const double r0 = manifest_->bitrate_bps(0);
    for (const auto& rung : manifest_->rungs()) math_.u.push_back(std::log(rung.bitrate_bps / r0));
    math_.gamma_p = gamma_p;
    reset();
  }
  void on_download(const DownloadReport& report) override { estimator_.observe(report); }
  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.rule = "sabre_bola";
    d.reasons.buffer_s = state.buffer_s;
    d.reasons.estimate_bps = estimator_.throughput_bps();
    segments_ = state.next_segment + state.segments_left;
    d.rung = decide_rung(state.buffer_s, state.next_segment);
    return d;
  }
  std::size_t should_abandon(const DownloadProgress& p) override {
    const double remain_bits = static_cast<double>(p.size_bytes - p.received_bytes) * 8.0;
    if (p.received_bytes == 0 || !(remain_bits > 0)) return kNoRung;
    const double size_bits = static_cast<double>(p.size_bytes) * 8.0;
    double score = (math_.max_buffer_for(p.rung) - p.buffer_s) / remain_bits;
    if (score < 0) return kNoRung;
    std::size_t to = kNoRung;
    for (std::size_t q = 0; q < p.rung; ++q) {
      const double other_bits = size_bits * manifest_->bitrate_bps(q) / manifest_->bitrate_bps(p.rung);
      const double other = (math_.max_buffer_for(q) - p.buffer_s) / other_bits;
      if (other_bits < remain_bits && other > score) {
        score = other;
        to = q;
      }
    }
    if (to == kNoRung) return kNoRung;
    last_rung_ = to;
    return decide_rung(p.buffer_s, p.segment);  // Sabre decides anew for the segment
  }
  void reset() override {
    estimator_.reset();
    last_rung_ = 0;
    segments_ = manifest_->segment_count();
    set_v_p(buffer_s_);
  }
  [[nodiscard]] std::string name() const override { return "bola"; }
  // Sabre's rules abandon requests.
  [[nodiscard]] bool may_abandon() const override { return true; }

 private:
  void set_v_p(double buffer_s) {
    math_.v_p = (buffer_s - manifest_->segment_duration_s()) / (math_.u.back() + math_.gamma_p);
  }
  std::size_t decide_rung(double buffer_s, std::size_t segment) {
    // Sabre (not abr_basic): the buffer target shrinks near both ends.
    const auto index = static_cast<double>(segment);
    const double left = static_cast<double>(segments_) - index;
    const double t_s = std::max(std::min(index, left) / 2.0, 3.0) * manifest_->segment_duration_s();
    set_v_p(std::min(buffer_s_, t_s));
    std::size_t q = math_.from_buffer(buffer_s);
    if (q > last_rung_ && estimator_.valid()) {
      const std::size_t qt = sabre_quality_from_throughput(*manifest_, estimator_.throughput_bps(),
                                                           estimator_.latency_s());
      if (q <= qt) {
        // keep q
      } else if (last_rung_ > qt) {
        q = last_rung_;
      } else {
        q = qt + 1;
      }
    }
    last_rung_ = q;
    return q;
  }

  std::shared_ptr<const Manifest> manifest_;
  SabreEstimator estimator_;
  SabreBolaMath math_;
  double buffer_s_;
  std::size_t last_rung_ = 0;
  std::size_t segments_ = 0;
};

// Sabre's `bolae` (class BolaEnh, abr_osc off, insufficient-buffer rule on).
class SabreBolaE final : public AbrController {
 public:
  SabreBolaE(std::shared_ptr<const Manifest> manifest, double buffer_s)
      : manifest_(std::move(manifest)), estimator_(manifest_->segment_duration_s()) {
    math_.manifest = manifest_.get();
    const double r0 = manifest_->bitrate_bps(0);
    for (const auto& rung : manifest_->rungs()) math_.u.push_back(std::log(rung.bitrate_bps / r0) + 1.0);
    double target_s = kMinimumBufferS + kMinimumBufferPerLevelS * static_cast<double>(manifest_->rung_count());
    target_s = std::max(target_s, buffer_s);
    math_.gamma_p = (math_.u.back() - 1) / (target_s / kMinimumBufferS - 1);
    math_.v_p = kMinimumBufferS / math_.gamma_p;
    reset();
  }
  void on_download(const DownloadReport& report) override {
    estimator_.observe(report);
    if (downloads_++ > 0) pending_ = report;  // Sabre reports no download for the first segment
  }
  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.buffer_s = state.buffer_s;
    d.reasons.estimate_bps = estimator_.throughput_bps();
    if (pending_) {
      // Sabre's report_download, with the buffer as it was then (before the
      // full-buffer wait), then report_delay for that wait.
      const double idle_s = std::max(0.0, state.now_s - pending_->end_time_s());
      report_download(*pending_, state.buffer_s + idle_s);
      placeholder_s_ += idle_s;
      pending_.reset();
    }
    double delay_s = 0;
    d.rung = decide_rung(state.buffer_s, delay_s);
    d.delay_s = delay_s;
    d.reasons.rule = "sabre_bolae";
    return d;
  }
  std::size_t should_abandon(const DownloadProgress& p) override {
    const std::size_t to = check_abandon(p);
    if (to == kNoRung) return kNoRung;
    // Sabre's report_download for an abandoned request, then a new decision.
    last_rung_ = p.rung;
    const double want_s = to > 0 ? math_.min_buffer_for(to) : kMinimumBufferS;
    placeholder_s_ = std::min(placeholder_s_, std::max(0.0, want_s - p.buffer_s));
    double delay_s = 0;
    return decide_rung(p.buffer_s, delay_s);
  }
  void reset() override {
    estimator_.reset();
    steady_ = false;
    placeholder_s_ = 0;
    last_rung_ = 0;
    ibr_safety_ = kSabreIbrSafetyInit;
    downloads_ = 0;
    pending_.reset();
  }
  [[nodiscard]] std::string name() const override { return "bola"; }
  // Sabre's rules abandon requests.
  [[nodiscard]] bool may_abandon() const override { return true; }

 private:
  static constexpr double kMinimumBufferS = 10.0;
  static constexpr double kMinimumBufferPerLevelS = 2.0;

  std::size_t decide_rung(double buffer_s, double& delay_s) {
    delay_s = 0;
    if (!steady_) {
      if (!estimator_.valid()) return last_rung_;
      steady_ = true;
      ibr_safety_ = kSabreIbrSafetyInit;
      const std::size_t q = sabre_quality_from_throughput(*manifest_, estimator_.throughput_bps(),
                                                          estimator_.latency_s());
      placeholder_s_ = std::max(0.0, math_.min_buffer_for(q) - buffer_s);
      return q;
    }
    std::size_t q = math_.from_buffer(buffer_s + placeholder_s_);
    const std::size_t qt = sabre_quality_from_throughput(*manifest_, estimator_.throughput_bps(),
                                                         estimator_.latency_s());
    if (q > last_rung_ && q > qt) q = std::max(last_rung_, qt) + 1;
    double delay = buffer_s + placeholder_s_ - math_.max_buffer_for(q);
    if (delay > 0) {
      if (delay <= placeholder_s_) {
        placeholder_s_ -= delay;
        delay = 0;
      } else {
        delay -= placeholder_s_;
        placeholder_s_ = 0;
      }
    } else {
      delay = 0;
    }
    if (q + 1 == manifest_->rung_count()) delay = 0;
    const std::size_t capped = sabre_insufficient_buffer_cap(*manifest_, q, ibr_safety_, buffer_s, estimator_);
    ibr_safety_ = std::max(ibr_safety_ * kSabreIbrSafetyInit, kSabreIbrSafetyFloor);
    if (capped != q) {
      q = capped;
      delay = 0;
      placeholder_s_ = std::min(placeholder_s_, std::max(0.0, math_.min_buffer_for(q) - buffer_s));
    }
    delay_s = delay;
    return q;
  }
  void report_download(const DownloadReport& r, double level_s) {
    last_rung_ = r.rung;
    const double level_was_s = level_s + r.download_time_s;
    placeholder_s_ = std::min(placeholder_s_, std::max(0.0, math_.max_buffer_for(r.rung) - level_was_s));
    if (level_s > 0) placeholder_s_ = std::max(placeholder_s_, math_.min_buffer_for(r.rung) - level_was_s);
  }
  [[nodiscard]] std::size_t check_abandon(const DownloadProgress& p) const {
    const double size_bits = static_cast<double>(p.size_bytes) * 8.0;
    const double got_bits = static_cast<double>(p.received_bytes) * 8.0;
    const double remain_bits = size_bits - got_bits;
    const double transfer_s = p.elapsed_s - p.first_byte_s;
    if (!(got_bits > 0) || !(remain_bits > 0) || !(transfer_s > 0)) return kNoRung;
    const double bl_s = std::max(0.0, p.buffer_s + placeholder_s_ - p.first_byte_s);
    const double sz_bits = remain_bits - p.first_byte_s * got_bits / transfer_s;
    if (!(sz_bits > 0)) return kNoRung;
    double score = (math_.max_buffer_for(p.rung) - bl_s) / sz_bits;
    std::size_t to = kNoRung;
    for (std::size_t q = 0; q < p.rung; ++q) {
      const double other_bits = size_bits * manifest_->bitrate_bps(q) / manifest_->bitrate_bps(p.rung);
      const double other = (math_.max_buffer_for(q) - bl_s) / other_bits;
      if (other_bits < sz_bits && other > score) {
        score = other;
        to = q;
      }
    }
    return to;
  }

  std::shared_ptr<const Manifest> manifest_;
  SabreEstimator estimator_;
  SabreBolaMath math_;
  bool steady_ = false;
  double placeholder_s_ = 0;
  std::size_t last_rung_ = 0;
  double ibr_safety_ = kSabreIbrSafetyInit;
  std::size_t downloads_ = 0;
  std::optional<DownloadReport> pending_;
};

}  // namespace

std::unique_ptr<AbrController> make_bola(const BuildContext& context, const OptionMap& options) {
  const Manifest& manifest = context.manifest();
  const auto preset = options.get_string("preset", "");
  if (preset == "sabre" || preset == "sabre_e") {
    if (manifest.rung_count() < 2) throw Error(options.owner() + ": BOLA needs at least two rungs");
    const double buffer = ranged_option(options, "buffer_s", 25.0, 1.0, 1e5);
    if (buffer <= manifest.segment_duration_s()) {
      throw Error(fmt::format("{}: buffer_s ({}) must exceed the segment duration ({} s)", options.owner(), buffer,
                              manifest.segment_duration_s()));
    }
    if (preset == "sabre_e") return std::make_unique<SabreBolaE>(context.shared_manifest(), buffer);
    const double gamma_p = ranged_option(options, "gamma_p", 5.0, 0.0, 1e5);
    return std::make_unique<SabreBola>(context.shared_manifest(), buffer, gamma_p);
  }
  if (!preset.empty()) {
    throw Error(fmt::format("{}: option preset='{}' is not sabre or sabre_e", options.owner(), preset));
  }
  const auto variant = options.get_string("variant", "e");
  if (variant != "e" && variant != "basic") {
    throw Error(fmt::format("{}: option variant='{}' is not e or basic", options.owner(), variant));
  }
  const double min_buffer = ranged_option(options, "min_buffer_s", 10.0, 0.1, 1e5);
  const double default_target =
      std::max(12.0, min_buffer + 2.0 * static_cast<double>(manifest.rung_count()));
  const double target = ranged_option(options, "target_buffer_s", default_target, 0.1, 1e5);
  if (target <= min_buffer) {
    throw Error(fmt::format("{}: target_buffer_s ({}) must exceed min_buffer_s ({})", options.owner(),
                            target, min_buffer));
  }
  if (manifest.rung_count() < 2) throw Error(options.owner() + ": BOLA needs at least two rungs");
  auto predictor = context.make_predictor(options.get_string("predictor", "ewma"));
  return std::make_unique<Bola>(context.shared_manifest(), variant == "e", min_buffer, target, std::move(predictor));
}

}  // namespace streamopt::abr
