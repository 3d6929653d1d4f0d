// Ladder encoding: one decode feeds every rung; segments start with a
// keyframe on every rung at the same pts; files plus the manifest directory.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <unistd.h>

#include "codec/backends.hpp"
#include "codec/fmp4_writer.hpp"
#include "codec/segment_writer.hpp"
#include "core/text_io.hpp"
#include "streamopt/error.hpp"
#include "streamopt/ladder.hpp"

namespace streamopt {
namespace {

namespace fs = std::filesystem;

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// Everything one rung carries while the source is read.
struct RungState {
  Rung rung;
  std::unique_ptr<EncoderAdapter> encoder;
  std::unique_ptr<FrameScaler> down;     // source -> rung
  std::unique_ptr<FrameScaler> up;       // rung -> source, for quality at the source resolution
  std::unique_ptr<VideoDecoder> decoder;
  std::vector<EncodedPacket> packets;    // of the segment being filled
  std::size_t segment = 0;               // index of that segment
  std::vector<EncodedSegment> done;
  std::map<std::size_t, QualityStats> quality;   // per segment
  std::map<std::size_t, double> wall_s, cpu_s;   // per segment
  std::unique_ptr<codec::Fmp4Writer> fmp4;       // packaged: opened at the first segment
  std::int64_t shift_frames = 0;                 // packaged: the B-frame delay moved out of the decode times
};

// Writes `bytes` to `path` (inside the temporary output directory); throws
// `Error` naming the path.
void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (out) out.close();
  if (!out) throw Error(fmt::format("encode ladder: cannot write {}", path.string()));
}

// The packaged title the manifests describe: per rung its id (= directory),
// size, codecs string and timescale from its init segment, the B-frame
// offset and its media segments' sizes (`sizes[segment][rung]`) and durations.
PackagedTitle states_to_title(const std::vector<RungState>& states, const std::vector<std::vector<std::uint64_t>>& sizes, int fps,
                              double segment_s) {
  PackagedTitle title;
  title.fps = fps;
  title.segment_s = segment_s;
  for (std::size_t r = 0; r < states.size(); ++r) {
    const RungState& s = states[r];
    if (!s.fmp4) throw Error(fmt::format("encode ladder: rung {} wrote no segments", r));
    const InitSegmentInfo info = read_init_segment(s.fmp4->init_segment());
    if (info.timescale != s.fmp4->timescale()) {
      throw Error(fmt::format("encode ladder: rung {}: the muxer chose timescale {}, not {}", r, info.timescale, s.fmp4->timescale()));
    }
    title.timescale = info.timescale;
    PackagedRendition rendition;
    rendition.id = fmt::format("rung_{}", r);
    rendition.width = s.rung.width;
    rendition.height = s.rung.height;
    rendition.codecs = info.codecs;
    rendition.presentation_offset_ticks =
        static_cast<std::uint64_t>(s.shift_frames) * info.timescale / static_cast<std::uint64_t>(fps);
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      rendition.segment_bytes.push_back(sizes[k][r]);
      rendition.segment_duration_s.push_back(static_cast<double>(s.done[k].frames) / fps);
    }
    title.renditions.push_back(std::move(rendition));
  }
  return title;
}

// manifest.mpd, master.m3u8 and rung_R/playlist.m3u8 as `formats` asks.
void write_manifests(const fs::path& dir, const PackageFormats& formats, const PackagedTitle& title) {
  if (formats.dash) detail::write_file_atomic(dir / kDashManifestName, dash_mpd(title));
  if (formats.hls) {
    detail::write_file_atomic(dir / kHlsMasterName, hls_multivariant_playlist(title));
    for (std::size_t r = 0; r < title.renditions.size(); ++r) {
      detail::write_file_atomic(dir / title.renditions[r].id / kMediaPlaylistName, hls_media_playlist(title, r));
    }
  }
}

// SSIM in dB, -10 log10(1 - SSIM), rounded to 4 decimals as the quality files have always held it.
double ssim_db(double ssim) { return std::round(-10.0 * std::log10(std::max(1.0 - ssim, 1e-10)) * 1e4) / 1e4; }

}  // namespace

