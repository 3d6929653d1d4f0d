// streamopt encode ladder | hull | live: the codec component from the command line.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "args.hpp"
#include "core/text_io.hpp"
#include "streamopt/error.hpp"
#include "streamopt/ladder.hpp"

namespace streamopt::cli {

namespace {

// Options of ladder, hull and live (each declares the ones it reads).
struct EncodeOptions {
  std::vector<std::string> input;
  std::string synthetic;
  std::string codec;
  std::string backend = "libavcodec";
  std::string av1_encoder = "libsvtav1";
  std::string preset;
  long long threads = 1;
  long long max_frames = 0;
  std::string name = "title";
  bool no_quality = false;
  bool quiet = false;
  double segment_s = 4.0;
  std::string rungs;
  std::string out;
  std::string resolutions;
  std::string crfs;
  std::string targets;
  std::string rate_schedule;
  std::string size;
  std::string rate_mode = "cbr";
  std::string package;
  CLI::Option* input_opt = nullptr;
  CLI::Option* synthetic_opt = nullptr;
};

// --input / --synthetic and the encoder options every encoding subcommand reads.
void add_source_and_encoder(CLI::App& app, EncodeOptions& o) {
  o.input_opt = app.add_option("--input", o.input,
                               "files libavformat opens, read as one stream (init.mp4 seg_N.m4s ...)")
                    ->type_name("FILE...");
  o.synthetic_opt = app.add_option("--synthetic", o.synthetic, "instead of --input: N frames of a synthetic moving pattern")
                        ->type_name("WxH@FPS:N");
  app.add_option("--codec", o.codec, "codec")->required()->type_name("h264|h265|vp8|vp9|av1");
  app.add_option("--backend", o.backend, "libavcodec (default) | libvpx (vp8, vp9) | x265 (h265)")->type_name("B");
  app.add_option("--av1-encoder", o.av1_encoder, "libsvtav1 (default) | libaom-av1")->type_name("E");
  app.add_option("--preset", o.preset, "encoder preset / speed [default: the backend's]")->type_name("P");
  app.add_option("--threads", o.threads, "encoder threads [default: 1]")->type_name("N")->check(integer_in(1, 256));
  app.add_option("--max-frames", o.max_frames, "stop after N source frames, 0 = all [default: 0]")
      ->type_name("N")
      ->check(integer_in(0, 1000000000));
}

std::unique_ptr<VideoSource> open_source(const EncodeOptions& o) {
  if (given(o.input_opt) == given(o.synthetic_opt)) throw UsageError("give exactly one of --input or --synthetic");
  if (given(o.synthetic_opt)) {
    int w = 0, h = 0, fps = 0, frames = 0;
    char x = 0, at = 0, colon = 0;
    std::string rest;
    std::istringstream in(o.synthetic);
    if (!(in >> w >> x >> h >> at >> fps >> colon >> frames) || x != 'x' || at != '@' || colon != ':' || (in >> rest)) {
      throw UsageError("--synthetic: expected WxH@FPS:FRAMES, e.g. 640x360@25:100");
    }
    if (w <= 0 || h <= 0 || w > 8192 || h > 8192 || fps < 1 || fps > 240 || frames < 1 || frames > 10000000) {
      throw UsageError(fmt::format("--synthetic {}: need a size within 8192x8192, 1..240 fps and 1..10000000 frames",
                                   o.synthetic));
    }
    return synthetic_video(w, h, fps, frames);
  }
  std::vector<std::filesystem::path> files(o.input.begin(), o.input.end());
  return open_video_files(files);
}

// --codec, --backend, --av1-encoder, --preset, --threads.
EncoderConfig encoder_options(const EncodeOptions& o) {
  EncoderConfig c;
  c.codec = parse_codec(o.codec);
  c.backend = parse_backend(o.backend);
  c.av1_encoder = o.av1_encoder;
  c.preset = o.preset;
  c.threads = static_cast<int>(o.threads);
  return c;
}

LadderOptions ladder_options(const EncodeOptions& o) {
  const EncoderConfig c = encoder_options(o);
  LadderOptions l;
  l.codec = c.codec;
  l.backend = c.backend;
  l.av1_encoder = c.av1_encoder;
  l.preset = c.preset;
  l.threads = c.threads;
  l.max_frames = o.max_frames;
  l.segment_s = o.segment_s;
  l.name = o.name;
  l.measure_quality = !o.no_quality;
  if (!o.package.empty()) {
    try {
      l.package = parse_package_formats(o.package);
    } catch (const Error& e) {
      throw UsageError(fmt::format("--package: {}", e.what()));
    }
  }
  if (!o.quiet) {
    l.progress = [](const EncodeProgress& p) {
      if (p.total_frames > 0) {
        fmt::print(stderr, "\r{} / {} frames, {:.1f} fps, ETA {:.0f} s   ", p.frames, p.total_frames, p.fps, p.eta_s);
      } else {
        fmt::print(stderr, "\r{} frames, {:.1f} fps   ", p.frames, p.fps);
      }
    };
  }
  return l;
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

// A comma-separated list of finite numbers in [lo, hi] (whole numbers when `whole`).
std::vector<double> parse_numbers(const std::string& text, const char* what, double lo, double hi, bool whole) {
  std::vector<double> out;
  for (const std::string& item : split_list(text)) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !std::isfinite(v)) throw UsageError(fmt::format("{}: '{}' is not a number", what, item));
    if (v < lo || v > hi || (whole && v != std::floor(v))) {
      throw UsageError(fmt::format("{}: {} is not {} in [{}, {}]", what, item, whole ? "a whole number" : "a number", lo, hi));
    }
    out.push_back(v);
  }
  return out;
}

int ladder(const EncodeOptions& options) {
  auto source = open_source(options);
  const auto rungs = parse_rungs(options.rungs);
  LadderOptions o = ladder_options(options);
  const std::string& out = options.out;
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
  const PackageFormats formats = o.package ? *o.package : default_package_formats(o.codec);
  if (formats.dash) fmt::print("DASH: {}\n", (std::filesystem::path(out) / kDashManifestName).string());
  if (formats.hls) fmt::print("HLS: {}\n", (std::filesystem::path(out) / kHlsMasterName).string());
  return 0;
}

int hull(const EncodeOptions& options) {
  auto source = open_source(options);
  LadderOptions o = ladder_options(options);
  std::vector<VideoFrame> frames;
  VideoFrame f;
  while ((o.max_frames <= 0 || static_cast<std::int64_t>(frames.size()) < o.max_frames) && source->next(f)) frames.push_back(f);
  o.progress = nullptr;
  std::vector<int> crfs;
  for (double v : parse_numbers(options.crfs, "--crfs", 0, 63, true)) crfs.push_back(static_cast<int>(v));
  std::vector<double> targets;
  if (!options.targets.empty()) {
    for (double kbps : parse_numbers(options.targets, "--targets", 1, 1e6, false)) targets.push_back(kbps * 1e3);
  }
  auto points = rate_quality_grid(frames, source->fps(), parse_sizes(options.resolutions), crfs, o);
  std::string csv = "width,height,crf,bitrate_bps,psnr_y_db,ssim_y,on_hull\n";
  fmt::print("| size | CRF | kbps | PSNR-Y dB | SSIM-Y | hull |\n|---|---|---|---|---|---|\n");
  for (const auto& p : points) {
    fmt::print("| {}x{} | {} | {:.0f} | {:.2f} | {:.4f} | {} |\n", p.width, p.height, p.crf, p.bitrate_bps / 1e3, p.psnr_db, p.ssim,
               p.on_hull ? "yes" : "");
    csv += fmt::format("{},{},{},{:.0f},{:.4f},{:.6f},{}\n", p.width, p.height, p.crf, p.bitrate_bps, p.psnr_db, p.ssim, p.on_hull ? 1 : 0);
  }
  if (!targets.empty()) {
    std::string text;
    for (const Rung& r : pick_hull_rungs(points, targets)) {
      text += fmt::format("{}{}x{}@{:.0f}", text.empty() ? "" : ",", r.width, r.height, r.bitrate_bps / 1e3);
    }
    fmt::print("\nrungs on the hull: {}\n", text);
  }
  if (!options.out.empty()) {
    detail::write_file_atomic(options.out, csv);
    fmt::print("wrote {}\n", options.out);
  }
  return 0;
}

// `time_s kbps` lines ('#' comments and blank lines skipped), times not going back.
std::vector<std::pair<double, double>> read_schedule(const std::string& path) {
  std::vector<std::pair<double, double>> steps;
  for (const detail::Line& line : detail::read_lines(path)) {
    const std::string where = detail::location(std::filesystem::path(path), line.number);
    const auto fields = detail::split_fields(line.text);
    if (fields.size() != 2) throw Error(fmt::format("{}: expected 'time_s kbps'", where));
    const double t = detail::parse_double(fields[0], where, "time");
    const double kbps = detail::parse_double(fields[1], where, "rate");
    if (t < 0 || t > 7 * 86400) throw Error(fmt::format("{}: time {} is outside [0, 604800] s", where, t));
    if (!(kbps > 0) || kbps > 1e6) throw Error(fmt::format("{}: rate {} is outside (0, 1000000] kbps", where, kbps));
    if (!steps.empty() && t < steps.back().first) throw Error(fmt::format("{}: time {} goes back", where, t));
    steps.emplace_back(t, kbps * 1e3);
  }
  if (steps.empty()) throw Error(fmt::format("rate schedule {}: no steps", path));
  return steps;
}

int live(const EncodeOptions& options) {
  auto source = open_source(options);
  EncoderConfig c = encoder_options(options);
  c.rate_mode = parse_rate_mode(options.rate_mode);
  c.keyint_frames = 100000;
  if (!options.size.empty()) {
    const auto size = parse_sizes(options.size);
    if (size.size() != 1) throw UsageError("--size takes one WxH");
    c.width = size[0].first;
    c.height = size[0].second;
  }
  const auto schedule = read_schedule(options.rate_schedule);
  const auto frames = encode_live(*source, c, schedule, options.max_frames);
  const int fps = source->fps();
  fmt::print("| step at s | target kbps | frames to within 10 % | overshoot % | p99 frame bytes |\n|---|---|---|---|---|\n");
  for (const auto& [t, bps] : schedule) {
    const auto pts = static_cast<std::int64_t>(std::ceil(t * fps - 1e-9));
    if (pts >= static_cast<std::int64_t>(frames.size())) break;
    const RateReaction r = measure_reaction(frames, pts, fps);
    fmt::print("| {:.2f} | {:.0f} | {} | {:.1f} | {:.0f} |\n", t, bps / 1e3,
               r.frames_to_settle >= 0 ? std::to_string(r.frames_to_settle) : std::string("never"), r.overshoot * 100, r.p99_frame_bytes);
  }
  if (!options.out.empty()) {
    std::string csv = "pts,target_bps,bytes,keyframe\n";
    for (const auto& f : frames) csv += fmt::format("{},{:.0f},{},{}\n", f.pts, f.target_bps, f.bytes, keyframe_name(f.keyframe));
    detail::write_file_atomic(options.out, csv);
  }
  return 0;
}

}  // namespace

