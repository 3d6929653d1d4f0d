// Video sources (libavformat files, synthetic pattern), libswscale scaling
// and libavcodec decoding of encoded packets.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include <unistd.h>

#include "codec/backends.hpp"
#include "streamopt/error.hpp"
#include "streamopt/video_io.hpp"

namespace streamopt {
namespace {

using codec::av_error;

// Copies an AVFrame (any pixel format, cropped to even size) into I420,
// converting with swscale when needed.
class ToI420 {
 public:
  ~ToI420() { sws_freeContext(sws_); }
  VideoFrame convert(const AVFrame* in, std::int64_t pts) {
    const int w = in->width & ~1, h = in->height & ~1;
    VideoFrame out = VideoFrame::blank(w, h, pts);
    std::uint8_t* dst[3] = {out.y.data(), out.u.data(), out.v.data()};
    const int dst_stride[3] = {w, w / 2, w / 2};
    if (in->format == AV_PIX_FMT_YUV420P || in->format == AV_PIX_FMT_YUVJ420P) {
      for (int p = 0; p < 3; ++p) {
        const int pw = p ? w / 2 : w, ph = p ? h / 2 : h;
        for (int row = 0; row < ph; ++row) {
          std::memcpy(dst[p] + static_cast<std::ptrdiff_t>(row) * pw, in->data[p] + static_cast<std::ptrdiff_t>(row) * in->linesize[p],
                      static_cast<std::size_t>(pw));
        }
      }
      return out;
    }
    sws_ = sws_getCachedContext(sws_, w, h, static_cast<AVPixelFormat>(in->format), w, h, AV_PIX_FMT_YUV420P,
                                SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (!sws_) throw Error("video: cannot convert the decoded pixel format to I420");
    sws_scale(sws_, in->data, in->linesize, 0, h, dst, dst_stride);
    return out;
  }

 private:
  SwsContext* sws_ = nullptr;
};

class FileSource final : public VideoSource {
 public:
  explicit FileSource(const std::vector<std::filesystem::path>& paths) {
    if (paths.empty()) throw Error("video input: no files given");
    for (const auto& p : paths) {
      if (!std::filesystem::is_regular_file(p)) throw Error(fmt::format("video input {}: no such file", p.string()));
    }
    codec::quiet_libraries();
    name_ = paths.front().string();
    std::filesystem::path input = paths.front();
    if (paths.size() > 1) {
      // libavformat reads init + media segments as one stream: concatenate them.
      static std::atomic<unsigned> counter{0};
      temp_ = std::filesystem::temp_directory_path() /
              fmt::format("streamopt-input-{}-{}.mp4", static_cast<long>(::getpid()), counter++);
      std::ofstream out(temp_, std::ios::binary);
      for (const auto& p : paths) {
        std::ifstream in(p, std::ios::binary);
        out << in.rdbuf();
      }
      if (!out) throw Error(fmt::format("video input: cannot write {}", temp_.string()));
      input = temp_;
    }
    int rc = avformat_open_input(&format_, input.c_str(), nullptr, nullptr);
    if (rc < 0) fail(fmt::format("cannot open: {}", av_error(rc)));
    rc = avformat_find_stream_info(format_, nullptr);
    if (rc < 0) fail(fmt::format("no stream information: {}", av_error(rc)));
    const AVCodec* decoder = nullptr;
    stream_ = av_find_best_stream(format_, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (stream_ < 0 || !decoder) fail("no decodable video stream");
    ctx_ = avcodec_alloc_context3(decoder);
    frame_ = av_frame_alloc();
    packet_ = av_packet_alloc();
    if (!ctx_ || !frame_ || !packet_) fail("out of memory");
    avcodec_parameters_to_context(ctx_, format_->streams[stream_]->codecpar);
    ctx_->thread_count = 1;
    rc = avcodec_open2(ctx_, decoder, nullptr);
    if (rc < 0) fail(fmt::format("cannot open the decoder: {}", av_error(rc)));
    const AVRational rate = format_->streams[stream_]->avg_frame_rate.num ? format_->streams[stream_]->avg_frame_rate
                                                                         : format_->streams[stream_]->r_frame_rate;
    fps_ = rate.num && rate.den ? static_cast<int>(std::lround(av_q2d(rate))) : 25;
    width_ = ctx_->width & ~1;
    height_ = ctx_->height & ~1;
    if (width_ < 2 || height_ < 2) fail("video stream has no size");
  }

  ~FileSource() override {
    av_packet_free(&packet_);
    av_frame_free(&frame_);
    avcodec_free_context(&ctx_);
    avformat_close_input(&format_);
    std::error_code ec;
    if (!temp_.empty()) std::filesystem::remove(temp_, ec);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  bool next(VideoFrame& frame) override {
    for (;;) {
      const int rc = avcodec_receive_frame(ctx_, frame_);
      if (rc == 0) {
        frame = convert_.convert(frame_, count_++);
        av_frame_unref(frame_);
        return true;
      }
      if (rc == AVERROR_EOF) return false;
      if (rc != AVERROR(EAGAIN)) fail(fmt::format("decoding: {}", av_error(rc)));
      if (draining_) return false;
      const int read = av_read_frame(format_, packet_);
      if (read == AVERROR_EOF) {
        avcodec_send_packet(ctx_, nullptr);
        draining_ = true;
        continue;
      }
      if (read < 0) fail(fmt::format("reading: {}", av_error(read)));
      if (packet_->stream_index == stream_) {
        const int sent = avcodec_send_packet(ctx_, packet_);
        if (sent < 0 && sent != AVERROR(EAGAIN)) fail(fmt::format("corrupt video data: {}", av_error(sent)));
      }
      av_packet_unref(packet_);
    }
  }

  int width() const override { return width_; }
  int height() const override { return height_; }
  int fps() const override { return fps_; }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(fmt::format("video input {}: {}", name_, what)); }

  std::string name_;
  std::filesystem::path temp_;
  AVFormatContext* format_ = nullptr;
  AVCodecContext* ctx_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  int stream_ = -1;
  int width_ = 0, height_ = 0, fps_ = 25;
  std::int64_t count_ = 0;
  bool draining_ = false;
  ToI420 convert_;
};

class SyntheticSource final : public VideoSource {
 public:
  SyntheticSource(int width, int height, int fps, int frames, std::uint64_t seed)
      : width_(width), height_(height), fps_(fps), frames_(frames), rng_(seed) {
    VideoFrame::blank(width, height);  // validates the size
    if (fps <= 0 || frames < 0) throw Error("synthetic video: fps must be > 0 and frames >= 0");
  }

