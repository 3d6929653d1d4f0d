#pragma once
/// \file codec.hpp
/// The codec component (`streamopt::codec`, CMake option STREAMOPT_WITH_CODECS):
/// one `EncoderAdapter` interface over libavcodec (H.264/x264, H.265/x265,
/// VP9/libvpx, AV1/SVT-AV1 or libaom), native libvpx (VP8, VP9) and native
/// x265, with runtime rate changes for live senders.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt {

/// A raw 8-bit 4:2:0 frame (I420), planes packed without padding.
struct VideoFrame {
  int width = 0;                 ///< luma width, even
  int height = 0;                ///< luma height, even
  std::int64_t pts = 0;          ///< presentation time in frames (time base 1/fps)
  std::vector<std::uint8_t> y;   ///< width x height
  std::vector<std::uint8_t> u;   ///< width/2 x height/2
  std::vector<std::uint8_t> v;   ///< width/2 x height/2
  /// An allocated black frame; throws `Error` on odd or non-positive sizes.
  static VideoFrame blank(int width, int height, std::int64_t pts = 0);
};

/// Video codecs.
enum class Codec { h264, h265, vp8, vp9, av1 };
/// Encoder implementations.
enum class Backend {
  libavcodec,  ///< FFmpeg's wrappers (libx264, libx265, libvpx-vp9, libsvtav1 / libaom-av1)
  libvpx,      ///< native `vpx_codec_enc_*` (VP8, VP9), real-time rate control
  x265,        ///< native `x265_encoder_*` (H.265)
};
/// Rate control.
enum class RateMode {
  cqp,  ///< constant quantiser (`quality` = QP)
  crf,  ///< constant quality (`quality` = CRF / CQ level)
  abr,  ///< average bitrate capped by a VBV (`target_bps`, `max_bps`, `buffer_ms`)
  cbr,  ///< constant bitrate (`target_bps`, buffer `buffer_ms`)
};
/// Latency trade-off.
enum class LatencyMode {
  vod,   ///< look-ahead and B-frames allowed
  live,  ///< no look-ahead, no B-frames, no frame delay beyond the encoder's minimum
};

/// Parses "h264", "h265"/"hevc", "vp8", "vp9", "av1"; throws `Error` otherwise.
Codec parse_codec(std::string_view text);
/// Parses "libavcodec"/"ffmpeg", "libvpx", "x265"; throws `Error` otherwise.
Backend parse_backend(std::string_view text);
/// Parses "cqp", "crf", "abr", "cbr"; throws `Error` otherwise.
RateMode parse_rate_mode(std::string_view text);
/// "h264", "h265", "vp8", "vp9", "av1".
std::string codec_name(Codec codec);
/// "libavcodec", "libvpx", "x265".
std::string backend_name(Backend backend);

/// Everything an encoder is opened with.
struct EncoderConfig {
  Codec codec = Codec::h264;              ///< what to produce
  Backend backend = Backend::libavcodec;  ///< which implementation
  int width = 0;                          ///< even, > 0
  int height = 0;                         ///< even, > 0
  int fps = 25;                           ///< frames per second (time base 1/fps)
  RateMode rate_mode = RateMode::abr;     ///< rate control
  double target_bps = 1e6;                ///< abr / cbr target
  double max_bps = 0;                     ///< VBV max rate (0: target_bps)
  double buffer_ms = 1000;                ///< VBV buffer in milliseconds of max rate
  int quality = 23;                       ///< QP (cqp) or CRF (crf)
  std::string preset;                     ///< encoder preset / speed ("" = the backend's default for the latency mode)
  int keyint_frames = 100;                ///< keyframe interval in frames
  bool closed_gop = true;                 ///< IDR-only GOPs (x265: open-gop=0)
  bool scene_cut = false;                 ///< scene-cut keyframes (off keeps segments aligned)
  int bframes = -1;                       ///< B-frames (-1: encoder default for VOD, 0 for live)
  int lookahead = -1;                     ///< look-ahead frames (-1: encoder default for VOD, 0 for live)
  LatencyMode latency = LatencyMode::vod; ///< VOD or live
  int threads = 1;                        ///< encoder threads (the 2 vCPUs behave like one core)
  std::string av1_encoder = "libsvtav1";  ///< libavcodec AV1: libsvtav1 or libaom-av1
  std::map<std::string, std::string> extra;  ///< backend options passed through (libavcodec: av_opt / x265: param_parse)
};

