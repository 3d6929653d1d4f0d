// EncoderAdapter over libavcodec's wrappers: libx264, libx265, libvpx (VP8,
// VP9), libsvtav1 and libaom-av1. Facts this backend is built around (and
// the tests check): a mid-stream bit_rate change reaches libx264 only, and
// only when VBV was set at open; every other wrapper ignores it, so those are
// re-opened at the next frame, which becomes a keyframe. Keyframes are forced
// with pict_type = I (Debian's libavutil 57 has no AV_FRAME_FLAG_KEY).
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
}

#include <fmt/format.h>

#include <cstring>

#include "codec/backends.hpp"
#include "streamopt/error.hpp"

namespace streamopt::codec {
namespace {

const char* encoder_name(const EncoderConfig& c) {
  switch (c.codec) {
    case Codec::h264: return "libx264";
    case Codec::h265: return "libx265";
    case Codec::vp8: return "libvpx";
    case Codec::vp9: return "libvpx-vp9";
    case Codec::av1: return c.av1_encoder.c_str();
  }
  return "";
}

struct ContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

class AvcodecEncoder final : public EncoderAdapter {
 public:
  explicit AvcodecEncoder(const EncoderConfig& config) : config_(config) {
    const std::string name = encoder_name(config);
    if (config.codec == Codec::av1 && name != "libsvtav1" && name != "libaom-av1") {
      throw Error(fmt::format("av1 encoder (libavcodec): av1_encoder must be libsvtav1 or libaom-av1, got '{}'", name));
    }
    codec_ = avcodec_find_encoder_by_name(name.c_str());
    if (!codec_) throw Error(fmt::format("{} encoder (libavcodec): encoder {} is not available in this libavcodec", codec_name(config.codec), name));
    open();
    frame_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!frame_ || !packet_) throw Error("libavcodec: out of memory");
    frame_->format = AV_PIX_FMT_YUV420P;
    frame_->width = config.width;
    frame_->height = config.height;
    if (av_frame_get_buffer(frame_.get(), 0) < 0) throw Error("libavcodec: cannot allocate a frame");
  }

  std::vector<EncodedPacket> encode(const VideoFrame& f, bool force_keyframe) override {
    check_frame(config_, f);
    if (finished_) throw Error(who() + ": encode() after flush()");
    std::vector<EncodedPacket> out;
    if (reopen_pending_) {
      // Drain the old encoder, then start a new one whose first frame is a keyframe.
      drain(out, true);
      open();
      reopen_pending_ = false;
      force_keyframe = true;
    }
    if (av_frame_make_writable(frame_.get()) < 0) throw Error(who() + ": frame not writable");
    copy_plane(f.y.data(), f.width, f.height, frame_->data[0], frame_->linesize[0]);
    copy_plane(f.u.data(), f.width / 2, f.height / 2, frame_->data[1], frame_->linesize[1]);
    copy_plane(f.v.data(), f.width / 2, f.height / 2, frame_->data[2], frame_->linesize[2]);
    frame_->pts = f.pts;
    last_input_pts_ = f.pts;
    frame_->pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    const int sent = avcodec_send_frame(ctx_.get(), frame_.get());
    if (sent < 0) throw Error(fmt::format("{}: sending frame {}: {}", who(), f.pts, av_error(sent)));
    drain(out, false);
    return out;
  }

  std::vector<EncodedPacket> flush() override {
    std::vector<EncodedPacket> out;
    if (!finished_) drain(out, true);
    finished_ = true;
    return out;
  }

  RateChangeResult set_rates(const RateChange& r) override {
    if (config_.rate_mode == RateMode::cqp || config_.rate_mode == RateMode::crf) return {RateChangeMode::unsupported, next_pts()};
    if (!(r.target_bps >= 1e3)) throw Error(who() + ": set_rates needs target_bps >= 1000");
    config_.target_bps = r.target_bps;
    config_.max_bps = r.max_bps > 0 ? r.max_bps : (config_.rate_mode == RateMode::cbr ? r.target_bps : 0);
    if (r.buffer_ms > 0) config_.buffer_ms = r.buffer_ms;
    const bool new_fps = r.fps > 0 && r.fps != config_.fps;
    if (new_fps) config_.fps = r.fps;  // a new time base needs a new encoder
    if (config_.codec == Codec::h264 && !new_fps) {
      // libx264's wrapper re-reads bit_rate / rc_max_rate / rc_buffer_size on every frame (VBV set at open).
      apply_rates(ctx_.get());
      return {RateChangeMode::native, next_pts()};
    }
    reopen_pending_ = true;
    return {RateChangeMode::reopen_at_keyframe, next_pts()};
  }

