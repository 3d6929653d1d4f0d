#pragma once
/// \file video_io.hpp
/// Video sources (files through libavformat, a synthetic moving pattern),
/// scaling (libswscale), decoding encoded packets back, and quality metrics
/// computed the way ffmpeg's `psnr` and `ssim` filters compute them.
/// Part of the codec component.

#include <filesystem>
#include <memory>
#include <vector>

#include "streamopt/codec.hpp"

namespace streamopt {

/// Frames in presentation order.
class VideoSource {
 public:
  virtual ~VideoSource() = default;
  /// The next frame (pts counts frames from 0), or false at the end.
  virtual bool next(VideoFrame& frame) = 0;
  /// Luma width of the frames.
  [[nodiscard]] virtual int width() const = 0;
  /// Luma height of the frames.
  [[nodiscard]] virtual int height() const = 0;
  /// Frames per second (rounded).
  [[nodiscard]] virtual int fps() const = 0;
};

/// Decodes the concatenation of `paths` (e.g. an fMP4 `init.mp4` followed by
/// its `seg_N.m4s` files, or one ordinary file) with libavformat/libavcodec,
/// converting to I420 (odd sizes are cropped to even). Throws `Error` naming
/// the file on a missing file, an unknown format, no video stream or a
/// corrupt stream.
std::unique_ptr<VideoSource> open_video_files(const std::vector<std::filesystem::path>& paths);

/// A synthetic moving pattern (gradients, a moving box, seeded noise):
/// `frames` frames of `width` x `height` at `fps`.
std::unique_ptr<VideoSource> synthetic_video(int width, int height, int fps, int frames, std::uint64_t seed = 1);

/// Scales I420 frames with libswscale (bicubic).
class FrameScaler {
 public:
  /// Throws `Error` on odd or non-positive sizes.
  FrameScaler(int src_width, int src_height, int dst_width, int dst_height);
  ~FrameScaler();
  FrameScaler(const FrameScaler&) = delete;
  FrameScaler& operator=(const FrameScaler&) = delete;
  /// The scaled frame (same pts); a copy when the sizes are equal.
  [[nodiscard]] VideoFrame scale(const VideoFrame& in) const;

 private:
  int src_w_, src_h_, dst_w_, dst_h_;
  struct SwsContext* sws_ = nullptr;
};

/// Decodes packets of one stream back to I420 frames (libavcodec; dav1d or
/// libaom for AV1).
class VideoDecoder {
 public:
  /// Throws `Error` when no decoder exists for `codec`.
  VideoDecoder(Codec codec, const std::vector<std::uint8_t>& extradata);
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;
  /// Frames completed by this packet (throws `Error` on a corrupt packet).
  std::vector<VideoFrame> decode(const EncodedPacket& packet);
  /// Frames still held.
  std::vector<VideoFrame> flush();

 private:
  std::vector<VideoFrame> receive();
  struct AVCodecContext* ctx_ = nullptr;
  struct AVFrame* frame_ = nullptr;
  struct AVPacket* packet_ = nullptr;
};

/// Mean squared error of the luma planes (same size, else `Error`).
double luma_mse(const VideoFrame& reference, const VideoFrame& test);
/// 10 log10(255^2 / mse), capped at 100 dB for identical frames.
double psnr_db(double mse);
/// SSIM of the luma planes as ffmpeg's `ssim` filter (and x264) computes it:
/// 8x8 windows on a 4-pixel grid from 4x4 block sums, averaged.
double luma_ssim(const VideoFrame& reference, const VideoFrame& test);

/// Accumulates per-frame quality the way ffmpeg's filters summarise it.
struct QualityStats {
  std::size_t frames = 0;        ///< frames compared
  double mse_sum = 0;            ///< sum of luma MSEs
  double worst_psnr_db = 1e9;    ///< lowest per-frame PSNR-Y
  double ssim_sum = 0;           ///< sum of per-frame SSIM-Y
  /// Adds one frame pair.
  void add(const VideoFrame& reference, const VideoFrame& test);
  /// PSNR-Y from the mean MSE (ffmpeg's `psnr` summary).
  [[nodiscard]] double mean_psnr_db() const;
  /// Mean SSIM-Y (ffmpeg's `ssim` summary).
  [[nodiscard]] double mean_ssim() const;
};

}  // namespace streamopt