  bool next(VideoFrame& f) override {
    if (index_ >= frames_) return false;
    f = VideoFrame::blank(width_, height_, index_);
    std::uniform_int_distribution<int> noise(-6, 6);
    const int t = index_;
    const int box = std::max(8, std::min(width_, height_) / 4);
    const int bx = (t * 3) % std::max(1, width_ - box), by = (t * 2) % std::max(1, height_ - box);
    for (int y = 0; y < height_; ++y) {
      for (int x = 0; x < width_; ++x) {
        int v = 40 + (x * 2 + y + t * 2) % 160;                    // moving diagonal gradient
        if (x >= bx && x < bx + box && y >= by && y < by + box) v = 220 - ((x - bx) ^ (y - by)) % 32;  // textured box
        v += noise(rng_);
        f.y[static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)] =
            static_cast<std::uint8_t>(std::clamp(v, 0, 255));
      }
    }
    for (int y = 0; y < height_ / 2; ++y) {
      for (int x = 0; x < width_ / 2; ++x) {
        const auto i = static_cast<std::size_t>(y) * static_cast<std::size_t>(width_ / 2) + static_cast<std::size_t>(x);
        f.u[i] = static_cast<std::uint8_t>(128 + 40 * std::sin((x + t) * 0.05));
        f.v[i] = static_cast<std::uint8_t>(128 + 40 * std::cos((y - t) * 0.05));
      }
    }
    ++index_;
    return true;
  }

  int width() const override { return width_; }
  int height() const override { return height_; }
  int fps() const override { return fps_; }

