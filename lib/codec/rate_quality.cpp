// Per-title rate-quality grid, its upper convex hull, BD-rate, and live
// encoding against a rate schedule.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>
#include <cmath>

#include "codec/backends.hpp"
#include "streamopt/error.hpp"
#include "streamopt/ladder.hpp"

namespace streamopt {
namespace {

// Least-squares cubic through (x, y); coefficients c0..c3.
std::array<double, 4> fit_cubic(const std::vector<double>& x, const std::vector<double>& y) {
  double a[4][5] = {};
  for (std::size_t k = 0; k < x.size(); ++k) {
    double p[7] = {1, 0, 0, 0, 0, 0, 0};
    for (int i = 1; i < 7; ++i) p[i] = p[i - 1] * x[k];
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) a[i][j] += p[i + j];
      a[i][4] += p[i] * y[k];
    }
  }
  for (int col = 0; col < 4; ++col) {  // Gaussian elimination with partial pivoting
    int pivot = col;
    for (int r = col + 1; r < 4; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    for (int j = 0; j < 5; ++j) std::swap(a[col][j], a[pivot][j]);
    if (std::fabs(a[col][col]) < 1e-300) throw Error("BD-rate: the quality values are degenerate");
    for (int r = 0; r < 4; ++r) {
      if (r == col) continue;
      const double f = a[r][col] / a[col][col];
      for (int j = col; j < 5; ++j) a[r][j] -= f * a[col][j];
    }
  }
  return {a[0][4] / a[0][0], a[1][4] / a[1][1], a[2][4] / a[2][2], a[3][4] / a[3][3]};
}

double integral(const std::array<double, 4>& c, double lo, double hi) {
  const auto f = [&](double x) { return c[0] * x + c[1] * x * x / 2 + c[2] * x * x * x / 3 + c[3] * x * x * x * x / 4; };
  return f(hi) - f(lo);
}

}  // namespace

double bd_rate_percent(const std::vector<std::pair<double, double>>& reference, const std::vector<std::pair<double, double>>& test) {
  if (reference.size() < 4 || test.size() < 4) throw Error("BD-rate: need at least 4 (rate, PSNR) points per curve");
  const auto split = [](const std::vector<std::pair<double, double>>& points, std::vector<double>& psnr, std::vector<double>& log_rate) {
    for (const auto& [rate, q] : points) {
      if (!(rate > 0) || !std::isfinite(q)) throw Error("BD-rate: rates must be > 0 and PSNRs finite");
      psnr.push_back(q);
      log_rate.push_back(std::log10(rate));
    }
  };
  std::vector<double> qa, ra, qb, rb;
  split(reference, qa, ra);
  split(test, qb, rb);
  const double lo = std::max(*std::min_element(qa.begin(), qa.end()), *std::min_element(qb.begin(), qb.end()));
  const double hi = std::min(*std::max_element(qa.begin(), qa.end()), *std::max_element(qb.begin(), qb.end()));
  if (!(hi > lo)) throw Error("BD-rate: the curves' PSNR ranges do not overlap");
  const double avg_a = integral(fit_cubic(qa, ra), lo, hi) / (hi - lo);
  const double avg_b = integral(fit_cubic(qb, rb), lo, hi) / (hi - lo);
  return (std::pow(10.0, avg_b - avg_a) - 1.0) * 100.0;
}