/// How a keyframe starts decoding.
enum class KeyframeKind { none, idr, cra, key };
/// "none", "idr", "cra", "key".
std::string keyframe_name(KeyframeKind kind);

/// One compressed frame.
struct EncodedPacket {
  std::vector<std::uint8_t> data;          ///< bitstream (Annex B for H.264/H.265, frames for VP8/VP9, OBUs for AV1)
  std::int64_t pts = 0;                    ///< presentation time in frames
  std::int64_t dts = 0;                    ///< decode time in frames
  KeyframeKind keyframe = KeyframeKind::none;  ///< random-access point kind
  double qp = -1;                          ///< average QP where the encoder reports it, else -1
};

/// New rates for a running encoder.
struct RateChange {
  double target_bps = 0;  ///< new target
  double max_bps = 0;     ///< new VBV max (0: target)
  double buffer_ms = 0;   ///< new VBV buffer (0: unchanged)
  int fps = 0;            ///< new frame rate (0: unchanged); a change re-opens the encoder at the next frame
};

/// How `set_rates` applied a change.
enum class RateChangeMode {
  native,              ///< the running encoder took it
  reopen_at_keyframe,  ///< the encoder is re-opened at the next frame, which becomes a keyframe
  unsupported,         ///< ignored (rate mode without a target)
};
/// "native", "reopen_at_keyframe", "unsupported".
std::string rate_change_name(RateChangeMode mode);

/// The outcome of `set_rates`.
struct RateChangeResult {
  RateChangeMode mode = RateChangeMode::unsupported;  ///< how
  std::int64_t effective_pts = 0;                     ///< first frame the new rates govern
};

/// What a backend can do, as verified by the tests.
struct EncoderCapabilities {
  bool runtime_rate_change = false;  ///< set_rates works natively
  bool forced_keyframe = false;      ///< encode(..., true) yields a keyframe on that frame
  int delay_frames = 0;              ///< frames in before the first packet comes out; -1: depends on look-ahead (VOD)
};

/// Interface of every encoder. Frames go in presentation order; packets come
/// out in decode order. Not thread-safe; one instance per stream.
class EncoderAdapter {
 public:
  virtual ~EncoderAdapter() = default;
  /// Encodes one frame (its size must be the configured one; throws `Error`
  /// otherwise); `force_keyframe` makes it a random-access point.
  virtual std::vector<EncodedPacket> encode(const VideoFrame& frame, bool force_keyframe = false) = 0;
  /// Drains the encoder; no more frames may follow.
  virtual std::vector<EncodedPacket> flush() = 0;
  /// Changes rates from the next frame on.
  virtual RateChangeResult set_rates(const RateChange& rates) = 0;
  /// The backend's abilities for this configuration.
  [[nodiscard]] virtual EncoderCapabilities capabilities() const = 0;
  /// The configuration in force (after rate changes).
  [[nodiscard]] virtual const EncoderConfig& config() const = 0;
  /// Codec extradata for containers (avcC/hvcC-style headers; may be empty).
  [[nodiscard]] virtual std::vector<std::uint8_t> extradata() const = 0;
};

/// Opens an encoder; throws `Error` naming the codec, backend and reason
/// (unsupported pair, odd dimensions, encoder missing, bad option).
std::unique_ptr<EncoderAdapter> make_encoder(const EncoderConfig& config);

}  // namespace streamopt