  EncoderCapabilities capabilities() const override {
    EncoderCapabilities c;
    c.runtime_rate_change = config_.codec == Codec::h264 && (config_.rate_mode == RateMode::abr || config_.rate_mode == RateMode::cbr);
    c.forced_keyframe = !(config_.codec == Codec::av1 && config_.av1_encoder == "libsvtav1");
    // Live mode: no look-ahead; SVT-AV1's low-delay structure still holds 3 frames (measured).
    c.delay_frames = config_.latency == LatencyMode::live ? (svtav1() ? 3 : 0) : -1;
    return c;
  }

  const EncoderConfig& config() const override { return config_; }

  std::vector<std::uint8_t> extradata() const override {
    if (!ctx_->extradata || ctx_->extradata_size <= 0) return {};
    return {ctx_->extradata, ctx_->extradata + ctx_->extradata_size};
  }

 private:
  std::string who() const { return fmt::format("{} encoder ({})", codec_name(config_.codec), encoder_name(config_)); }

  std::int64_t next_pts() const { return last_input_pts_ + 1; }

  bool svtav1() const { return config_.codec == Codec::av1 && config_.av1_encoder == "libsvtav1"; }

  void apply_rates(AVCodecContext* c) const {
    const double max_bps = config_.max_bps > 0 ? config_.max_bps : config_.target_bps;
    c->bit_rate = static_cast<std::int64_t>(config_.target_bps);
    c->rc_buffer_size = static_cast<int>(max_bps * config_.buffer_ms / 1000.0);
    // SVT-AV1 rejects a max rate equal to the target; its CBR is rc=2 (svtav1-params).
    if (svtav1() && max_bps <= config_.target_bps) return;
    c->rc_max_rate = static_cast<std::int64_t>(max_bps);
    if (config_.rate_mode == RateMode::cbr) c->rc_min_rate = c->bit_rate;
  }

  void set(AVCodecContext* c, const char* key, const std::string& value) {
    const int rc = av_opt_set(c->priv_data, key, value.c_str(), 0);
    if (rc < 0) throw Error(fmt::format("{}: option {}={}: {}", who(), key, value, av_error(rc)));
  }

  // Encoder-specific options for the rate mode, preset, GOP and latency.
  void configure(AVCodecContext* c) {
    const bool live = config_.latency == LatencyMode::live;
    const int q = config_.quality;
    std::string params;  // x264-params / x265-params / svtav1-params
    switch (config_.codec) {
      case Codec::h264:
        set(c, "preset", config_.preset.empty() ? (live ? "veryfast" : "medium") : config_.preset);
        if (live) set(c, "tune", "zerolatency");
        set(c, "forced-idr", "1");
        if (config_.rate_mode == RateMode::cqp) set(c, "qp", std::to_string(q));
        if (config_.rate_mode == RateMode::crf) set(c, "crf", std::to_string(q));
        if (!config_.scene_cut) set(c, "sc_threshold", "0");
        break;
      case Codec::h265:
        set(c, "preset", config_.preset.empty() ? (live ? "ultrafast" : "medium") : config_.preset);
        if (live) set(c, "tune", "zerolatency");
        set(c, "forced-idr", "1");
        if (config_.rate_mode == RateMode::crf) set(c, "crf", std::to_string(q));
        params = "log-level=error:pools=" + std::to_string(config_.threads) + ":frame-threads=" + std::to_string(config_.threads);
        if (config_.rate_mode == RateMode::cqp) params += ":qp=" + std::to_string(q);
        if (config_.rate_mode == RateMode::cbr) params += ":strict-cbr=1";
        if (config_.closed_gop) params += ":open-gop=0";
        if (!config_.scene_cut) params += ":scenecut=0";
        if (config_.lookahead >= 0) params += ":rc-lookahead=" + std::to_string(std::max(config_.lookahead, 1));
        set(c, "x265-params", params);
        break;
      case Codec::vp8:
      case Codec::vp9:
        set(c, "deadline", live ? "realtime" : "good");
        set(c, "cpu-used", config_.preset.empty() ? (live ? "8" : "4") : config_.preset);
        if (live) set(c, "lag-in-frames", "0");
        if (config_.rate_mode == RateMode::crf || config_.rate_mode == RateMode::cqp) {
          set(c, "crf", std::to_string(q));
          c->bit_rate = 0;
          if (config_.rate_mode == RateMode::cqp) c->qmin = c->qmax = q;
        }
        break;
      case Codec::av1:
        if (config_.av1_encoder == "libsvtav1") {
          set(c, "preset", config_.preset.empty() ? (live ? "12" : "8") : config_.preset);
          if (config_.rate_mode == RateMode::crf) set(c, "crf", std::to_string(q));
          if (config_.rate_mode == RateMode::cqp) set(c, "qp", std::to_string(q));
          params = "scd=" + std::string(config_.scene_cut ? "1" : "0") + ":lp=" + std::to_string(config_.threads);
          if (live) params += ":pred-struct=1";
          if (config_.rate_mode == RateMode::cbr) params += ":rc=2";
          set(c, "svtav1-params", params);
        } else {
          set(c, "cpu-used", config_.preset.empty() ? (live ? "8" : "6") : config_.preset);
          if (live) set(c, "usage", "realtime");
          if (config_.rate_mode == RateMode::crf || config_.rate_mode == RateMode::cqp) {
            set(c, "crf", std::to_string(q));
            c->bit_rate = 0;
          }
        }
        break;
    }
    for (const auto& [key, value] : config_.extra) set(c, key.c_str(), value);
  }