std::vector<Rung> parse_rungs(std::string_view text) {
  std::vector<Rung> rungs;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string item(text.substr(start, end - start));
    Rung r;
    char x = 0, at = 0;
    double kbps = 0;
    std::istringstream in(item);
    if (!(in >> r.width >> x >> r.height >> at >> kbps) || x != 'x' || at != '@' || !in.eof()) {
      throw Error(fmt::format("rung '{}': expected WIDTHxHEIGHT@KBPS", item));
    }
    if (r.width <= 0 || r.height <= 0 || r.width % 2 || r.height % 2) throw Error(fmt::format("rung '{}': size must be even and positive", item));
    if (!(kbps > 0)) throw Error(fmt::format("rung '{}': bitrate must be > 0", item));
    r.bitrate_bps = kbps * 1e3;
    if (!rungs.empty() && r.bitrate_bps <= rungs.back().bitrate_bps) {
      throw Error(fmt::format("rung '{}': bitrates must increase along the ladder", item));
    }
    rungs.push_back(r);
    start = end + 1;
  }
  if (rungs.empty()) throw Error("no rungs given");
  return rungs;
}

LadderResult encode_ladder(VideoSource& source, const std::vector<Rung>& rungs, const LadderOptions& options,
                           const fs::path& out_dir) {
  if (rungs.empty()) throw Error("encode ladder: no rungs");
  for (std::size_t i = 1; i < rungs.size(); ++i) {
    if (rungs[i].bitrate_bps <= rungs[i - 1].bitrate_bps) throw Error("encode ladder: rung bitrates must increase");
  }
  const int fps = source.fps();
  const double frames_exact = options.segment_s * fps;
  const auto frames_per_segment = static_cast<std::int64_t>(std::llround(frames_exact));
  if (frames_per_segment < 1 || std::fabs(frames_exact - static_cast<double>(frames_per_segment)) > 1e-6) {
    throw Error(fmt::format("encode ladder: a {} s segment is not a whole number of frames at {} fps", options.segment_s, fps));
  }
  const PackageFormats formats = options.package ? *options.package : default_package_formats(options.codec);
  const bool packaged = !formats.none();
  if (packaged && !packageable(options.codec)) {
    throw Error(fmt::format("encode ladder: {} cannot be packaged for DASH/HLS ({} has no fragmented MP4 mapping); "
                            "use --package none for self-contained WebM segments",
                            codec_name(options.codec), codec_name(options.codec)));
  }
  std::error_code ec;
  if (fs::exists(out_dir, ec) && !(fs::is_directory(out_dir, ec) && fs::is_empty(out_dir, ec))) {
    throw Error(fmt::format("encode ladder: output {} exists and is not an empty directory", out_dir.string()));
  }
  const fs::path parent = out_dir.has_parent_path() ? out_dir.parent_path() : fs::path(".");
  const fs::path temp = parent / fmt::format(".{}.partial-{}", out_dir.filename().string(), static_cast<long>(::getpid()));
  try {
    fs::create_directories(parent);
    fs::remove_all(temp);
    fs::create_directories(temp);
  } catch (const fs::filesystem_error& e) {
    throw Error(fmt::format("encode ladder: cannot create the output directory {} (working in {}): {}", out_dir.string(),
                            temp.string(), e.code().message()));
  }
  struct Cleanup {
    fs::path dir;
    bool keep = false;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) fs::remove_all(dir, ec);
    }
  } cleanup{temp};

  const std::string label = fmt::format("{}/{}/{}", codec_name(options.codec), backend_name(options.backend),
                                        options.preset.empty() ? "default" : options.preset);
  std::vector<RungState> states(rungs.size());
  for (std::size_t r = 0; r < rungs.size(); ++r) {
    RungState& s = states[r];
    s.rung = rungs[r];
    EncoderConfig c = codec::ladder_encoder_config(options, s.rung.width, s.rung.height, fps);
    c.rate_mode = RateMode::abr;
    c.target_bps = s.rung.bitrate_bps;
    c.max_bps = options.max_rate_factor * s.rung.bitrate_bps;
    c.buffer_ms = 2000;
    s.encoder = make_encoder(c);
    s.down = std::make_unique<FrameScaler>(source.width(), source.height(), c.width, c.height);
    if (options.measure_quality) {
      s.up = std::make_unique<FrameScaler>(c.width, c.height, source.width(), source.height());
      s.decoder = std::make_unique<VideoDecoder>(c.codec, s.encoder->extradata());
    }
    fs::create_directories(temp / fmt::format("rung_{}", r));
  }

  std::map<std::int64_t, std::pair<VideoFrame, std::size_t>> references;  // pts -> (source frame, rungs still to compare)
  const auto measure = [&](RungState& s, std::vector<VideoFrame> decoded) {
    for (VideoFrame& d : decoded) {
      auto it = references.find(d.pts);
      if (it == references.end()) throw Error(fmt::format("encode ladder: decoder returned unknown pts {}", d.pts));
      s.quality[static_cast<std::size_t>(d.pts / frames_per_segment)].add(it->second.first, s.up->scale(d));
      if (--it->second.second == 0) references.erase(it);
    }
  };
  const auto finish_segment = [&](std::size_t r) {
    RungState& s = states[r];
    const std::size_t seg = s.segment;
    const std::int64_t start = static_cast<std::int64_t>(seg) * frames_per_segment;
    if (s.packets.empty() || s.packets.front().pts != start || s.packets.front().keyframe == KeyframeKind::none) {
      throw Error(fmt::format("encode ladder: segment {} of rung {} does not start with a keyframe at pts {} "
                              "(first packet pts {}, {})",
                              seg, r, start, s.packets.empty() ? -1 : s.packets.front().pts,
                              s.packets.empty() ? "none" : keyframe_name(s.packets.front().keyframe)));
    }
    EncodedSegment e;
    e.rung = r;
    e.segment = seg;
    e.codec = label;
    e.target_bps = s.rung.bitrate_bps;
    e.frames = static_cast<int>(s.packets.size());
    e.keyframe = s.packets.front().keyframe;
    std::vector<double> frame_bytes(static_cast<std::size_t>(frames_per_segment), 0.0);
    double qp_sum = 0;
    int qp_count = 0;
    std::vector<const EncodedPacket*> order;
    for (const EncodedPacket& p : s.packets) {
      e.size_bytes += p.data.size();
      const auto i = static_cast<std::size_t>(p.pts - start);
      if (i < frame_bytes.size()) frame_bytes[i] += static_cast<double>(p.data.size());
      if (p.qp >= 0) {
        qp_sum += p.qp;
        ++qp_count;
      }
      order.push_back(&p);
    }
    e.actual_bps = static_cast<double>(e.size_bytes) * 8.0 / options.segment_s;
    const auto window = static_cast<std::size_t>(std::min<std::int64_t>(fps, frames_per_segment));
    double sum = 0;
    for (std::size_t i = 0; i < frame_bytes.size(); ++i) {
      sum += frame_bytes[i];
      if (i >= window) sum -= frame_bytes[i - window];
      if (i + 1 >= window) e.peak_1s_bps = std::max(e.peak_1s_bps, sum * 8.0 * fps / static_cast<double>(window));
    }
    e.mean_qp = qp_count ? qp_sum / qp_count : -1.0;
    e.wall_s = s.wall_s[seg];
    e.cpu_s = s.cpu_s[seg];
    if (packaged) {
      if (!s.fmp4) {
        // Decode times start at 0: the first packet (the lowest dts) moves to 0, and presentation with it.
        s.shift_frames = std::max<std::int64_t>(0, -s.packets.front().dts);
        s.fmp4 = std::make_unique<codec::Fmp4Writer>(options.codec, s.rung.width, s.rung.height, fps, s.encoder->extradata(),
                                                     s.shift_frames, fmt::format("rung {}", r));
        write_bytes(temp / fmt::format("rung_{}", r) / kInitSegmentName, s.fmp4->init_segment());
      }
      e.file = fmt::format("rung_{}/{}", r, media_segment_name(seg + 1));
      write_bytes(temp / e.file, s.fmp4->write_segment(order));
    } else {
      e.file = fmt::format("rung_{}/seg_{}{}", r, seg, codec::segment_extension(options.codec));
      codec::write_segment_file(temp / e.file, options.codec, s.rung.width, s.rung.height, fps, s.encoder->extradata(), order);
    }
    s.done.push_back(e);
    s.packets.clear();
    ++s.segment;
  };
  const auto take = [&](std::size_t r, std::vector<EncodedPacket> packets) {
    RungState& s = states[r];
    for (EncodedPacket& p : packets) {
      if (s.decoder) measure(s, s.decoder->decode(p));
      const auto seg = static_cast<std::size_t>(std::max<std::int64_t>(p.pts, 0) / frames_per_segment);
      if (p.keyframe != KeyframeKind::none && p.pts % frames_per_segment == 0 && seg > s.segment && !s.packets.empty()) {
        finish_segment(r);
        if (seg != s.segment) throw Error(fmt::format("encode ladder: rung {} skipped from segment {} to {}", r, s.segment, seg));
      }
      s.packets.push_back(std::move(p));
    }
  };

  const auto wall_start = std::chrono::steady_clock::now();
  auto last_report = wall_start;
  VideoFrame frame;
  std::int64_t read = 0;
  while ((options.max_frames <= 0 || read < options.max_frames) && source.next(frame)) {
    if (frame.width != source.width() || frame.height != source.height()) {
      throw Error(fmt::format("encode ladder: source frame {} is {}x{}, expected {}x{}", read, frame.width, frame.height,
                              source.width(), source.height()));
    }
    frame.pts = read++;
    const bool segment_start = frame.pts % frames_per_segment == 0;
    const auto seg = static_cast<std::size_t>(frame.pts / frames_per_segment);
    if (options.measure_quality) references.emplace(frame.pts, std::make_pair(frame, states.size()));
    for (std::size_t r = 0; r < states.size(); ++r) {
      RungState& s = states[r];
      const VideoFrame scaled = s.down->scale(frame);
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = cpu_seconds();
      auto packets = s.encoder->encode(scaled, segment_start);
      s.wall_s[seg] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      s.cpu_s[seg] += cpu_seconds() - c0;
      take(r, std::move(packets));
    }
    const auto now = std::chrono::steady_clock::now();
    if (options.progress && now - last_report >= std::chrono::seconds(1)) {
      last_report = now;
      EncodeProgress p;
      p.frames = read;
      p.total_frames = options.max_frames;
      p.fps = static_cast<double>(read) / std::chrono::duration<double>(now - wall_start).count();
      p.eta_s = p.total_frames > 0 && p.fps > 0 ? static_cast<double>(p.total_frames - read) / p.fps : 0;
      options.progress(p);
    }
  }
  const std::size_t complete = static_cast<std::size_t>(read / frames_per_segment);
  if (complete == 0) {
    throw Error(fmt::format("encode ladder: the source has {} frames, less than one {} s segment ({} frames)", read,
                            options.segment_s, frames_per_segment));
  }
  for (std::size_t r = 0; r < states.size(); ++r) {
    RungState& s = states[r];
    take(r, s.encoder->flush());
    if (s.decoder) measure(s, s.decoder->flush());
    if (s.segment < complete && !s.packets.empty()) finish_segment(r);
  }

  LadderResult result;
  result.segment_count = complete;
  result.segment_s = options.segment_s;
  std::vector<Rung> manifest_rungs;
  std::vector<std::vector<std::uint64_t>> sizes(complete);
  std::vector<std::vector<double>> ssim(options.measure_quality ? complete : 0);
  if (options.measure_quality) fs::create_directories(temp / "quality");
  std::string csv =
      "rung,segment,codec,target_bps,actual_bps,peak_1s_bps,size_bytes,file_bytes,frames,keyframe,mean_psnr_y_db,"
      "worst_psnr_y_db,ssim_y,mean_qp,wall_s,cpu_s,file\n";
  for (std::size_t r = 0; r < states.size(); ++r) {
    RungState& s = states[r];
    if (s.done.size() < complete) throw Error(fmt::format("encode ladder: rung {} has {} of {} segments", r, s.done.size(), complete));
    std::string psnr;
    for (std::size_t k = 0; k < complete; ++k) {
      EncodedSegment& e = s.done[k];
      if (options.measure_quality) {
        const QualityStats& q = s.quality[k];
        if (q.frames != static_cast<std::size_t>(frames_per_segment)) {
          throw Error(fmt::format("encode ladder: rung {} segment {}: {} of {} frames decoded", r, k, q.frames, frames_per_segment));
        }
        e.mean_psnr_db = q.mean_psnr_db();
        e.worst_psnr_db = q.worst_psnr_db;
        e.ssim = q.mean_ssim();
        ssim[k].push_back(ssim_db(e.ssim));
      } else {
        e.mean_psnr_db = e.worst_psnr_db = e.ssim = std::nan("");
      }
      const auto file_bytes = fs::file_size(temp / e.file);
      sizes[k].push_back(file_bytes);
      psnr += fmt::format("{:.4f}\n", e.mean_psnr_db);
      csv += fmt::format("{},{},{},{:.0f},{:.0f},{:.0f},{},{},{},{},{:.4f},{:.4f},{:.6f},{:.2f},{:.4f},{:.4f},{}\n", r, k, e.codec,
                         e.target_bps, e.actual_bps, e.peak_1s_bps, e.size_bytes, file_bytes, e.frames, keyframe_name(e.keyframe),
                         e.mean_psnr_db, e.worst_psnr_db, e.ssim, e.mean_qp, e.wall_s, e.cpu_s, e.file);
      result.segments.push_back(e);
    }
    Rung rung = s.rung;
    rung.codec = label;
    manifest_rungs.push_back(rung);
    if (options.measure_quality) detail::write_file_atomic(temp / fmt::format("quality/psnr_y_{}", r), psnr);
    // Drop any trailing partial segment's file.
    for (std::size_t k = complete; k < s.done.size(); ++k) fs::remove(temp / s.done[k].file);
  }
  // ladder.json, sizes/video_size_R and quality/ssim_db_R (the quality QoE model's scores).
  Manifest manifest(std::move(manifest_rungs), options.segment_s, complete, sizes, ssim);
  manifest.set_name(options.name);
  manifest.save(temp, "ssim_db");
  if (packaged) write_manifests(temp, formats, states_to_title(states, sizes, fps, options.segment_s));
  detail::write_file_atomic(temp / "segments.csv", csv);
  if (fs::exists(out_dir)) fs::remove(out_dir);  // empty, checked above
  fs::rename(temp, out_dir);
  cleanup.keep = true;
  return result;
}

}  // namespace streamopt

