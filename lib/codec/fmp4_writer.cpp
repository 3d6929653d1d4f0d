// Fragmented MP4 in memory through libavformat's mp4 muxer (empty_moov,
// default_base_moof, one fragment per av_write_frame(ctx, nullptr)).
extern "C" {
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include <fmt/format.h>

#include <cstring>

#include "codec/backends.hpp"
#include "codec/fmp4_writer.hpp"
#include "streamopt/error.hpp"
#include "streamopt/packaging.hpp"

namespace streamopt::codec {
namespace {

constexpr int kIoBufferBytes = 64 * 1024;
constexpr int kTicksPerFrame = 1000;  // the track timescale is fps x 1000: whole ticks per frame

// avio write callback: appends to the std::vector behind `opaque`.
#if LIBAVFORMAT_VERSION_MAJOR >= 61
int append_bytes(void* opaque, const std::uint8_t* data, int size) {
#else
int append_bytes(void* opaque, std::uint8_t* data, int size) {
#endif
  auto* sink = static_cast<std::vector<std::uint8_t>*>(opaque);
  sink->insert(sink->end(), data, data + size);
  return size;
}

AVCodecID mp4_codec_id(Codec codec) {
  switch (codec) {
    case Codec::h264: return AV_CODEC_ID_H264;
    case Codec::h265: return AV_CODEC_ID_HEVC;
    case Codec::vp9: return AV_CODEC_ID_VP9;
    case Codec::av1: return AV_CODEC_ID_AV1;
    case Codec::vp8: break;
  }
  return AV_CODEC_ID_NONE;
}

}  // namespace

struct Fmp4Writer::Impl {
  AVFormatContext* ctx = nullptr;
  AVStream* stream = nullptr;
  AVPacket* packet = nullptr;
  std::vector<std::uint8_t> sink;  // bytes the muxer wrote since the last take
  int fps = 0;
  std::int64_t shift_frames = 0;
  std::string where;

  [[noreturn]] void fail(const std::string& what, int rc) const {
    throw Error(fmt::format("packaging {}: {}: {}", where, what, av_error(rc)));
  }
  std::vector<std::uint8_t> take() {
    avio_flush(ctx->pb);
    std::vector<std::uint8_t> out;
    out.swap(sink);
    return out;
  }
  ~Impl() {
    av_packet_free(&packet);
    if (ctx) {
      if (ctx->pb) {
        av_freep(&ctx->pb->buffer);
        avio_context_free(&ctx->pb);
      }
      avformat_free_context(ctx);
    }
  }
};

Fmp4Writer::Fmp4Writer(Codec codec, int width, int height, int fps, const std::vector<std::uint8_t>& extradata,
                       std::int64_t shift_frames, std::string where)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.fps = fps;
  m.shift_frames = shift_frames;
  m.where = std::move(where);
  if (!packageable(codec)) {
    throw Error(fmt::format("packaging {}: {} has no fragmented MP4 mapping; use --package none (self-contained WebM segments)",
                            m.where, codec_name(codec)));
  }
  quiet_libraries();
  int rc = avformat_alloc_output_context2(&m.ctx, nullptr, "mp4", nullptr);
  if (rc < 0 || !m.ctx) m.fail("no mp4 muxer", rc < 0 ? rc : AVERROR_MUXER_NOT_FOUND);
  auto* io_buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  if (!io_buffer) m.fail("I/O buffer", AVERROR(ENOMEM));
  m.ctx->pb = avio_alloc_context(io_buffer, kIoBufferBytes, 1, &m.sink, nullptr, append_bytes, nullptr);
  if (!m.ctx->pb) {
    av_free(io_buffer);
    m.fail("I/O context", AVERROR(ENOMEM));
  }
  m.ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  m.stream = avformat_new_stream(m.ctx, nullptr);
  if (!m.stream) m.fail("no stream", AVERROR(ENOMEM));
  AVCodecParameters* par = m.stream->codecpar;
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = mp4_codec_id(codec);
  // hvc1: parameter sets in the sample entry, the tag Apple's players and MSE want.
  if (codec == Codec::h265) par->codec_tag = MKTAG('h', 'v', 'c', '1');
  par->width = width;
  par->height = height;
  par->format = AV_PIX_FMT_YUV420P;
  par->sample_aspect_ratio = {1, 1};
  if (!extradata.empty()) {
    par->extradata = static_cast<std::uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!par->extradata) m.fail("extradata", AVERROR(ENOMEM));
    std::memcpy(par->extradata, extradata.data(), extradata.size());
    par->extradata_size = static_cast<int>(extradata.size());
  }
  m.stream->time_base = {1, fps};
  m.stream->avg_frame_rate = {fps, 1};
  AVDictionary* options = nullptr;
  av_dict_set(&options, "movflags", "empty_moov+default_base_moof+frag_custom+cmaf", 0);
  av_dict_set_int(&options, "video_track_timescale", static_cast<std::int64_t>(fps) * kTicksPerFrame, 0);
  rc = avformat_write_header(m.ctx, &options);
  av_dict_free(&options);
  if (rc < 0) m.fail(fmt::format("the mp4 muxer refused the {} stream", codec_name(codec)), rc);
  init_ = m.take();
  timescale_ = static_cast<std::uint32_t>(fps * kTicksPerFrame);
  m.packet = av_packet_alloc();
  if (!m.packet) m.fail("packet", AVERROR(ENOMEM));
}

Fmp4Writer::~Fmp4Writer() = default;

std::vector<std::uint8_t> Fmp4Writer::write_segment(const std::vector<const EncodedPacket*>& packets) {
  Impl& m = *impl_;
  AVPacket* pkt = m.packet;
  for (const EncodedPacket* p : packets) {
    int rc = av_new_packet(pkt, static_cast<int>(p->data.size()));
    if (rc < 0) m.fail("packet", rc);
    std::memcpy(pkt->data, p->data.data(), p->data.size());
    pkt->pts = p->pts + m.shift_frames;
    pkt->dts = p->dts + m.shift_frames;
    pkt->duration = 1;
    if (p->keyframe != KeyframeKind::none) pkt->flags |= AV_PKT_FLAG_KEY;
    pkt->stream_index = 0;
    av_packet_rescale_ts(pkt, AVRational{1, m.fps}, m.stream->time_base);
    rc = av_write_frame(m.ctx, pkt);
    av_packet_unref(pkt);
    if (rc < 0) m.fail(fmt::format("frame pts {}", p->pts), rc);
  }
  const int rc = av_write_frame(m.ctx, nullptr);  // frag_custom: close the fragment
  if (rc < 0) m.fail("flushing the fragment", rc);
  return m.take();
}

}  // namespace streamopt::codec
