// streamopt encode ladder | hull | live: the codec component from the command line.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "args.hpp"
#include "streamopt/error.hpp"
#include "streamopt/ladder.hpp"

namespace streamopt::cli {

namespace {

constexpr const char* kHelp = R"(usage: streamopt encode SUBCOMMAND ...

  ladder --input FILE [FILE...] --codec C --rungs WxH@kbps,... --out DIR [--segment-s 4]
      encode every rung from one decode; writes rung_R/seg_N.mp4|webm, ladder.json,
      sizes/, quality/ and segments.csv (a manifest directory: streamopt evaluate --video DIR)
  hull --input FILE [FILE...] --codec C --resolutions WxH,... --crfs 18,23,28,33,38
      [--targets kbps,...] [--out FILE.csv]
      rate-quality points over resolutions x CRFs, their upper convex hull, and rungs
      picked on it for the targets
  bd-rate REFERENCE_DIR TEST_DIR
      BD-rate (%) of one encoded ladder against another (per-rung bitrate and PSNR-Y
      from their segments.csv); negative: TEST needs fewer bits for the same PSNR
  live --input FILE [FILE...] --codec C --rate-schedule FILE [--size WxH] [--rate-mode cbr|abr]
      [--out FILE.csv]
      live encode following a schedule of `time_s kbps` lines; prints the reaction to
      each step (frames to within 10 %, overshoot, p99 frame size)

common options:
  --input FILE [FILE...]   files libavformat opens, read as one stream (init.mp4 seg_N.m4s ...)
  --synthetic WxH@FPS:N    instead of --input: N frames of a synthetic moving pattern
  --codec C                h264 | h265 | vp8 | vp9 | av1
  --backend B              libavcodec (default) | libvpx (vp8, vp9) | x265 (h265)
  --av1-encoder E          libsvtav1 (default) | libaom-av1
  --preset P               encoder preset / speed (default: the backend's)
  --threads N              encoder threads (default 1)
  --max-frames N           stop after N source frames
  --name NAME              manifest name (ladder)
  --no-quality             ladder: do not decode back or measure PSNR/SSIM (encode speed runs)
  --quiet                  no progress on stderr
)";

const std::set<std::string> kValued = {"input", "synthetic", "codec",      "backend", "av1-encoder", "preset",
                                       "threads", "max-frames", "name",     "rungs",   "segment-s",   "out",
                                       "resolutions", "crfs",   "targets",  "rate-schedule", "size", "rate-mode"};

std::unique_ptr<VideoSource> open_source(const Args& a) {
  if (a.has("input") == a.has("synthetic")) throw Error("give exactly one of --input or --synthetic");
  if (a.has("synthetic")) {
    int w = 0, h = 0, fps = 0, frames = 0;
    char x = 0, at = 0, colon = 0;
    std::istringstream in(a.required("synthetic"));
    if (!(in >> w >> x >> h >> at >> fps >> colon >> frames) || x != 'x' || at != '@' || colon != ':') {
      throw Error("--synthetic: expected WxH@FPS:FRAMES, e.g. 640x360@25:100");
    }
    return synthetic_video(w, h, fps, frames);
  }
  std::vector<std::filesystem::path> files{a.required("input")};
  for (const auto& p : a.positional()) files.emplace_back(p);
  return open_video_files(files);
}

// --codec, --backend, --av1-encoder, --preset, --threads.
EncoderConfig encoder_options(const Args& a) {
  EncoderConfig c;
  c.codec = parse_codec(a.required("codec"));
  c.backend = parse_backend(a.get("backend", "libavcodec"));
  c.av1_encoder = a.get("av1-encoder", "libsvtav1");
  c.preset = a.get("preset", "");
  c.threads = static_cast<int>(a.get_int("threads", 1));
  return c;
}

LadderOptions ladder_options(const Args& a) {
  const EncoderConfig c = encoder_options(a);
  LadderOptions o;
  o.codec = c.codec;
  o.backend = c.backend;
  o.av1_encoder = c.av1_encoder;
  o.preset = c.preset;
  o.threads = c.threads;
  o.max_frames = a.get_int("max-frames", 0);
  o.segment_s = a.get_double("segment-s", 4.0);
  o.name = a.get("name", "title");
  o.measure_quality = !a.has("no-quality");
  if (!a.has("quiet")) {
    o.progress = [](const EncodeProgress& p) {
      if (p.total_frames > 0) {
        fmt::print(stderr, "\r{} / {} frames, {:.1f} fps, ETA {:.0f} s   ", p.frames, p.total_frames, p.fps, p.eta_s);
      } else {
        fmt::print(stderr, "\r{} frames, {:.1f} fps   ", p.frames, p.fps);
      }
    };
  }
  return o;
}

std::vector<std::pair<int, int>> parse_sizes(const std::string& text) {
  std::vector<std::pair<int, int>> out;
  for (const std::string& item : split_list(text)) {
    int w = 0, h = 0;
    char x = 0;
    std::istringstream in(item);
    if (!(in >> w >> x >> h) || x != 'x' || w <= 0 || h <= 0 || w % 2 || h % 2) {
      throw Error(fmt::format("size '{}': expected even WIDTHxHEIGHT", item));
    }
    out.emplace_back(w, h);
  }
  return out;
}

std::vector<double> parse_numbers(const std::string& text, const char* what) {
  std::vector<double> out;
  for (const std::string& item : split_list(text)) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !std::isfinite(v)) throw Error(fmt::format("{}: '{}' is not a number", what, item));
    out.push_back(v);
  }
  return out;
}

