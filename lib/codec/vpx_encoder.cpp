// EncoderAdapter over native libvpx (VP8, VP9): `vpx_codec_enc_config_set()`
// with a new `rc_target_bitrate` takes effect on the running encoder, which
// is what a live sender needs (CBR, g_lag_in_frames = 0, realtime deadline).
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <fmt/format.h>

#include <cmath>

#include "codec/backends.hpp"
#include "streamopt/error.hpp"

namespace streamopt::codec {
namespace {

class VpxEncoder final : public EncoderAdapter {
 public:
  explicit VpxEncoder(const EncoderConfig& config) : config_(config) {
    if (config.codec != Codec::vp8 && config.codec != Codec::vp9) {
      throw Error(fmt::format("{} encoder (libvpx): the native libvpx backend encodes vp8 and vp9 only", codec_name(config.codec)));
    }
    vpx_codec_iface_t* iface = config.codec == Codec::vp8 ? vpx_codec_vp8_cx() : vpx_codec_vp9_cx();
    if (vpx_codec_enc_config_default(iface, &cfg_, 0) != VPX_CODEC_OK) throw Error(who() + ": no default configuration");
    const bool live = config.latency == LatencyMode::live;
    cfg_.g_w = static_cast<unsigned>(config.width);
    cfg_.g_h = static_cast<unsigned>(config.height);
    cfg_.g_timebase = {1, config.fps};
    cfg_.g_threads = static_cast<unsigned>(config.threads);
    cfg_.g_lag_in_frames = live ? 0 : static_cast<unsigned>(config.lookahead >= 0 ? config.lookahead : 25);
    cfg_.g_pass = VPX_RC_ONE_PASS;
    cfg_.kf_mode = VPX_KF_AUTO;
    cfg_.kf_min_dist = static_cast<unsigned>(config.keyint_frames);
    cfg_.kf_max_dist = static_cast<unsigned>(config.keyint_frames);
    switch (config.rate_mode) {
      case RateMode::cqp:
        cfg_.rc_end_usage = VPX_Q;
        cfg_.rc_min_quantizer = cfg_.rc_max_quantizer = static_cast<unsigned>(config.quality);
        break;
      case RateMode::crf:
        cfg_.rc_end_usage = config.codec == Codec::vp8 ? VPX_CQ : VPX_Q;
        break;
      case RateMode::abr:
        cfg_.rc_end_usage = VPX_VBR;
        break;
      case RateMode::cbr:
        cfg_.rc_end_usage = VPX_CBR;
        break;
    }
    apply_rates();
    iface_ = iface;
    open();
    deadline_ = live ? VPX_DL_REALTIME : VPX_DL_GOOD_QUALITY;
    if (!vpx_img_alloc(&image_, VPX_IMG_FMT_I420, cfg_.g_w, cfg_.g_h, 1)) throw Error(who() + ": out of memory");
    image_allocated_ = true;
  }

  ~VpxEncoder() override {
    if (image_allocated_) vpx_img_free(&image_);
    if (open_) vpx_codec_destroy(&ctx_);
  }
  VpxEncoder(const VpxEncoder&) = delete;
  VpxEncoder& operator=(const VpxEncoder&) = delete;

  std::vector<EncodedPacket> encode(const VideoFrame& f, bool force_keyframe) override {
    check_frame(config_, f);
    if (finished_) throw Error(who() + ": encode() after flush()");
    std::vector<EncodedPacket> drained;
    if (reopen_pending_) {
      // A new frame rate: drain, then re-open with the new time base; the next frame is a keyframe.
      drained = drain();
      vpx_codec_destroy(&ctx_);
      open_ = false;
      cfg_.g_timebase = {1, config_.fps};
      open();
      reopen_pending_ = false;
      force_keyframe = true;
    }
    copy_plane(f.y.data(), f.width, f.height, image_.planes[VPX_PLANE_Y], image_.stride[VPX_PLANE_Y]);
    copy_plane(f.u.data(), f.width / 2, f.height / 2, image_.planes[VPX_PLANE_U], image_.stride[VPX_PLANE_U]);
    copy_plane(f.v.data(), f.width / 2, f.height / 2, image_.planes[VPX_PLANE_V], image_.stride[VPX_PLANE_V]);
    last_input_pts_ = f.pts;
    const vpx_enc_frame_flags_t flags = force_keyframe ? VPX_EFLAG_FORCE_KF : 0;
    if (vpx_codec_encode(&ctx_, &image_, f.pts, 1, flags, deadline_) != VPX_CODEC_OK) {
      throw Error(fmt::format("{}: frame {}: {}", who(), f.pts, vpx_codec_error(&ctx_)));
    }
    for (auto& p : collect()) drained.push_back(std::move(p));
    return drained;
  }

  std::vector<EncodedPacket> flush() override {
    if (finished_) return {};
    finished_ = true;
    return drain();
  }