void mark_convex_hull(std::vector<RateQualityPoint>& points) {
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return points[a].bitrate_bps != points[b].bitrate_bps ? points[a].bitrate_bps < points[b].bitrate_bps
                                                          : points[a].psnr_db > points[b].psnr_db;
  });
  // Upper hull (monotone chain), keeping quality increasing with bitrate.
  std::vector<std::size_t> hull;
  for (std::size_t i : order) {
    if (!hull.empty() && points[i].psnr_db <= points[hull.back()].psnr_db) continue;
    while (hull.size() >= 2) {
      const auto& a = points[hull[hull.size() - 2]];
      const auto& b = points[hull.back()];
      const auto& c = points[i];
      const double cross = (b.bitrate_bps - a.bitrate_bps) * (c.psnr_db - a.psnr_db) - (b.psnr_db - a.psnr_db) * (c.bitrate_bps - a.bitrate_bps);
      if (cross >= 0) {
        hull.pop_back();  // b lies on or below the chord a-c
      } else {
        break;
      }
    }
    hull.push_back(i);
  }
  for (auto& p : points) p.on_hull = false;
  for (std::size_t i : hull) points[i].on_hull = true;
}

std::vector<Rung> pick_hull_rungs(const std::vector<RateQualityPoint>& points, const std::vector<double>& targets_bps) {
  std::vector<const RateQualityPoint*> hull;
  for (const auto& p : points) {
    if (p.on_hull) hull.push_back(&p);
  }
  if (hull.empty()) throw Error("hull: no points on the hull (call mark_convex_hull first)");
  std::sort(hull.begin(), hull.end(), [](auto a, auto b) { return a->bitrate_bps < b->bitrate_bps; });
  std::vector<Rung> rungs;
  for (double target : targets_bps) {
    const RateQualityPoint* best = hull.front();
    for (const RateQualityPoint* p : hull) {
      if (p->bitrate_bps <= target) best = p;
    }
    rungs.push_back({target, best->width, best->height, ""});
  }
  return rungs;
}

std::vector<RateQualityPoint> rate_quality_grid(const std::vector<VideoFrame>& frames, int fps,
                                                const std::vector<std::pair<int, int>>& resolutions,
                                                const std::vector<int>& crfs, const LadderOptions& options) {
  if (frames.empty()) throw Error("hull: no source frames");
  if (resolutions.empty() || crfs.empty()) throw Error("hull: give at least one resolution and one CRF");
  const int src_w = frames.front().width, src_h = frames.front().height;
  std::vector<RateQualityPoint> points;
  for (const auto& [w, h] : resolutions) {
    FrameScaler down(src_w, src_h, w, h);
    FrameScaler up(w, h, src_w, src_h);
    std::vector<VideoFrame> scaled;
    scaled.reserve(frames.size());
    for (const VideoFrame& f : frames) scaled.push_back(down.scale(f));
    for (int crf : crfs) {
      EncoderConfig c = codec::ladder_encoder_config(options, w, h, fps);
      c.rate_mode = RateMode::crf;
      c.quality = crf;
      auto enc = make_encoder(c);
      VideoDecoder dec(c.codec, enc->extradata());
      std::vector<EncodedPacket> packets;
      for (const VideoFrame& f : scaled) {
        for (auto& p : enc->encode(f, f.pts % c.keyint_frames == 0)) packets.push_back(std::move(p));
      }
      for (auto& p : enc->flush()) packets.push_back(std::move(p));
      double bytes = 0;
      QualityStats q;
      const auto compare = [&](std::vector<VideoFrame> decoded) {
        for (const VideoFrame& d : decoded) q.add(frames.at(static_cast<std::size_t>(d.pts)), up.scale(d));
      };
      for (const auto& p : packets) {
        bytes += static_cast<double>(p.data.size());
        compare(dec.decode(p));
      }
      compare(dec.flush());
      RateQualityPoint point;
      point.width = w;
      point.height = h;
      point.crf = crf;
      point.bitrate_bps = bytes * 8.0 * fps / static_cast<double>(frames.size());
      point.psnr_db = q.mean_psnr_db();
      point.ssim = q.mean_ssim();
      points.push_back(point);
      if (options.progress) {
        EncodeProgress progress;
        progress.frames = static_cast<std::int64_t>(points.size());
        progress.total_frames = static_cast<std::int64_t>(resolutions.size() * crfs.size());
        options.progress(progress);
      }
    }
  }
  mark_convex_hull(points);
  return points;
}

