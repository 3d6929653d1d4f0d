// The codec component: every codec and backend on a short synthetic clip
// (decode back, PSNR, keyframes at segment starts, bitrate), live rate
// changes where claimed, quality metrics against ffmpeg's filters, sources
// and bad input.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "streamopt/codec.hpp"
#include "streamopt/error.hpp"
#include "streamopt/video_io.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

struct Variant {
  Codec codec;
  Backend backend;
  const char* av1_encoder;
  const char* label;
};

const Variant kVariants[] = {
    {Codec::h264, Backend::libavcodec, "", "h264/libavcodec (x264)"},
    {Codec::h265, Backend::libavcodec, "", "h265/libavcodec (x265)"},
    {Codec::vp9, Backend::libavcodec, "", "vp9/libavcodec (libvpx-vp9)"},
    {Codec::av1, Backend::libavcodec, "libsvtav1", "av1/libavcodec (SVT-AV1)"},
    {Codec::av1, Backend::libavcodec, "libaom-av1", "av1/libavcodec (libaom)"},
    {Codec::vp8, Backend::libvpx, "", "vp8/libvpx"},
    {Codec::vp9, Backend::libvpx, "", "vp9/libvpx"},
    {Codec::h265, Backend::x265, "", "h265/x265"},
};

EncoderConfig config_for(const Variant& v, int width, int height) {
  EncoderConfig c;
  c.codec = v.codec;
  c.backend = v.backend;
  if (*v.av1_encoder) c.av1_encoder = v.av1_encoder;
  c.width = width;
  c.height = height;
  c.fps = 25;
  return c;
}

// Encodes `frames` synthetic frames, forcing a keyframe every `segment`
// frames; returns the packets.
std::vector<EncodedPacket> encode_clip(EncoderAdapter& enc, int frames, int segment, std::vector<VideoFrame>* kept = nullptr) {
  const auto& c = enc.config();
  auto src = synthetic_video(c.width, c.height, c.fps, frames, 7);
  std::vector<EncodedPacket> out;
  VideoFrame f;
  while (src->next(f)) {
    for (auto& p : enc.encode(f, f.pts % segment == 0)) out.push_back(std::move(p));
    if (kept) kept->push_back(f);
  }
  for (auto& p : enc.flush()) out.push_back(std::move(p));
  return out;
}