int ladder(const Args& a) {
  auto source = open_source(a);
  const auto rungs = parse_rungs(a.required("rungs"));
  LadderOptions o = ladder_options(a);
  const std::string out = a.required("out");
  const LadderResult r = encode_ladder(*source, rungs, o, out);
  if (o.progress) fmt::print(stderr, "\n");
  fmt::print("| rung | size | target kbps | actual kbps | peak 1 s kbps | PSNR-Y dB | worst dB | SSIM-Y | QP | encode fps |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    double actual = 0, peak = 0, psnr = 0, worst = 1e9, ssim = 0, qp = 0, wall = 0;
    int frames = 0;
    for (const EncodedSegment& s : r.segments) {
      if (s.rung != i) continue;
      actual += s.actual_bps;
      peak = std::max(peak, s.peak_1s_bps);
      psnr += s.mean_psnr_db;
      worst = std::min(worst, s.worst_psnr_db);
      ssim += s.ssim;
      qp += s.mean_qp;
      wall += s.wall_s;
      frames += s.frames;
    }
    const auto n = static_cast<double>(r.segment_count);
    fmt::print("| {} | {}x{} | {:.0f} | {:.0f} | {:.0f} | {:.2f} | {:.2f} | {:.4f} | {:.1f} | {:.1f} |\n", i, rungs[i].width,
               rungs[i].height, rungs[i].bitrate_bps / 1e3, actual / n / 1e3, peak / 1e3, psnr / n, worst, ssim / n, qp / n,
               wall > 0 ? frames / wall : 0.0);
  }
  fmt::print("\nwrote {} segments x {} rungs to {}\n", r.segment_count, rungs.size(), out);
  return 0;
}

int hull(const Args& a) {
  auto source = open_source(a);
  LadderOptions o = ladder_options(a);
  std::vector<VideoFrame> frames;
  VideoFrame f;
  while ((o.max_frames <= 0 || static_cast<std::int64_t>(frames.size()) < o.max_frames) && source->next(f)) frames.push_back(f);
  o.progress = nullptr;
  auto points = rate_quality_grid(frames, source->fps(), parse_sizes(a.required("resolutions")),
                                  [&] {
                                    std::vector<int> crfs;
                                    for (double v : parse_numbers(a.required("crfs"), "--crfs")) crfs.push_back(static_cast<int>(v));
                                    return crfs;
                                  }(),
                                  o);
  std::string csv = "width,height,crf,bitrate_bps,psnr_y_db,ssim_y,on_hull\n";
  fmt::print("| size | CRF | kbps | PSNR-Y dB | SSIM-Y | hull |\n|---|---|---|---|---|---|\n");
  for (const auto& p : points) {
    fmt::print("| {}x{} | {} | {:.0f} | {:.2f} | {:.4f} | {} |\n", p.width, p.height, p.crf, p.bitrate_bps / 1e3, p.psnr_db, p.ssim,
               p.on_hull ? "yes" : "");
    csv += fmt::format("{},{},{},{:.0f},{:.4f},{:.6f},{}\n", p.width, p.height, p.crf, p.bitrate_bps, p.psnr_db, p.ssim, p.on_hull ? 1 : 0);
  }
  if (a.has("targets")) {
    std::vector<double> targets;
    for (double kbps : parse_numbers(a.required("targets"), "--targets")) targets.push_back(kbps * 1e3);
    std::string text;
    for (const Rung& r : pick_hull_rungs(points, targets)) {
      text += fmt::format("{}{}x{}@{:.0f}", text.empty() ? "" : ",", r.width, r.height, r.bitrate_bps / 1e3);
    }
    fmt::print("\nrungs on the hull: {}\n", text);
  }
  if (a.has("out")) {
    std::ofstream(a.required("out")) << csv;
    fmt::print("wrote {}\n", a.required("out"));
  }
  return 0;
}

