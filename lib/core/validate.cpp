#include "streamopt/validate.hpp"

#include <fmt/format.h>

#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt {

namespace {


void check_rung(std::size_t rung, const Manifest& m, const char* field) {
  if (rung >= m.rung_count()) {
    throw Error(fmt::format("{} = {} is not a rung of this {}-rung ladder", field, rung, m.rung_count()));
  }
}

void check_range(double value, double low, double high, const char* field) {
  if (!std::isfinite(value) || value < low || value > high) {
    throw Error(fmt::format("{} = {} must be a finite number in [{:g}, {:g}]", field, value, low, high));
  }
}

}  // namespace

const DownloadReport& check_report(const DownloadReport& r, const Manifest& m) {
  if (r.segment >= m.segment_count()) {
    throw Error(fmt::format("report.segment = {} is not a segment of this {}-segment title", r.segment,
                            m.segment_count()));
  }
  check_rung(r.rung, m, "report.rung");
  if (r.size_bytes == 0 || r.size_bytes > kMaxSegmentSizeBytes) {
    throw Error(fmt::format("report.size_bytes = {} must be in [1, {}]", r.size_bytes, kMaxSegmentSizeBytes));
  }
  if (!std::isfinite(r.start_time_s)) throw Error(fmt::format("report.start_time_s = {} must be finite", r.start_time_s));
  check_range(r.download_time_s, kMinDownloadTimeS, kMaxSessionTimeS, "report.download_time_s");
  if (r.transfer_time_s != 0) check_range(r.transfer_time_s, kMinDownloadTimeS, r.download_time_s, "report.transfer_time_s");
  return r;
}

const PlayerState& check_state(const PlayerState& s, const Manifest& m) {
  if (!std::isfinite(s.now_s)) throw Error(fmt::format("state.now_s = {} must be finite", s.now_s));
  check_range(s.buffer_s, 0.0, kMaxSessionTimeS, "state.buffer_s");
  if (s.next_segment >= m.segment_count()) {
    throw Error(fmt::format("state.next_segment = {} is not a segment of this {}-segment title", s.next_segment,
                            m.segment_count()));
  }
  const std::size_t after = m.segment_count() - s.next_segment;
  if (s.segments_left > after) {
    throw Error(fmt::format("state.segments_left = {} but only {} segments remain from segment {}", s.segments_left,
                            after, s.next_segment));
  }
  if (s.last_rung != kNoRung) check_rung(s.last_rung, m, "state.last_rung");
  if (s.live) {
    check_range(s.latency_s, 0.0, kMaxSessionTimeS, "state.latency_s");
    check_range(s.target_latency_s, 0.0, kMaxSessionTimeS, "state.target_latency_s");
    check_range(s.live_edge_s, 0.0, kMaxSessionTimeS, "state.live_edge_s");
    check_range(s.playback_rate, 0.1, 10.0, "state.playback_rate");
  }
  return s;
}

namespace {

class CheckedController final : public AbrController {
 public:
  CheckedController(std::unique_ptr<AbrController> inner, std::shared_ptr<const Manifest> manifest)
      : inner_(std::move(inner)), manifest_(std::move(manifest)) {}
  void on_download(const DownloadReport& report) override { inner_->on_download(check_report(report, *manifest_)); }
  Decision decide(const PlayerState& state) override {
    Decision d = inner_->decide(check_state(state, *manifest_));
    if (d.rung >= manifest_->rung_count() || !std::isfinite(d.delay_s) || d.delay_s < 0) {
      throw Error(fmt::format("controller {} decided rung {} with delay {} s for a {}-rung ladder", inner_->name(),
                              d.rung, d.delay_s, manifest_->rung_count()));
    }
    if (!std::isfinite(d.playback_rate) || d.playback_rate < 0) {
      throw Error(fmt::format("controller {} asked for playback rate {}", inner_->name(), d.playback_rate));
    }
    return d;
  }
  std::size_t should_abandon(const DownloadProgress& progress) override {
    const std::size_t rung = inner_->should_abandon(progress);
    if (rung != kNoRung && rung >= manifest_->rung_count()) {
      throw Error(fmt::format("controller {} abandoned for rung {} of a {}-rung ladder", inner_->name(), rung,
                              manifest_->rung_count()));
    }
    return rung;
  }
  [[nodiscard]] bool may_abandon() const override { return inner_->may_abandon(); }
  double playback_rate(const PlayerState& state) override {
    const double rate = inner_->playback_rate(state);
    if (!std::isfinite(rate) || rate < 0) {
      throw Error(fmt::format("controller {} asked for playback rate {}", inner_->name(), rate));
    }
    return rate;
  }
  void reset() override { inner_->reset(); }
  [[nodiscard]] std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<AbrController> inner_;
  std::shared_ptr<const Manifest> manifest_;
};

}  // namespace

std::unique_ptr<AbrController> checked_controller(std::unique_ptr<AbrController> controller,
                                                  std::shared_ptr<const Manifest> manifest) {
  if (!controller || !manifest) throw Error("checked_controller: controller and manifest are required");
  return std::make_unique<CheckedController>(std::move(controller), std::move(manifest));
}

}  // namespace streamopt