std::string run_ffmpeg_compare(const VideoFrame& a, const VideoFrame& b, const std::string& filter) {
  const auto dir = std::filesystem::temp_directory_path() / "streamopt_ffmpeg_cmp";
  std::filesystem::create_directories(dir);
  const auto write = [](const std::filesystem::path& p, const VideoFrame& f) {
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(f.y.data()), static_cast<std::streamsize>(f.y.size()));
    out.write(reinterpret_cast<const char*>(f.u.data()), static_cast<std::streamsize>(f.u.size()));
    out.write(reinterpret_cast<const char*>(f.v.data()), static_cast<std::streamsize>(f.v.size()));
  };
  write(dir / "a.yuv", a);
  write(dir / "b.yuv", b);
  const std::string size = std::to_string(a.width) + "x" + std::to_string(a.height);
  const std::string cmd = "ffmpeg -hide_banner -nostats -s " + size + " -pix_fmt yuv420p -f rawvideo -i " + (dir / "b.yuv").string() +
                          " -s " + size + " -pix_fmt yuv420p -f rawvideo -i " + (dir / "a.yuv").string() + " -lavfi \"[0][1]" +
                          filter + "\" -f null - 2> " + (dir / "log.txt").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir / "log.txt");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool have_ffmpeg() { return std::system("ffmpeg -version > /dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("every codec and backend: decodable, keyframes at segment starts, rate near target", "[codec]") {
  for (const Variant& v : kVariants) {
    INFO(v.label);
    EncoderConfig c = config_for(v, 320, 240);
    c.rate_mode = RateMode::abr;
    c.target_bps = 600e3;
    c.keyint_frames = 25;  // divides the 1 s segments (SVT-AV1 ignores forced keyframes)
    c.latency = LatencyMode::live;
    auto enc = make_encoder(c);
    std::vector<VideoFrame> source;
    const auto packets = encode_clip(*enc, 75, 25, &source);
    REQUIRE(packets.size() == 75);
    // Keyframes at 0, 25, 50.
    std::map<std::int64_t, KeyframeKind> kinds;
    double bytes = 0;
    for (const auto& p : packets) {
      kinds[p.pts] = p.keyframe;
      bytes += static_cast<double>(p.data.size());
    }
    for (std::int64_t start : {0, 25, 50}) CHECK(kinds[start] != KeyframeKind::none);
    if (v.codec == Codec::h264 || v.codec == Codec::h265) CHECK(kinds[25] == KeyframeKind::idr);
    const double kbps = bytes * 8 / 3.0 / 1e3;
    CHECK(kbps > 600 * 0.5);
    CHECK(kbps < 600 * 1.6);
    // Decode back and measure.
    VideoDecoder dec(c.codec, enc->extradata());
    std::vector<VideoFrame> decoded;
    for (const auto& p : packets) for (auto& f : dec.decode(p)) decoded.push_back(std::move(f));
    for (auto& f : dec.flush()) decoded.push_back(std::move(f));
    REQUIRE(decoded.size() == source.size());
    QualityStats q;
    for (std::size_t i = 0; i < decoded.size(); ++i) q.add(source[i], decoded[i]);
    CHECK(q.mean_psnr_db() > 28.0);
    CHECK(q.mean_ssim() > 0.8);
  }
}

TEST_CASE("live rate step 1200 -> 400 kbit/s at 360p: within 15 % a second later where native", "[codec][rate]") {
  for (const Variant& v : kVariants) {
    INFO(v.label);
    EncoderConfig c = config_for(v, 640, 360);
    c.rate_mode = RateMode::cbr;
    c.target_bps = 1200e3;
    c.buffer_ms = 1000;
    c.keyint_frames = 1000;
    c.latency = LatencyMode::live;
    auto enc = make_encoder(c);
    auto src = synthetic_video(640, 360, 25, 150, 3);
    std::vector<double> bytes(200, 0);
    VideoFrame f;
    RateChangeResult change;
    int first_packet_after = -1;
    int frames_in = 0;
    while (src->next(f)) {
      if (f.pts == 50) change = enc->set_rates({400e3, 0, 0});
      const auto out = enc->encode(f, f.pts == 0);
      ++frames_in;
      if (!out.empty() && first_packet_after < 0) first_packet_after = frames_in - 1;
      for (const auto& p : out) bytes[static_cast<std::size_t>(p.pts)] += static_cast<double>(p.data.size());
    }
    for (const auto& p : enc->flush()) bytes[static_cast<std::size_t>(p.pts)] += static_cast<double>(p.data.size());
    CHECK(change.effective_pts == 50);
    CHECK(change.mode != RateChangeMode::unsupported);
    CHECK(change.mode == (enc->capabilities().runtime_rate_change ? RateChangeMode::native : RateChangeMode::reopen_at_keyframe));
    if (enc->capabilities().delay_frames >= 0) CHECK(first_packet_after <= enc->capabilities().delay_frames);
    // The 1 s rate over frames [75, 100): one second after the change. A
    // re-opened encoder restarts its rate control with a keyframe, so the
    // 15 % bound applies where the change is native (the issue's criterion);
    // re-opened ones must still land within 35 %.
    double window = 0;
    for (int i = 75; i < 100; ++i) window += bytes[static_cast<std::size_t>(i)];
    CHECK(window * 8 == Approx(400e3).epsilon(change.mode == RateChangeMode::native ? 0.15 : 0.35));
  }
}

TEST_CASE("quality metrics agree with ffmpeg's psnr and ssim filters", "[codec][quality]") {
  if (!have_ffmpeg()) {
    WARN("ffmpeg is not installed: comparison skipped (scripts/setup.sh installs it)");
    return;
  }
  auto src = synthetic_video(352, 288, 25, 1, 5);
  VideoFrame a;
  REQUIRE(src->next(a));
  EncoderConfig c;
  c.width = 352;
  c.height = 288;
  c.rate_mode = RateMode::cqp;
  c.quality = 38;
  auto enc = make_encoder(c);
  auto packets = enc->encode(a, true);
  for (auto& p : enc->flush()) packets.push_back(std::move(p));
  VideoDecoder dec(Codec::h264, enc->extradata());
  std::vector<VideoFrame> out;
  for (const auto& p : packets) for (auto& f : dec.decode(p)) out.push_back(std::move(f));
  for (auto& f : dec.flush()) out.push_back(std::move(f));
  REQUIRE(out.size() == 1);
  const VideoFrame& b = out[0];
  const std::string psnr_log = run_ffmpeg_compare(a, b, "psnr");
  std::smatch m;
  REQUIRE(std::regex_search(psnr_log, m, std::regex(R"(PSNR y:([0-9.]+))")));
  CHECK(psnr_db(luma_mse(a, b)) == Approx(std::stod(m[1])).margin(0.05));
  const std::string ssim_log = run_ffmpeg_compare(a, b, "ssim");
  REQUIRE(std::regex_search(ssim_log, m, std::regex(R"(SSIM Y:([0-9.]+))")));
  CHECK(luma_ssim(a, b) == Approx(std::stod(m[1])).margin(0.002));
  // Identical frames.
  CHECK(psnr_db(luma_mse(a, a)) == 100.0);
  CHECK(luma_ssim(a, a) == Approx(1.0));
}

TEST_CASE("scaler and synthetic source", "[codec]") {
  auto src = synthetic_video(64, 48, 25, 3, 1);
  VideoFrame f;
  REQUIRE(src->next(f));
  CHECK(f.pts == 0);
  FrameScaler half(64, 48, 32, 24);
  const VideoFrame s = half.scale(f);
  CHECK(s.width == 32);
  CHECK(s.y.size() == 32u * 24u);
  FrameScaler same(64, 48, 64, 48);
  CHECK(same.scale(f).y == f.y);
  CHECK_THROWS_WITH(half.scale(s), Contains("expected 64x48"));
}

TEST_CASE("bad encoder input is a clear error", "[codec]") {
  EncoderConfig c;
  c.width = 321;
  c.height = 240;
  CHECK_THROWS_WITH(make_encoder(c), Contains("321x240 is not an even size"));
  c.width = 320;
  c.codec = Codec::vp8;
  c.backend = Backend::x265;
  CHECK_THROWS_WITH(make_encoder(c), Contains("encodes h265 only"));
  c.codec = Codec::h264;
  c.backend = Backend::libvpx;
  CHECK_THROWS_WITH(make_encoder(c), Contains("vp8 and vp9 only"));
  c.backend = Backend::libavcodec;
  c.av1_encoder = "rav1e";
  c.codec = Codec::av1;
  CHECK_THROWS_WITH(make_encoder(c), Contains("libsvtav1 or libaom-av1"));
  c.codec = Codec::h264;
  c.rate_mode = RateMode::crf;
  c.quality = 80;
  CHECK_THROWS_WITH(make_encoder(c), Contains("not in 0..63"));
  c.quality = 23;
  c.extra["no-such-option"] = "1";
  CHECK_THROWS_WITH(make_encoder(c), Contains("no-such-option"));
  c.extra.clear();
  auto enc = make_encoder(c);
  CHECK_THROWS_WITH(enc->encode(VideoFrame::blank(160, 120)), Contains("opened for 320x240"));
  enc->flush();
  CHECK_THROWS_WITH(enc->encode(VideoFrame::blank(320, 240)), Contains("after flush"));
  CHECK(enc->set_rates({500e3, 0, 0}).mode == RateChangeMode::unsupported);  // CRF has no target
  CHECK_THROWS_WITH(parse_codec("mpeg2"), Contains("unknown codec 'mpeg2'"));
  CHECK_THROWS_WITH(parse_backend("nvenc"), Contains("unknown encoder backend"));
}

TEST_CASE("video files: missing, corrupt, and the real title", "[codec]") {
  CHECK_THROWS_WITH(open_video_files({"/nonexistent/x.mp4"}), Contains("no such file"));
  const auto bad = std::filesystem::temp_directory_path() / "streamopt_corrupt.mp4";
  {
    std::ofstream out(bad, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 7919) & 0xff));
  }
  CHECK_THROWS_WITH(open_video_files({bad}), Contains("streamopt_corrupt.mp4"));
  std::filesystem::remove(bad);
  const char* data = std::getenv("STREAMOPT_DATA");
  if (!data) {
    WARN("STREAMOPT_DATA is unset: real-source test skipped");
    return;
  }
  const std::filesystem::path dir = std::filesystem::path(data) / "video/envivio/source";
  auto src = open_video_files({dir / "init.mp4", dir / "seg_18.m4s"});
  CHECK(src->width() == 1280);
  CHECK(src->height() == 720);
  CHECK(src->fps() == 25);
  VideoFrame f;
  int frames = 0;
  while (src->next(f)) ++frames;
  CHECK(frames == 100);  // one 4 s segment at 25 fps
}
