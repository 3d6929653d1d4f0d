// Names, parsing, frames and the encoder factory of the codec component.
extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "codec/backends.hpp"
#include "streamopt/error.hpp"
#include "streamopt/ladder.hpp"

namespace streamopt {

VideoFrame VideoFrame::blank(int width, int height, std::int64_t pts) {
  if (width <= 0 || height <= 0 || width % 2 || height % 2 || width > 16384 || height > 16384) {
    throw Error(fmt::format("video frame: {}x{} is not an even size within 2..16384", width, height));
  }
  VideoFrame f;
  f.width = width;
  f.height = height;
  f.pts = pts;
  const auto luma = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  f.y.assign(luma, 16);
  f.u.assign(luma / 4, 128);
  f.v.assign(luma / 4, 128);
  return f;
}

Codec parse_codec(std::string_view text) {
  if (text == "h264" || text == "avc") return Codec::h264;
  if (text == "h265" || text == "hevc") return Codec::h265;
  if (text == "vp8") return Codec::vp8;
  if (text == "vp9") return Codec::vp9;
  if (text == "av1") return Codec::av1;
  throw Error(fmt::format("unknown codec '{}' (known: h264, h265, vp8, vp9, av1)", text));
}

Backend parse_backend(std::string_view text) {
  if (text == "libavcodec" || text == "ffmpeg") return Backend::libavcodec;
  if (text == "libvpx") return Backend::libvpx;
  if (text == "x265") return Backend::x265;
  throw Error(fmt::format("unknown encoder backend '{}' (known: libavcodec, libvpx, x265)", text));
}

RateMode parse_rate_mode(std::string_view text) {
  if (text == "cqp") return RateMode::cqp;
  if (text == "crf") return RateMode::crf;
  if (text == "abr") return RateMode::abr;
  if (text == "cbr") return RateMode::cbr;
  throw Error(fmt::format("unknown rate mode '{}' (known: cqp, crf, abr, cbr)", text));
}

std::string codec_name(Codec codec) {
  switch (codec) {
    case Codec::h264: return "h264";
    case Codec::h265: return "h265";
    case Codec::vp8: return "vp8";
    case Codec::vp9: return "vp9";
    case Codec::av1: return "av1";
  }
  return "?";
}

std::string backend_name(Backend backend) {
  switch (backend) {
    case Backend::libavcodec: return "libavcodec";
    case Backend::libvpx: return "libvpx";
    case Backend::x265: return "x265";
  }
  return "?";
}

std::string keyframe_name(KeyframeKind kind) {
  switch (kind) {
    case KeyframeKind::none: return "none";
    case KeyframeKind::idr: return "idr";
    case KeyframeKind::cra: return "cra";
    case KeyframeKind::key: return "key";
  }
  return "?";
}

std::string rate_change_name(RateChangeMode mode) {
  switch (mode) {
    case RateChangeMode::native: return "native";
    case RateChangeMode::reopen_at_keyframe: return "reopen_at_keyframe";
    case RateChangeMode::unsupported: return "unsupported";
  }
  return "?";
}

namespace codec {

void check_config(const EncoderConfig& c) {
  const std::string who = fmt::format("{} encoder ({})", codec_name(c.codec), backend_name(c.backend));
  if (c.width <= 0 || c.height <= 0 || c.width % 2 || c.height % 2 || c.width > 16384 || c.height > 16384) {
    throw Error(fmt::format("{}: {}x{} is not an even size within 2..16384", who, c.width, c.height));
  }
  if (c.fps <= 0 || c.fps > 240) throw Error(fmt::format("{}: fps {} is not in 1..240", who, c.fps));
  if (c.keyint_frames <= 0) throw Error(fmt::format("{}: keyint_frames must be > 0", who));
  if (c.threads <= 0 || c.threads > 64) throw Error(fmt::format("{}: threads must be in 1..64", who));
  if ((c.rate_mode == RateMode::abr || c.rate_mode == RateMode::cbr) &&
      !(c.target_bps >= 1e3 && c.target_bps <= 1e9 && c.max_bps >= 0 && c.buffer_ms > 0)) {
    throw Error(fmt::format("{}: need 1 kbit/s <= target_bps <= 1 Gbit/s, max_bps >= 0, buffer_ms > 0", who));
  }
  if ((c.rate_mode == RateMode::cqp || c.rate_mode == RateMode::crf) && (c.quality < 0 || c.quality > 63)) {
    throw Error(fmt::format("{}: quality (QP/CRF) {} is not in 0..63", who, c.quality));
  }
}

void check_frame(const EncoderConfig& c, const VideoFrame& f) {
  const auto luma = static_cast<std::size_t>(c.width) * static_cast<std::size_t>(c.height);
  if (f.width != c.width || f.height != c.height || f.y.size() != luma || f.u.size() != luma / 4 ||
      f.v.size() != luma / 4) {
    throw Error(fmt::format("{} encoder: frame {} is {}x{} (planes {}/{}/{}), the encoder was opened for {}x{}",
                            codec_name(c.codec), f.pts, f.width, f.height, f.y.size(), f.u.size(), f.v.size(),
                            c.width, c.height));
  }
}

void copy_plane(const std::uint8_t* src, int width, int height, std::uint8_t* dst, int stride) {
  for (int row = 0; row < height; ++row) {
    std::memcpy(dst + static_cast<std::ptrdiff_t>(row) * stride, src + static_cast<std::ptrdiff_t>(row) * width,
                static_cast<std::size_t>(width));
  }
}

EncoderConfig ladder_encoder_config(const LadderOptions& options, int width, int height, int fps) {
  EncoderConfig c;
  c.codec = options.codec;
  c.backend = options.backend;
  c.av1_encoder = options.av1_encoder;
  c.width = width;
  c.height = height;
  c.fps = fps;
  c.preset = options.preset;
  c.threads = options.threads;
  c.keyint_frames = static_cast<int>(std::llround(options.segment_s * fps));
  c.latency = LatencyMode::vod;
  return c;
}

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

void quiet_libraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_ERROR);
    setenv("SVT_LOG", "1", 0);
  });
}

KeyframeKind nal_keyframe_kind(Codec codec, const std::uint8_t* data, std::size_t size) {
  KeyframeKind kind = KeyframeKind::none;
  for (std::size_t i = 0; i + 3 < size; ++i) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
    const std::uint8_t header = data[i + 3];
    if (codec == Codec::h264) {
      if ((header & 0x1f) == 5) return KeyframeKind::idr;
    } else {
      const int type = (header >> 1) & 0x3f;
      if (type == 19 || type == 20) return KeyframeKind::idr;
      if (type >= 16 && type <= 21) kind = KeyframeKind::cra;  // BLA / CRA
    }
    i += 2;
  }
  return kind;
}

}  // namespace codec

std::unique_ptr<EncoderAdapter> make_encoder(const EncoderConfig& config) {
  codec::check_config(config);
  codec::quiet_libraries();
  switch (config.backend) {
    case Backend::libavcodec: return codec::make_avcodec_encoder(config);
    case Backend::libvpx: return codec::make_vpx_encoder(config);
    case Backend::x265: return codec::make_x265_encoder(config);
  }
  throw Error("unknown encoder backend");
}

}  // namespace streamopt
