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

#include "helpers.hpp"
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

TEST_CASE("video files: missing and corrupt ones are clear errors", "[codec]") {
  CHECK_THROWS_WITH(open_video_files({"/nonexistent/x.mp4"}), Contains("no such file"));
  const auto bad = std::filesystem::temp_directory_path() / "streamopt_corrupt.mp4";
  {
    std::ofstream out(bad, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 7919) & 0xff));
  }
  CHECK_THROWS_WITH(open_video_files({bad}), Contains("streamopt_corrupt.mp4"));
  std::filesystem::remove(bad);
}

TEST_CASE("video files: the real envivio title decodes at 720p25", "[codec]") {
  const std::filesystem::path data =
      test::require_data({"video/envivio/source/init.mp4", "video/envivio/source/seg_18.m4s"});
  if (data.empty()) return;  // skipped: STREAMOPT_DATA is unset
  const std::filesystem::path dir = data / "video/envivio/source";
  auto src = open_video_files({dir / "init.mp4", dir / "seg_18.m4s"});
  CHECK(src->width() == 1280);
  CHECK(src->height() == 720);
  CHECK(src->fps() == 25);
  VideoFrame f;
  int frames = 0;
  while (src->next(f)) ++frames;
  CHECK(frames == 100);  // one 4 s segment at 25 fps
}

#include "streamopt/ladder.hpp"
#include "streamopt/manifest.hpp"

TEST_CASE("ladder: aligned keyframes, readable segments, a manifest the simulator loads", "[codec][ladder]") {
  const auto out = std::filesystem::temp_directory_path() / "streamopt_ladder_test";
  std::filesystem::remove_all(out);
  auto src = synthetic_video(160, 120, 25, 60, 2);  // 2.4 s: two whole 1 s segments
  LadderOptions o;
  o.segment_s = 1.0;
  o.name = "synthetic";
  o.package = PackageFormats{};  // self-contained segment files (test_packaging.cpp covers the packaged layout)
  const auto rungs = parse_rungs("96x72@100,160x120@300");
  const LadderResult r = encode_ladder(*src, rungs, o, out);
  CHECK(r.segment_count == 2);
  REQUIRE(r.segments.size() == 4);
  for (const EncodedSegment& s : r.segments) {
    INFO("rung " << s.rung << " segment " << s.segment);
    CHECK(s.frames == 25);
    CHECK(s.keyframe == KeyframeKind::idr);
    CHECK(s.actual_bps > 0.3 * s.target_bps);
    CHECK(s.peak_1s_bps >= s.actual_bps * 0.99);
    CHECK(s.mean_psnr_db > 20);
    CHECK(s.worst_psnr_db <= s.mean_psnr_db + 1e-9);
    CHECK(s.ssim > 0.5);
    CHECK(s.mean_qp > 0);
    // Every segment file decodes on its own to 25 frames of the rung's size.
    auto seg = open_video_files({out / s.file});
    CHECK(seg->width() == rungs[s.rung].width);
    VideoFrame f;
    int n = 0;
    while (seg->next(f)) ++n;
    CHECK(n == 25);
  }
  CHECK_FALSE(std::filesystem::exists(out / "rung_0/seg_2.mp4"));  // the partial segment is dropped
  const Manifest m = Manifest::load(out);
  CHECK(m.rung_count() == 2);
  CHECK(m.segment_count() == 2);
  CHECK(m.has_quality());
  CHECK(m.segment_size_bytes(1, 1) == std::filesystem::file_size(out / "rung_1/seg_1.mp4"));
  std::filesystem::remove_all(out);
}

