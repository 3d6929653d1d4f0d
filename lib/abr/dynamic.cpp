// dash.js's DYNAMIC strategy: the throughput rule while the buffer is low,
// BOLA-E once it is above the stable buffer time (12 s), back to throughput
// below half of it (hysteresis against oscillating between rules).
//   preset=sabre: Sabre's `dynamic` (UMass-LIDS/sabre, sabre.py, commit
//                 09b03bb): both of bola:preset=sabre and rate:preset=sabre
//                 decide every segment; it moves to BOLA above 10 s of buffer
//                 when BOLA's rung is at least the throughput rule's, back
//                 below 10 s when it is lower; abandonment is the throughput
//                 rule's, followed by a new decision of both.
#include <fmt/format.h>

#include "streamopt/error.hpp"

#include "abr/builtin.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::abr {
namespace {

class Dynamic final : public AbrController {
 public:
  Dynamic(std::unique_ptr<AbrController> throughput, std::unique_ptr<AbrController> bola,
          double switch_on_s, double switch_off_s)
      : throughput_(std::move(throughput)), bola_(std::move(bola)),
        switch_on_s_(switch_on_s), switch_off_s_(switch_off_s) {}
  void on_download(const DownloadReport& report) override {
    throughput_->on_download(report);
    bola_->on_download(report);
  }
  Decision decide(const PlayerState& state) override {
    use_bola_ = state.buffer_s > (use_bola_ ? switch_off_s_ : switch_on_s_);
    return use_bola_ ? bola_->decide(state) : throughput_->decide(state);
  }
  void reset() override {
    throughput_->reset();
    bola_->reset();
    use_bola_ = false;
  }
  [[nodiscard]] std::string name() const override { return "dynamic"; }

 private:
  std::unique_ptr<AbrController> throughput_;
  std::unique_ptr<AbrController> bola_;
  double switch_on_s_;
  double switch_off_s_;
  bool use_bola_ = false;
};

class SabreDynamic final : public AbrController {
 public:
  SabreDynamic(std::unique_ptr<AbrController> throughput, std::unique_ptr<AbrController> bola)
      : throughput_(std::move(throughput)), bola_(std::move(bola)) {}
  void on_download(const DownloadReport& report) override {
    bola_->on_download(report);
    throughput_->on_download(report);
  }
  Decision decide(const PlayerState& state) override {
    last_state_ = state;
    Decision b = bola_->decide(state);
    Decision t = throughput_->decide(state);
    return choose(std::move(b), std::move(t), state.buffer_s);
  }
  std::size_t should_abandon(const DownloadProgress& progress) override {
    // The throughput rule abandons and answers its new decision; BOLA then
    // decides anew too, as Sabre asks both again for the same segment.
    const std::size_t t = throughput_->should_abandon(progress);
    if (t == kNoRung) return kNoRung;
    PlayerState state = last_state_;
    state.buffer_s = progress.buffer_s;
    state.now_s = progress.start_time_s + progress.elapsed_s;
    Decision b = bola_->decide(state);
    Decision td;
    td.rung = t;
    return choose(std::move(b), std::move(td), progress.buffer_s).rung;
  }
  void reset() override {
    throughput_->reset();
    bola_->reset();
    use_bola_ = false;
  }
  [[nodiscard]] std::string name() const override { return "dynamic"; }
  // Sabre's rules abandon requests.
  [[nodiscard]] bool may_abandon() const override { return true; }

 private:
  static constexpr double kLowBufferS = 10.0;
  Decision choose(Decision b, Decision t, double buffer_s) {
    if (use_bola_) {
      if (buffer_s < kLowBufferS && b.rung < t.rung) use_bola_ = false;
    } else if (buffer_s > kLowBufferS && b.rung >= t.rung) {
      use_bola_ = true;
    }
    return use_bola_ ? b : t;
  }
  std::unique_ptr<AbrController> throughput_;
  std::unique_ptr<AbrController> bola_;
  PlayerState last_state_;
  bool use_bola_ = false;
};

}  // namespace

std::unique_ptr<AbrController> make_dynamic(const BuildContext& context, const OptionMap& options) {
  const auto preset = options.get_string("preset", "");
  if (preset == "sabre") {
    return std::make_unique<SabreDynamic>(context.make_abr("rate:preset=sabre"), context.make_abr("bola:preset=sabre"));
  }
  if (!preset.empty()) throw Error(fmt::format("{}: option preset='{}' is not sabre", options.owner(), preset));
  const double stable = ranged_option(options, "stable_buffer_s", 12.0, 0.1, 1e5);
  const auto predictor = options.get_string("predictor", "ewma");
  return std::make_unique<Dynamic>(context.make_abr(fmt::format("rate:predictor={}", predictor)),
                                   context.make_abr(fmt::format("bola:predictor={}", predictor)), stable,
                                   0.5 * stable);
}

}  // namespace streamopt::abr