  RateChangeResult set_rates(const RateChange& r) override {
    if (config_.rate_mode == RateMode::cqp || config_.rate_mode == RateMode::crf) return {RateChangeMode::unsupported, last_input_pts_ + 1};
    if (!(r.target_bps >= 1e3)) throw Error(who() + ": set_rates needs target_bps >= 1000");
    config_.target_bps = r.target_bps;
    config_.max_bps = r.max_bps;
    if (r.buffer_ms > 0) config_.buffer_ms = r.buffer_ms;
    apply_rates();
    if (r.fps > 0 && r.fps != config_.fps) {
      config_.fps = r.fps;  // the time base changes: re-open at the next frame
      reopen_pending_ = true;
      return {RateChangeMode::reopen_at_keyframe, last_input_pts_ + 1};
    }
    if (vpx_codec_enc_config_set(&ctx_, &cfg_) != VPX_CODEC_OK) {
      throw Error(fmt::format("{}: set_rates: {}", who(), vpx_codec_error(&ctx_)));
    }
    return {RateChangeMode::native, last_input_pts_ + 1};
  }

  EncoderCapabilities capabilities() const override {
    EncoderCapabilities c;
    c.runtime_rate_change = config_.rate_mode == RateMode::abr || config_.rate_mode == RateMode::cbr;
    c.forced_keyframe = true;
    c.delay_frames = static_cast<int>(cfg_.g_lag_in_frames);
    return c;
  }

  const EncoderConfig& config() const override { return config_; }
  std::vector<std::uint8_t> extradata() const override { return {}; }

 private:
  std::string who() const { return fmt::format("{} encoder (libvpx)", codec_name(config_.codec)); }

  void open() {
    if (vpx_codec_enc_init(&ctx_, iface_, &cfg_, 0) != VPX_CODEC_OK) {
      throw Error(fmt::format("{}: cannot open {}x{}: {}", who(), config_.width, config_.height, vpx_codec_error(&ctx_)));
    }
    open_ = true;
    const bool live = config_.latency == LatencyMode::live;
    const int speed = config_.preset.empty() ? (live ? 8 : 4) : std::stoi(config_.preset);
    control(VP8E_SET_CPUUSED, speed);
    if (config_.rate_mode == RateMode::crf) control(VP8E_SET_CQ_LEVEL, config_.quality);
    if (config_.codec == Codec::vp9 && config_.threads > 1) control(VP9E_SET_ROW_MT, 1);
  }

  // Everything the encoder still holds.
  std::vector<EncodedPacket> drain() {
    std::vector<EncodedPacket> out;
    for (;;) {
      if (vpx_codec_encode(&ctx_, nullptr, 0, 1, 0, deadline_) != VPX_CODEC_OK) break;
      auto more = collect();
      if (more.empty()) break;
      for (auto& p : more) out.push_back(std::move(p));
    }
    return out;
  }

  template <class T>
  void control(int id, T value) {
    if (vpx_codec_control_(&ctx_, id, value) != VPX_CODEC_OK) {
      throw Error(fmt::format("{}: control {}: {}", who(), id, vpx_codec_error(&ctx_)));
    }
  }

  void apply_rates() {
    if (config_.rate_mode != RateMode::abr && config_.rate_mode != RateMode::cbr) return;
    cfg_.rc_target_bitrate = static_cast<unsigned>(std::lround(config_.target_bps / 1e3));
    const auto buffer = static_cast<unsigned>(std::lround(config_.buffer_ms));
    cfg_.rc_buf_sz = buffer;
    cfg_.rc_buf_initial_sz = buffer / 2;
    cfg_.rc_buf_optimal_sz = buffer * 3 / 5;
    if (config_.max_bps > 0 && config_.target_bps > 0) {
      cfg_.rc_2pass_vbr_maxsection_pct = static_cast<unsigned>(std::lround(100 * config_.max_bps / config_.target_bps));
    }
  }

  std::vector<EncodedPacket> collect() {
    std::vector<EncodedPacket> out;
    vpx_codec_iter_t iter = nullptr;
    while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&ctx_, &iter)) {
      if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      EncodedPacket p;
      const auto* bytes = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
      p.data.assign(bytes, bytes + pkt->data.frame.sz);
      p.pts = p.dts = pkt->data.frame.pts;
      p.keyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) ? KeyframeKind::key : KeyframeKind::none;
      int q = -1;
      if (vpx_codec_control_(&ctx_, VP8E_GET_LAST_QUANTIZER_64, &q) == VPX_CODEC_OK) p.qp = q;
      out.push_back(std::move(p));
    }
    return out;
  }

  EncoderConfig config_;
  vpx_codec_enc_cfg_t cfg_{};
  vpx_codec_ctx_t ctx_{};
  vpx_image_t image_{};
  bool open_ = false;
  bool image_allocated_ = false;
  bool finished_ = false;
  bool reopen_pending_ = false;
  vpx_codec_iface_t* iface_ = nullptr;
  unsigned long deadline_ = VPX_DL_REALTIME;
  std::int64_t last_input_pts_ = -1;
};

}  // namespace

std::unique_ptr<EncoderAdapter> make_vpx_encoder(const EncoderConfig& config) {
  return std::make_unique<VpxEncoder>(config);
}

}  // namespace streamopt::codec
