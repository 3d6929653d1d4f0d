// dash.js's DYNAMIC strategy: the throughput rule while the buffer is low,
// BOLA-E once it is above the stable buffer time (12 s), back to throughput
// below half of it (hysteresis against oscillating between rules).
#include <fmt/format.h>

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

}  // namespace

std::unique_ptr<AbrController> make_dynamic(const BuildContext& context, const OptionMap& options) {
  const double stable = ranged_option(options, "stable_buffer_s", 12.0, 0.1, 1e5);
  const auto predictor = options.get_string("predictor", "ewma");
  return std::make_unique<Dynamic>(context.make_abr(fmt::format("rate:predictor={}", predictor)),
                                   context.make_abr(fmt::format("bola:predictor={}", predictor)), stable,
                                   0.5 * stable);
}

}  // namespace streamopt::abr