int run_encode(const std::vector<std::string>& argv) {
  CLI::App app("Real encoders (the codec component): ladders, rate-quality hulls, live rate changes.",
               "streamopt encode");
  configure(app);
  app.require_subcommand(1);

  EncodeOptions ladder_opts;
  auto* ladder_cmd = app.add_subcommand(
      "ladder",
      "encode every rung from one decode; writes rung_R/init.mp4 + rung_R/seg_N.m4s (fMP4, N from 1) with\n"
      "manifest.mpd and master.m3u8 (--package), ladder.json, sizes/, quality/ and segments.csv (a manifest\n"
      "directory: streamopt evaluate --video DIR)");
  add_source_and_encoder(*ladder_cmd, ladder_opts);
  ladder_cmd->add_option("--rungs", ladder_opts.rungs, "the ladder")->required()->type_name("WxH@kbps,...");
  ladder_cmd->add_option("--out", ladder_opts.out, "output directory (new or empty)")->required()->type_name("DIR");
  ladder_cmd->add_option("--segment-s", ladder_opts.segment_s, "segment duration, a whole number of frames [default: 4]")
      ->type_name("S")
      ->check(number_above(0, 600));
  ladder_cmd->add_option("--name", ladder_opts.name, "manifest name [default: title]")->type_name("NAME");
  ladder_cmd->add_option("--package", ladder_opts.package,
                         "manifests over fMP4 segments: dash,hls | dash | hls | none (self-contained rung_R/seg_N.mp4|webm\n"
                         "from 0) [default: dash,hls; none for vp8, which fMP4 cannot hold]")
      ->type_name("LIST");
  ladder_cmd->add_flag("--no-quality", ladder_opts.no_quality, "do not decode back or measure PSNR/SSIM (encode speed runs)");
  ladder_cmd->add_flag("--quiet", ladder_opts.quiet, "no progress on stderr");

  EncodeOptions hull_opts;
  auto* hull_cmd = app.add_subcommand(
      "hull", "rate-quality points over resolutions x CRFs, their upper convex hull, and rungs picked on it for the targets");
  add_source_and_encoder(*hull_cmd, hull_opts);
  hull_cmd->add_option("--resolutions", hull_opts.resolutions, "sizes to encode")->required()->type_name("WxH,...");
  hull_cmd->add_option("--crfs", hull_opts.crfs, "CRFs to encode, whole numbers in [0, 63]")->required()->type_name("18,23,...");
  hull_cmd->add_option("--targets", hull_opts.targets, "pick one rung on the hull per target")->type_name("kbps,...");
  hull_cmd->add_option("--segment-s", hull_opts.segment_s, "keyframe interval in seconds [default: 4]")
      ->type_name("S")
      ->check(number_above(0, 600));
  hull_cmd->add_option("--out", hull_opts.out, "write the grid as CSV")->type_name("FILE.csv");

  EncodeOptions live_opts;
  auto* live_cmd = app.add_subcommand(
      "live",
      "live encode following a schedule of `time_s kbps` lines; prints the reaction to each step (frames to\n"
      "within 10 %, overshoot, p99 frame size)");
  add_source_and_encoder(*live_cmd, live_opts);
  live_cmd->add_option("--rate-schedule", live_opts.rate_schedule, "the schedule file")->required()->type_name("FILE");
  live_cmd->add_option("--size", live_opts.size, "encoded size [default: the source's]")->type_name("WxH");
  live_cmd->add_option("--rate-mode", live_opts.rate_mode, "rate control [default: cbr]")
      ->type_name("MODE")
      ->check(CLI::IsMember({"cbr", "abr"}));
  live_cmd->add_option("--out", live_opts.out, "write every frame (pts, target, bytes, keyframe) as CSV")->type_name("FILE.csv");

  std::vector<std::string> bd_dirs;
  auto* bd_cmd = app.add_subcommand(
      "bd-rate",
      "BD-rate (%) of one encoded ladder against another (per-rung bitrate and PSNR-Y from their segments.csv);\n"
      "negative: TEST needs fewer bits for the same PSNR");
  bd_cmd->add_option("DIRS", bd_dirs, "REFERENCE_DIR TEST_DIR")->required()->expected(2)->type_name("DIR");
  app.footer("Run 'streamopt encode SUBCOMMAND --help' for a subcommand's options.");

  if (argv.empty()) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  if (!parse(app, argv)) return 0;
  if (*bd_cmd) {
    const double bd = bd_rate_percent(ladder_rate_psnr(bd_dirs[0]), ladder_rate_psnr(bd_dirs[1]));
    fmt::print("BD-rate of {} against {}: {:+.2f} %\n", bd_dirs[1], bd_dirs[0], bd);
    return 0;
  }
  if (*ladder_cmd) return ladder(ladder_opts);
  if (*hull_cmd) return hull(hull_opts);
  return live(live_opts);
}

}  // namespace streamopt::cli
