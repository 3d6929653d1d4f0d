// Real encoder frame sizes for the link simulator's media flows.
#include <fmt/format.h>

#include <cmath>

#include "streamopt/error.hpp"
#include "streamopt/ladder.hpp"

namespace streamopt {
namespace {

constexpr double kRetargetFraction = 0.05;  // set_rates when the target moves by more than this

class EncoderFrameSource final : public FrameSource {
 public:
  EncoderFrameSource(EncoderConfig config, std::function<std::unique_ptr<VideoSource>()> open_video)
      : open_video_(std::move(open_video)) {
    if (!open_video_) throw Error("encoder frame source: no video");
    video_ = open_video_();
    config.latency = LatencyMode::live;
    if (config.width == 0) config.width = video_->width();
    if (config.height == 0) config.height = video_->height();
    if (config.rate_mode != RateMode::abr && config.rate_mode != RateMode::cbr) config.rate_mode = RateMode::cbr;
    if (config.width != video_->width() || config.height != video_->height()) {
      scaler_ = std::make_unique<FrameScaler>(video_->width(), video_->height(), config.width, config.height);
    }
    encoder_ = make_encoder(config);
    target_bps_ = config.target_bps;
    name_ = fmt::format("{}/{} {}x{}", codec_name(config.codec), backend_name(config.backend), config.width, config.height);
  }

  std::uint64_t next_frame_bytes(std::int64_t index, double target_bps) override {
    if (target_bps >= 1e3 && std::fabs(target_bps - target_bps_) > kRetargetFraction * target_bps_) {
      encoder_->set_rates({target_bps, 0, 0});
      target_bps_ = target_bps;
    }
    VideoFrame frame;
    if (!video_->next(frame)) {
      video_ = open_video_();
      if (!video_->next(frame)) throw Error("encoder frame source: the video has no frames");
    }
    frame.pts = index;
    std::uint64_t bytes = 0;
    for (const EncodedPacket& p : encoder_->encode(scaler_ ? scaler_->scale(frame) : frame, index == 0)) bytes += p.data.size();
    return bytes;
  }

  std::string name() const override { return name_; }

 private:
  std::function<std::unique_ptr<VideoSource>()> open_video_;
  std::unique_ptr<VideoSource> video_;
  std::unique_ptr<FrameScaler> scaler_;
  std::unique_ptr<EncoderAdapter> encoder_;
  double target_bps_ = 0;
  std::string name_;
};

}  // namespace

std::unique_ptr<FrameSource> make_encoder_frame_source(EncoderConfig config,
                                                       std::function<std::unique_ptr<VideoSource>()> open_video) {
  return std::make_unique<EncoderFrameSource>(std::move(config), std::move(open_video));
}

}  // namespace streamopt