TEST_CASE("ladder failures leave no output behind", "[codec][ladder]") {
  const auto parent = std::filesystem::temp_directory_path() / "streamopt_ladder_fail";
  std::filesystem::remove_all(parent);
  std::filesystem::create_directories(parent);
  auto short_src = synthetic_video(64, 48, 25, 10, 1);
  LadderOptions o;
  o.segment_s = 1.0;
  CHECK_THROWS_WITH(encode_ladder(*short_src, parse_rungs("64x48@100"), o, parent / "out"), Contains("less than one 1 s segment"));
  CHECK_FALSE(std::filesystem::exists(parent / "out"));
  CHECK(std::filesystem::is_empty(parent));  // no temporary directory either
  std::filesystem::create_directories(parent / "busy");
  std::ofstream(parent / "busy" / "keep.txt") << "mine";
  auto src = synthetic_video(64, 48, 25, 30, 1);
  CHECK_THROWS_WITH(encode_ladder(*src, parse_rungs("64x48@100"), o, parent / "busy"), Contains("not an empty directory"));
  CHECK(std::filesystem::exists(parent / "busy" / "keep.txt"));
  o.segment_s = 0.33;
  CHECK_THROWS_WITH(encode_ladder(*src, parse_rungs("64x48@100"), o, parent / "out"), Contains("whole number of frames"));
  CHECK_THROWS_WITH(parse_rungs("64x48@100,32x24@50"), Contains("must increase"));
  CHECK_THROWS_WITH(parse_rungs("65x48@100"), Contains("even"));
  CHECK_THROWS_WITH(parse_rungs("64x48"), Contains("WIDTHxHEIGHT@KBPS"));
  std::filesystem::remove_all(parent);
}

TEST_CASE("BD-rate of a uniformly cheaper curve and its errors", "[codec][hull]") {
  std::vector<std::pair<double, double>> ref, test;
  for (double q : {30.0, 33.0, 36.0, 39.0, 42.0}) {
    const double rate = 1e5 * std::pow(10.0, (q - 30) / 12);
    ref.emplace_back(rate, q);
    test.emplace_back(0.8 * rate, q);
  }
  CHECK(bd_rate_percent(ref, test) == Approx(-20.0).margin(1e-6));
  CHECK(bd_rate_percent(test, ref) == Approx(25.0).margin(1e-6));
  CHECK_THROWS_WITH(bd_rate_percent({ref.begin(), ref.begin() + 3}, test), Contains("at least 4"));
  std::vector<std::pair<double, double>> far;
  for (auto [r, q] : ref) far.emplace_back(r, q + 100);
  CHECK_THROWS_WITH(bd_rate_percent(ref, far), Contains("do not overlap"));
}

TEST_CASE("convex hull across resolutions and rungs picked on it", "[codec][hull]") {
  std::vector<RateQualityPoint> pts = {
      {320, 180, 0, 200e3, 30, 0, false}, {320, 180, 0, 400e3, 33, 0, false}, {320, 180, 0, 800e3, 34, 0, false},
      {640, 360, 0, 400e3, 31, 0, false}, {640, 360, 0, 800e3, 36, 0, false}, {640, 360, 0, 1600e3, 38, 0, false},
  };
  mark_convex_hull(pts);
  CHECK(pts[0].on_hull);
  CHECK(pts[1].on_hull);
  CHECK_FALSE(pts[2].on_hull);  // the small size saturates
  CHECK_FALSE(pts[3].on_hull);  // dominated at 400 kbit/s
  CHECK(pts[4].on_hull);
  CHECK(pts[5].on_hull);
  const auto rungs = pick_hull_rungs(pts, {300e3, 900e3, 2000e3});
  CHECK(rungs[0].width == 320);
  CHECK(rungs[1].width == 640);
  CHECK(rungs[2].width == 640);
  CHECK(rungs[2].bitrate_bps == 2000e3);

  auto src = synthetic_video(128, 96, 25, 12, 4);
  std::vector<VideoFrame> frames;
  VideoFrame f;
  while (src->next(f)) frames.push_back(f);
  LadderOptions o;
  o.preset = "veryfast";
  const auto grid = rate_quality_grid(frames, 25, {{64, 48}, {128, 96}}, {24, 36}, o);
  REQUIRE(grid.size() == 4);
  CHECK(grid[0].bitrate_bps > grid[1].bitrate_bps);  // higher CRF, fewer bits
  CHECK(grid[0].psnr_db > grid[1].psnr_db);
  CHECK(grid[2].psnr_db > grid[0].psnr_db);          // full size at the same CRF looks better
  CHECK(std::any_of(grid.begin(), grid.end(), [](const auto& p) { return p.on_hull; }));
}