std::vector<LiveFrame> encode_live(VideoSource& source, EncoderConfig config,
                                   const std::vector<std::pair<double, double>>& schedule, std::int64_t max_frames) {
  if (config.width == 0) config.width = source.width();
  if (config.height == 0) config.height = source.height();
  config.fps = source.fps();
  config.latency = LatencyMode::live;
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    if (!(schedule[i].second >= 1e3) || (i > 0 && schedule[i].first <= schedule[i - 1].first) || schedule[i].first < 0) {
      throw Error(fmt::format("rate schedule step {}: times must increase from 0 and rates be >= 1 kbit/s", i + 1));
    }
  }
  if (!schedule.empty() && schedule.front().first == 0) config.target_bps = schedule.front().second;
  auto enc = make_encoder(config);
  const bool scale = config.width != source.width() || config.height != source.height();
  std::unique_ptr<FrameScaler> scaler;
  if (scale) scaler = std::make_unique<FrameScaler>(source.width(), source.height(), config.width, config.height);
  std::vector<LiveFrame> out;  // out[pts]
  std::size_t next_step = !schedule.empty() && schedule.front().first == 0 ? 1 : 0;
  double target = config.target_bps;
  VideoFrame f;
  std::int64_t n = 0;
  const auto take = [&](const std::vector<EncodedPacket>& packets) {
    for (const auto& p : packets) {
      if (p.pts < 0 || p.pts >= static_cast<std::int64_t>(out.size())) continue;
      LiveFrame& frame = out[static_cast<std::size_t>(p.pts)];
      frame.bytes += p.data.size();
      if (p.keyframe != KeyframeKind::none) frame.keyframe = p.keyframe;
    }
  };
  while ((max_frames <= 0 || n < max_frames) && source.next(f)) {
    f.pts = n++;
    const double t = static_cast<double>(f.pts) / config.fps;
    if (next_step < schedule.size() && t >= schedule[next_step].first) {
      target = schedule[next_step].second;
      enc->set_rates({target, 0, 0});
      ++next_step;
    }
    out.push_back({f.pts, target, 0, KeyframeKind::none});
    take(enc->encode(scale ? scaler->scale(f) : f, f.pts == 0));
  }
  take(enc->flush());
  return out;
}

RateReaction measure_reaction(const std::vector<LiveFrame>& frames, std::int64_t step_pts, int fps, double tolerance) {
  RateReaction r;
  if (step_pts < 0 || step_pts >= static_cast<std::int64_t>(frames.size()) || fps <= 0) return r;
  const double target = frames[static_cast<std::size_t>(step_pts)].target_bps;
  std::vector<double> sizes;
  double window = 0;
  double peak = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    window += static_cast<double>(frames[i].bytes);
    if (i >= static_cast<std::size_t>(fps)) window -= static_cast<double>(frames[i - static_cast<std::size_t>(fps)].bytes);
    if (static_cast<std::int64_t>(i) < step_pts) continue;
    if (frames[i].target_bps != target) break;  // the next step
    sizes.push_back(static_cast<double>(frames[i].bytes));
    const double rate = window * 8.0;  // bits over the last second
    if (r.frames_to_settle < 0 && std::fabs(rate / target - 1.0) <= tolerance) r.frames_to_settle = static_cast<int>(static_cast<std::int64_t>(i) - step_pts);
    if (static_cast<std::int64_t>(i) >= step_pts + fps) peak = std::max(peak, rate);
  }
  r.overshoot = peak > 0 ? peak / target - 1.0 : 0.0;
  if (!sizes.empty()) {
    std::sort(sizes.begin(), sizes.end());
    r.p99_frame_bytes = sizes[static_cast<std::size_t>(std::floor(0.99 * static_cast<double>(sizes.size() - 1)))];
  }
  return r;
}

}  // namespace streamopt