std::vector<std::pair<double, double>> read_schedule(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("rate schedule {}: cannot open", path));
  std::vector<std::pair<double, double>> steps;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    std::istringstream fields(line);
    double t = 0, kbps = 0;
    std::string rest;
    if (!(fields >> t >> kbps) || (fields >> rest)) throw Error(fmt::format("{}:{}: expected 'time_s kbps'", path, number));
    steps.emplace_back(t, kbps * 1e3);
  }
  if (steps.empty()) throw Error(fmt::format("rate schedule {}: no steps", path));
  return steps;
}

int live(const Args& a) {
  auto source = open_source(a);
  EncoderConfig c = encoder_options(a);
  c.rate_mode = parse_rate_mode(a.get("rate-mode", "cbr"));
  c.keyint_frames = 100000;
  if (a.has("size")) {
    const auto size = parse_sizes(a.required("size"));
    if (size.size() != 1) throw Error("--size takes one WxH");
    c.width = size[0].first;
    c.height = size[0].second;
  }
  const auto schedule = read_schedule(a.required("rate-schedule"));
  const auto frames = encode_live(*source, c, schedule, a.get_int("max-frames", 0));
  const int fps = source->fps();
  fmt::print("| step at s | target kbps | frames to within 10 % | overshoot % | p99 frame bytes |\n|---|---|---|---|---|\n");
  for (const auto& [t, bps] : schedule) {
    const auto pts = static_cast<std::int64_t>(std::ceil(t * fps - 1e-9));
    if (pts >= static_cast<std::int64_t>(frames.size())) break;
    const RateReaction r = measure_reaction(frames, pts, fps);
    fmt::print("| {:.2f} | {:.0f} | {} | {:.1f} | {:.0f} |\n", t, bps / 1e3,
               r.frames_to_settle >= 0 ? std::to_string(r.frames_to_settle) : std::string("never"), r.overshoot * 100, r.p99_frame_bytes);
  }
  if (a.has("out")) {
    std::string csv = "pts,target_bps,bytes,keyframe\n";
    for (const auto& f : frames) csv += fmt::format("{},{:.0f},{},{}\n", f.pts, f.target_bps, f.bytes, keyframe_name(f.keyframe));
    std::ofstream(a.required("out")) << csv;
  }
  return 0;
}

}  // namespace

int run_encode(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
    fmt::print("{}", kHelp);
    return argv.empty() ? 2 : 0;
  }
  const std::string sub = argv[0];
  const Args a(std::vector<std::string>(argv.begin() + 1, argv.end()), kValued, {"help", "quiet", "no-quality"});
  if (a.has("help")) {
    fmt::print("{}", kHelp);
    return 0;
  }
  if (sub == "bd-rate") {
    if (a.positional().size() != 2) throw Error("encode bd-rate takes REFERENCE_DIR TEST_DIR");
    const double bd = bd_rate_percent(ladder_rate_psnr(a.positional()[0]), ladder_rate_psnr(a.positional()[1]));
    fmt::print("BD-rate of {} against {}: {:+.2f} %\n", a.positional()[1], a.positional()[0], bd);
    return 0;
  }
  if (!a.has("input") && !a.positional().empty()) throw Error(fmt::format("encode {}: unexpected argument '{}'", sub, a.positional()[0]));
  if (sub == "ladder") return ladder(a);
  if (sub == "hull") return hull(a);
  if (sub == "live") return live(a);
  throw Error(fmt::format("unknown encode subcommand '{}' (ladder, hull, live)", sub));
}

}  // namespace streamopt::cli
