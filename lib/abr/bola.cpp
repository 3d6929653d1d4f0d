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
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "abr/builtin.hpp"
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

}  // namespace

std::unique_ptr<AbrController> make_bola(const BuildContext& context, const OptionMap& options) {
  const Manifest& manifest = context.manifest();
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