 private:
  int width_, height_, fps_, frames_;
  int index_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<VideoSource> open_video_files(const std::vector<std::filesystem::path>& paths) {
  return std::make_unique<FileSource>(paths);
}

std::unique_ptr<VideoSource> synthetic_video(int width, int height, int fps, int frames, std::uint64_t seed) {
  return std::make_unique<SyntheticSource>(width, height, fps, frames, seed);
}

FrameScaler::FrameScaler(int src_width, int src_height, int dst_width, int dst_height)
    : src_w_(src_width), src_h_(src_height), dst_w_(dst_width), dst_h_(dst_height) {
  VideoFrame::blank(src_width, src_height);
  VideoFrame::blank(dst_width, dst_height);
  if (src_w_ != dst_w_ || src_h_ != dst_h_) {
    sws_ = sws_getContext(src_w_, src_h_, AV_PIX_FMT_YUV420P, dst_w_, dst_h_, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr,
                          nullptr, nullptr);
    if (!sws_) throw Error("scaler: libswscale refused the sizes");
  }
}

FrameScaler::~FrameScaler() { sws_freeContext(sws_); }

VideoFrame FrameScaler::scale(const VideoFrame& in) const {
  if (in.width != src_w_ || in.height != src_h_) {
    throw Error(fmt::format("scaler: frame is {}x{}, expected {}x{}", in.width, in.height, src_w_, src_h_));
  }
  if (!sws_) return in;
  VideoFrame out = VideoFrame::blank(dst_w_, dst_h_, in.pts);
  const std::uint8_t* src[3] = {in.y.data(), in.u.data(), in.v.data()};
  const int src_stride[3] = {src_w_, src_w_ / 2, src_w_ / 2};
  std::uint8_t* dst[3] = {out.y.data(), out.u.data(), out.v.data()};
  const int dst_stride[3] = {dst_w_, dst_w_ / 2, dst_w_ / 2};
  sws_scale(sws_, src, src_stride, 0, src_h_, dst, dst_stride);
  return out;
}

VideoDecoder::VideoDecoder(Codec codec, const std::vector<std::uint8_t>& extradata) {
  codec::quiet_libraries();
  const AVCodec* decoder = nullptr;
  switch (codec) {
    case Codec::h264: decoder = avcodec_find_decoder(AV_CODEC_ID_H264); break;
    case Codec::h265: decoder = avcodec_find_decoder(AV_CODEC_ID_HEVC); break;
    case Codec::vp8: decoder = avcodec_find_decoder(AV_CODEC_ID_VP8); break;
    case Codec::vp9: decoder = avcodec_find_decoder(AV_CODEC_ID_VP9); break;
    case Codec::av1:
      decoder = avcodec_find_decoder_by_name("libdav1d");
      if (!decoder) decoder = avcodec_find_decoder_by_name("libaom-av1");
      break;
  }
  if (!decoder) throw Error(fmt::format("no {} decoder in this libavcodec", codec_name(codec)));
  ctx_ = avcodec_alloc_context3(decoder);
  frame_ = av_frame_alloc();
  packet_ = av_packet_alloc();
  if (!ctx_ || !frame_ || !packet_) throw Error("decoder: out of memory");
  ctx_->thread_count = 1;
  if (!extradata.empty()) {
    ctx_->extradata = static_cast<std::uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!ctx_->extradata) throw Error("decoder: out of memory");
    std::memcpy(ctx_->extradata, extradata.data(), extradata.size());
    ctx_->extradata_size = static_cast<int>(extradata.size());
  }
  const int rc = avcodec_open2(ctx_, decoder, nullptr);
  if (rc < 0) throw Error(fmt::format("{} decoder: {}", codec_name(codec), av_error(rc)));
}

VideoDecoder::~VideoDecoder() {
  av_packet_free(&packet_);
  av_frame_free(&frame_);
  avcodec_free_context(&ctx_);
}

std::vector<VideoFrame> VideoDecoder::receive() {
  std::vector<VideoFrame> out;
  ToI420 convert;
  for (;;) {
    const int rc = avcodec_receive_frame(ctx_, frame_);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
    if (rc < 0) throw Error(fmt::format("decoder: {}", av_error(rc)));
    out.push_back(convert.convert(frame_, frame_->pts));
    av_frame_unref(frame_);
  }
  return out;
}

std::vector<VideoFrame> VideoDecoder::decode(const EncodedPacket& packet) {
  if (av_new_packet(packet_, static_cast<int>(packet.data.size())) < 0) throw Error("decoder: out of memory");
  std::memcpy(packet_->data, packet.data.data(), packet.data.size());
  packet_->pts = packet.pts;
  packet_->dts = packet.dts;
  const int rc = avcodec_send_packet(ctx_, packet_);
  av_packet_unref(packet_);
  if (rc < 0) throw Error(fmt::format("decoder: packet pts {}: {}", packet.pts, av_error(rc)));
  return receive();
}

std::vector<VideoFrame> VideoDecoder::flush() {
  avcodec_send_packet(ctx_, nullptr);
  return receive();
}

}  // namespace streamopt