TEST_CASE("live encode follows a rate schedule, with reaction metrics", "[codec][live]") {
  auto src = synthetic_video(320, 180, 25, 125, 6);
  EncoderConfig c;
  c.codec = Codec::vp8;
  c.backend = Backend::libvpx;
  c.rate_mode = RateMode::cbr;
  const auto frames = encode_live(*src, c, {{0.0, 800e3}, {2.0, 300e3}});
  REQUIRE(frames.size() == 125);
  CHECK(frames[49].target_bps == 800e3);
  CHECK(frames[50].target_bps == 300e3);
  CHECK(frames[0].keyframe == KeyframeKind::key);
  const RateReaction r = measure_reaction(frames, 50, 25);
  CHECK(r.frames_to_settle >= 25);  // a trailing 1 s window cannot settle sooner after a down-step
  CHECK(r.frames_to_settle <= 75);
  double last_second = 0;
  for (std::size_t i = 100; i < 125; ++i) last_second += static_cast<double>(frames[i].bytes);
  CHECK(last_second * 8 == Approx(300e3).epsilon(0.25));
  CHECK(r.p99_frame_bytes > 0);
  // Hand-made frames: 1000 bytes then 500 bytes per frame at 10 fps.
  std::vector<LiveFrame> manual;
  for (int i = 0; i < 40; ++i) manual.push_back({i, i < 20 ? 80e3 : 40e3, static_cast<std::uint64_t>(i < 20 ? 1000 : 500), KeyframeKind::none});
  const RateReaction m = measure_reaction(manual, 20, 10, 0.05);
  CHECK(m.frames_to_settle == 9);  // the trailing 1 s holds only new frames from frame 29 on
  CHECK(m.overshoot == Approx(0.0));
  CHECK(m.p99_frame_bytes == 500);
  auto again = synthetic_video(64, 48, 25, 5, 1);
  CHECK_THROWS_WITH(encode_live(*again, c, {{1.0, 800e3}, {0.5, 300e3}}), Contains("times must increase"));
}

#include "streamopt/cc_sim.hpp"

TEST_CASE("link simulator with a real encoder's frame sizes", "[codec][cc]") {
  int opened = 0;
  // Media rate of a flow whose controller may use at most `rate_bps`.
  const auto run = [&](double rate_bps) {
    CcCase c = make_cc_case("rfc8867-5.1", "gcc", 0.1);  // 10 s
    c.flows[0].limits = {rate_bps, rate_bps / 2, rate_bps};
    c.flows[0].frame_source = [&](const FlowConfig& flow, std::uint32_t id) {
      EncoderConfig e;
      e.codec = Codec::vp8;
      e.backend = Backend::libvpx;
      e.width = 320;
      e.height = 180;
      e.fps = static_cast<int>(flow.fps);
      e.target_bps = flow.limits.start_rate_bps;
      return make_encoder_frame_source(e, [&, id] {
        ++opened;
        return synthetic_video(320, 180, 30, 100, id + 1);  // 100 frames: re-opened every 3.3 s
      });
    };
    const CcRunResult r = run_cc_case(c);
    CHECK_THAT(r.metrics.flows.at(0).label, Contains("[vp8/libvpx 320x180]"));
    CHECK(r.metrics.flows.at(0).throughput_bps > 0);
    return r.metrics.flows.at(0).media_rate_mean_bps;
  };
  const double high = run(100e3), low = run(50e3);
  CHECK(opened >= 6);
  // The encoder follows the controller's target.
  CHECK(high == Approx(100e3).epsilon(0.35));
  CHECK(low == Approx(50e3).epsilon(0.35));
}

TEST_CASE("a frame-rate change re-opens every encoder at a keyframe", "[codec][rate]") {
  for (const Variant& v : kVariants) {
    INFO(v.label);
    EncoderConfig c = config_for(v, 160, 96);
    c.rate_mode = RateMode::cbr;
    c.target_bps = 300e3;
    c.keyint_frames = 1000;
    c.latency = LatencyMode::live;
    auto enc = make_encoder(c);
    auto src = synthetic_video(160, 96, 25, 40, 9);
    std::map<std::int64_t, KeyframeKind> kinds;
    VideoFrame f;
    RateChangeResult change;
    while (src->next(f)) {
      if (f.pts == 20) change = enc->set_rates({300e3, 0, 0, 30});
      for (const auto& p : enc->encode(f, f.pts == 0)) kinds[p.pts] = p.keyframe;
    }
    for (const auto& p : enc->flush()) kinds[p.pts] = p.keyframe;
    CHECK(change.mode == RateChangeMode::reopen_at_keyframe);
    CHECK(enc->config().fps == 30);
    CHECK(kinds.size() == 40);
    CHECK(kinds[20] != KeyframeKind::none);
  }
}