namespace streamopt {

std::vector<std::pair<double, double>> ladder_rate_psnr(const std::filesystem::path& dir) {
  const auto path = dir / "segments.csv";
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open (not a ladder directory?)", path.string()));
  std::string line;
  std::getline(in, line);  // header
  std::map<std::size_t, std::pair<double, double>> sums;
  std::map<std::size_t, int> counts;
  for (int number = 2; std::getline(in, line); ++number) {
    std::vector<std::string> fields;
    std::stringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    if (fields.size() < 11) throw Error(fmt::format("{}:{}: expected 17 columns", path.string(), number));
    try {
      const auto rung = static_cast<std::size_t>(std::stoul(fields[0]));
      const double psnr = std::stod(fields[10]);
      if (!std::isfinite(psnr)) throw std::invalid_argument("nan");
      sums[rung].first += std::stod(fields[4]);
      sums[rung].second += psnr;
      ++counts[rung];
    } catch (const std::exception&) {
      throw Error(fmt::format("{}:{}: rung, actual_bps or mean_psnr_y_db is not a number (encoded without quality?)", path.string(), number));
    }
  }
  std::vector<std::pair<double, double>> out;
  for (const auto& [rung, sum] : sums) out.emplace_back(sum.first / counts[rung], sum.second / counts[rung]);
  if (out.empty()) throw Error(fmt::format("{}: no segments", path.string()));
  return out;
}

}  // namespace streamopt
