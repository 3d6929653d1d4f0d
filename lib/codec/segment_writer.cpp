// Segment files through libavformat.
extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
}

#include <fmt/format.h>

#include <cstring>

#include "codec/backends.hpp"
#include "codec/segment_writer.hpp"
#include "streamopt/error.hpp"

namespace streamopt::codec {
namespace {

AVCodecID codec_id(Codec codec) {
  switch (codec) {
    case Codec::h264: return AV_CODEC_ID_H264;
    case Codec::h265: return AV_CODEC_ID_HEVC;
    case Codec::vp8: return AV_CODEC_ID_VP8;
    case Codec::vp9: return AV_CODEC_ID_VP9;
    case Codec::av1: return AV_CODEC_ID_AV1;
  }
  return AV_CODEC_ID_NONE;
}

}  // namespace

const char* segment_extension(Codec codec) { return codec == Codec::vp8 || codec == Codec::vp9 ? ".webm" : ".mp4"; }

void write_segment_file(const std::filesystem::path& path, Codec codec, int width, int height, int fps,
                        const std::vector<std::uint8_t>& extradata, const std::vector<const EncodedPacket*>& packets) {
  const bool webm = codec == Codec::vp8 || codec == Codec::vp9;
  const auto fail = [&](const std::string& what, int rc) {
    throw Error(fmt::format("writing {}: {}: {}", path.string(), what, av_error(rc)));
  };
  AVFormatContext* out = nullptr;
  int rc = avformat_alloc_output_context2(&out, nullptr, webm ? "webm" : "mp4", path.c_str());
  if (rc < 0 || !out) fail("no muxer", rc);
  struct Closer {
    AVFormatContext* ctx;
    ~Closer() {
      if (ctx->pb) avio_closep(&ctx->pb);
      avformat_free_context(ctx);
    }
  } closer{out};
  AVStream* stream = avformat_new_stream(out, nullptr);
  if (!stream) fail("no stream", AVERROR(ENOMEM));
  AVCodecParameters* par = stream->codecpar;
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = codec_id(codec);
  par->width = width;
  par->height = height;
  par->format = AV_PIX_FMT_YUV420P;
  if (!extradata.empty()) {
    par->extradata = static_cast<std::uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!par->extradata) fail("extradata", AVERROR(ENOMEM));
    std::memcpy(par->extradata, extradata.data(), extradata.size());
    par->extradata_size = static_cast<int>(extradata.size());
  }
  stream->time_base = {1, fps};
  stream->avg_frame_rate = {fps, 1};
  rc = avio_open(&out->pb, path.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) fail("cannot open", rc);
  AVDictionary* options = nullptr;
  if (!webm) av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
  rc = avformat_write_header(out, &options);
  av_dict_free(&options);
  if (rc < 0) fail("header", rc);
  AVPacket* pkt = av_packet_alloc();
  if (!pkt) fail("packet", AVERROR(ENOMEM));
  struct PacketFree {
    AVPacket* p;
    ~PacketFree() { av_packet_free(&p); }
  } packet_free{pkt};
  for (const EncodedPacket* p : packets) {
    rc = av_new_packet(pkt, static_cast<int>(p->data.size()));
    if (rc < 0) fail("packet", rc);
    std::memcpy(pkt->data, p->data.data(), p->data.size());
    pkt->pts = p->pts;
    pkt->dts = p->dts;
    pkt->duration = 1;
    if (p->keyframe != KeyframeKind::none) pkt->flags |= AV_PKT_FLAG_KEY;
    pkt->stream_index = 0;
    av_packet_rescale_ts(pkt, AVRational{1, fps}, stream->time_base);
    rc = av_write_frame(out, pkt);
    av_packet_unref(pkt);
    if (rc < 0) fail(fmt::format("frame pts {}", p->pts), rc);
  }
  rc = av_write_trailer(out);
  if (rc < 0) fail("trailer", rc);
}

}  // namespace streamopt::codec
