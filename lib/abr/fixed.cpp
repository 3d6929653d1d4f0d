// Fixed: always the same rung (a baseline and a tool for tests).
#include <fmt/format.h>

#include "abr/builtin.hpp"
#include "streamopt/error.hpp"

namespace streamopt::abr {

std::size_t highest_rung_below(const Manifest& manifest, double rate_bps) {
  std::size_t rung = 0;
  for (std::size_t r = 1; r < manifest.rung_count(); ++r) {
    if (manifest.rungs()[r].bitrate_bps <= rate_bps) rung = r;
  }
  return rung;
}

std::size_t rung_option(const Manifest& manifest, const OptionMap& options, const char* key,
                        std::size_t fallback) {
  const auto value = options.get_int(key, static_cast<std::int64_t>(fallback));
  if (value < 0 || static_cast<std::size_t>(value) >= manifest.rung_count()) {
    throw Error(fmt::format("{}: option {}={} is not a rung of this {}-rung ladder", options.owner(),
                            key, value, manifest.rung_count()));
  }
  return static_cast<std::size_t>(value);
}

double ranged_option(const OptionMap& options, const char* key, double fallback, double low,
                     double high) {
  const double value = options.get_double(key, fallback);
  if (!(value >= low && value <= high)) {
    throw Error(fmt::format("{}: option {}={} is outside [{}, {}]", options.owner(), key, value, low,
                            high));
  }
  return value;
}

namespace {

class Fixed final : public AbrController {
 public:
  explicit Fixed(std::size_t rung) : rung_(rung) {}
  void on_download(const DownloadReport&) override {}
  Decision decide(const PlayerState& state) override {
    Decision d;
    d.rung = rung_;
    d.reasons.rule = "fixed";
    d.reasons.buffer_s = state.buffer_s;
    return d;
  }
  void reset() override {}
  [[nodiscard]] std::string name() const override { return "fixed"; }

 private:
  std::size_t rung_;
};

}  // namespace

std::unique_ptr<AbrController> make_fixed(const BuildContext& context, const OptionMap& options) {
  return std::make_unique<Fixed>(rung_option(context.manifest(), options, "rung", 0));
}

}  // namespace streamopt::abr
