// BBA-0, the buffer-based algorithm of Huang et al. (SIGCOMM 2014): a rate
// map from the buffer level (lowest rung up to the reservoir, rising linearly
// over the cushion to the highest rung), with the paper's hysteresis: the rung
// changes only when the map crosses the neighbouring rung's bitrate.
// Preset `pensieve` is Pensieve's bb.py: rung = floor((N-1)(B - r) / cu).
#include <fmt/format.h>

#include <cmath>

#include "abr/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::abr {
namespace {

class Bba final : public AbrController {
 public:
  Bba(std::shared_ptr<const Manifest> manifest, double reservoir_s, double cushion_s, bool pensieve)
      : manifest_(std::move(manifest)), reservoir_s_(reservoir_s), cushion_s_(cushion_s), pensieve_(pensieve) {}

  void on_download(const DownloadReport&) override {}

  Decision decide(const PlayerState& state) override {
    Decision d;
    d.reasons.buffer_s = state.buffer_s;
    const std::size_t top = manifest_->rung_count() - 1;
    const double b = state.buffer_s;
    if (b < reservoir_s_) {
      d.rung = 0;
      d.reasons.rule = "reservoir";
    } else if (b >= reservoir_s_ + cushion_s_) {
      d.rung = top;
      d.reasons.rule = "upper_reservoir";
    } else if (pensieve_) {
      d.rung = static_cast<std::size_t>(static_cast<double>(top) * (b - reservoir_s_) / cushion_s_);
      d.reasons.rule = "cushion";
    } else {
      d.rung = cushion_rung(b, state.last_rung);
      d.reasons.rule = "cushion";
    }
    return d;
  }

  void reset() override {}
  [[nodiscard]] std::string name() const override { return "bba"; }

 private:
  // The paper's f(B) in bits per second.
  [[nodiscard]] double rate_map_bps(double buffer_s) const {
    const double low = manifest_->rungs().front().bitrate_bps;
    const double high = manifest_->rungs().back().bitrate_bps;
    return low + (high - low) * (buffer_s - reservoir_s_) / cushion_s_;
  }
  [[nodiscard]] std::size_t cushion_rung(double buffer_s, std::size_t last_rung) const {
    const std::size_t top = manifest_->rung_count() - 1;
    const std::size_t prev = last_rung == kNoRung ? 0 : last_rung;
    const double f = rate_map_bps(buffer_s);
    const double rate_plus = manifest_->bitrate_bps(prev == top ? top : prev + 1);
    const double rate_minus = manifest_->bitrate_bps(prev == 0 ? 0 : prev - 1);
    if (f >= rate_plus) {
      // Highest rung strictly below f(B).
      std::size_t r = 0;
      while (r + 1 <= top && manifest_->bitrate_bps(r + 1) < f) ++r;
      return r;
    }
    if (f <= rate_minus) {
      // Lowest rung strictly above f(B).
      std::size_t r = top;
      while (r > 0 && manifest_->bitrate_bps(r - 1) > f) --r;
      return r;
    }
    return prev;
  }

  std::shared_ptr<const Manifest> manifest_;
  double reservoir_s_;
  double cushion_s_;
  bool pensieve_;
};

}  // namespace

std::unique_ptr<AbrController> make_bba(const BuildContext& context, const OptionMap& options) {
  const auto preset = options.get_string("preset", "bba0");
  if (preset != "bba0" && preset != "pensieve") {
    throw Error(fmt::format("{}: option preset='{}' is not bba0 or pensieve", options.owner(), preset));
  }
  const double reservoir = ranged_option(options, "reservoir_s", 5.0, 0.0, 1e6);
  const double cushion = ranged_option(options, "cushion_s", 10.0, 1e-3, 1e6);
  return std::make_unique<Bba>(context.shared_manifest(), reservoir, cushion, preset == "pensieve");
}

}  // namespace streamopt::abr