  void open() {
    ctx_.reset(avcodec_alloc_context3(codec_));
    if (!ctx_) throw Error("libavcodec: out of memory");
    AVCodecContext* c = ctx_.get();
    c->width = config_.width;
    c->height = config_.height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = {1, config_.fps};
    c->framerate = {config_.fps, 1};
    c->gop_size = config_.keyint_frames;
    c->keyint_min = config_.keyint_frames;
    c->thread_count = config_.threads;
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // headers in extradata, for containers
    const bool live = config_.latency == LatencyMode::live;
    if (config_.bframes >= 0 || live) c->max_b_frames = live ? 0 : config_.bframes;
    if (config_.rate_mode == RateMode::abr || config_.rate_mode == RateMode::cbr) apply_rates(c);
    if (config_.closed_gop) c->flags |= AV_CODEC_FLAG_CLOSED_GOP;
    configure(c);
    const int rc = avcodec_open2(c, codec_, nullptr);
    if (rc < 0) throw Error(fmt::format("{}: cannot open {}x{}: {}", who(), config_.width, config_.height, av_error(rc)));
  }

  void drain(std::vector<EncodedPacket>& out, bool flushing) {
    if (flushing) avcodec_send_frame(ctx_.get(), nullptr);
    for (;;) {
      const int rc = avcodec_receive_packet(ctx_.get(), packet_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) throw Error(fmt::format("{}: {}", who(), av_error(rc)));
      EncodedPacket p;
      p.data.assign(packet_->data, packet_->data + packet_->size);
      p.pts = packet_->pts;
      p.dts = packet_->dts;
      if (packet_->flags & AV_PKT_FLAG_KEY) {
        p.keyframe = (config_.codec == Codec::h264 || config_.codec == Codec::h265)
                         ? nal_keyframe_kind(config_.codec, p.data.data(), p.data.size())
                         : KeyframeKind::key;
        if (p.keyframe == KeyframeKind::none) p.keyframe = KeyframeKind::key;
      }
      std::size_t stats_size = 0;
      const std::uint8_t* stats = av_packet_get_side_data(packet_.get(), AV_PKT_DATA_QUALITY_STATS, &stats_size);
      // libaom-av1's wrapper fills the statistics with zeros: no QP from it.
      const bool reports_qp = !(config_.codec == Codec::av1 && config_.av1_encoder == "libaom-av1");
      if (reports_qp && stats && stats_size >= 4) {
        std::int32_t quality = 0;
        std::memcpy(&quality, stats, 4);
        p.qp = static_cast<double>(quality) / FF_QP2LAMBDA;
      }
      out.push_back(std::move(p));
      av_packet_unref(packet_.get());
    }
  }

  EncoderConfig config_;
  const AVCodec* codec_ = nullptr;
  std::unique_ptr<AVCodecContext, ContextFree> ctx_;
  std::unique_ptr<AVFrame, FrameFree> frame_;
  std::unique_ptr<AVPacket, PacketFree> packet_;
  std::int64_t last_input_pts_ = -1;
  bool reopen_pending_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<EncoderAdapter> make_avcodec_encoder(const EncoderConfig& config) {
  return std::make_unique<AvcodecEncoder>(config);
}

}  // namespace streamopt::codec
