#pragma once
/// \file ladder.hpp
/// Ladder encoding (one decode feeds every rung's encoder; fixed-duration
/// segments starting with a keyframe on every rung at the same pts, written
/// as files ffprobe reads plus the manifest directory the simulator loads),
/// live encoding against a rate schedule, the per-title convex hull and
/// BD-rate. Part of the codec component.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/cc_sim.hpp"
#include "streamopt/codec.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/packaging.hpp"
#include "streamopt/video_io.hpp"

namespace streamopt {

/// Parses `WxH@kbps,...` (e.g. `640x360@800,1280x720@2500`) into the core's
/// `Rung` (target bitrate and size); throws `Error`
/// on bad syntax, odd sizes or bitrates not strictly increasing.
std::vector<Rung> parse_rungs(std::string_view text);

/// Progress of a long encode.
struct EncodeProgress {
  std::int64_t frames = 0;        ///< source frames done
  std::int64_t total_frames = 0;  ///< expected, 0 when unknown
  double fps = 0;                 ///< source frames per wall second so far
  double eta_s = 0;               ///< remaining wall time (0 when unknown)
};

/// Ladder encoding options.
struct LadderOptions {
  Codec codec = Codec::h264;              ///< codec of every rung
  Backend backend = Backend::libavcodec;  ///< implementation
  std::string av1_encoder = "libsvtav1";  ///< libavcodec AV1 encoder
  std::string preset;                     ///< "" = backend default (VOD)
  double segment_s = 4.0;                 ///< segment duration; a whole number of frames
  double max_rate_factor = 1.5;           ///< capped ABR: VBV max = factor x target, buffer 2 s of max
  int threads = 1;                        ///< encoder threads
  std::int64_t max_frames = 0;            ///< stop after this many source frames (0: all)
  std::string name = "title";             ///< manifest name
  bool measure_quality = true;            ///< decode every rung back and measure PSNR/SSIM (off: encode only)
  /// Manifests to write with fragmented MP4 segments (`rung_R/init.mp4`,
  /// `rung_R/seg_N.m4s`); unset: `default_package_formats(codec)` (DASH and
  /// HLS, none for VP8). `PackageFormats{}` (none): one self-contained file
  /// per segment instead. Asking for a manifest with VP8 is an error.
  std::optional<PackageFormats> package;
  std::function<void(const EncodeProgress&)> progress;  ///< called about once per second of wall time
};

/// What one segment of one rung came out as.
struct EncodedSegment {
  std::size_t rung = 0;             ///< rung index
  std::size_t segment = 0;          ///< segment index
  std::string codec;                ///< e.g. "h264/libavcodec/medium"
  double target_bps = 0;            ///< the rung's target
  double actual_bps = 0;            ///< bytes x 8 / duration
  double peak_1s_bps = 0;           ///< highest bitrate over any 1 s window of frames in the segment
  std::uint64_t size_bytes = 0;     ///< segment bytes (frames only)
  int frames = 0;                   ///< frames in the segment
  KeyframeKind keyframe = KeyframeKind::none;  ///< kind of its first frame
  double mean_psnr_db = 0;          ///< PSNR-Y from the mean MSE, at the source resolution
  double worst_psnr_db = 0;         ///< lowest frame PSNR-Y
  double ssim = 0;                  ///< mean SSIM-Y, at the source resolution
  double mean_qp = -1;              ///< mean QP where reported, else -1
  double wall_s = 0;                ///< wall time spent encoding this rung's frames of the segment
  double cpu_s = 0;                 ///< process CPU time spent likewise
  std::string file;                 ///< path relative to the output directory
};

/// A finished ladder.
struct LadderResult {
  std::vector<EncodedSegment> segments;  ///< rung-major
  std::size_t segment_count = 0;         ///< complete segments per rung
  double segment_s = 0;                  ///< segment duration
};

/// Encodes `source` into every rung. Writes into `out_dir` (which must not
/// exist or be empty; everything is written to a sibling temporary directory
/// renamed into place, so a failure leaves nothing behind) `ladder.json`,
/// `sizes/video_size_R` (the media segment file sizes), `quality/ssim_db_R`,
/// `quality/psnr_y_R` (when measuring quality), `segments.csv` and the media:
/// packaged (the default), `rung_R/init.mp4`, `rung_R/seg_N.m4s` (N from 1)
/// plus `manifest.mpd` and/or `master.m3u8` with `rung_R/playlist.m3u8`;
/// unpackaged, self-contained `rung_R/seg_N.mp4` (WebM for VP8/VP9, N from 0).
/// Throws `Error` if a segment does not start with a keyframe on every rung
/// at the same pts, on encoder or I/O failures (naming the path), when
/// packaging is asked for a codec that cannot be packaged, or when the source
/// is shorter than a segment.
LadderResult encode_ladder(VideoSource& source, const std::vector<Rung>& rungs, const LadderOptions& options,
                           const std::filesystem::path& out_dir);

/// One point of a rate-quality curve.
struct RateQualityPoint {
  int width = 0;            ///< encoded resolution
  int height = 0;           ///< (see width)
  int crf = 0;              ///< CRF used
  double bitrate_bps = 0;   ///< achieved
  double psnr_db = 0;       ///< PSNR-Y at the source resolution
  double ssim = 0;          ///< SSIM-Y at the source resolution
  bool on_hull = false;     ///< on the upper convex hull of PSNR over bitrate
};

/// Encodes `frames` (already decoded source frames) at every resolution and
/// CRF, measures quality at the source resolution and marks the upper convex
/// hull of PSNR-Y over bitrate across resolutions.
std::vector<RateQualityPoint> rate_quality_grid(const std::vector<VideoFrame>& frames, int fps,
                                                const std::vector<std::pair<int, int>>& resolutions,
                                                const std::vector<int>& crfs, const LadderOptions& options);
/// Marks `on_hull` for the points on the upper convex hull (in place).
void mark_convex_hull(std::vector<RateQualityPoint>& points);
/// Rungs on the hull for the given targets: for each target the hull point
/// with the highest PSNR at or below it (resolution of that point, target rate).
std::vector<Rung> pick_hull_rungs(const std::vector<RateQualityPoint>& points, const std::vector<double>& targets_bps);

/// Per-rung (mean bitrate, mean PSNR-Y) of a ladder directory's
/// `segments.csv`; throws `Error` when it is missing or has no PSNR.
std::vector<std::pair<double, double>> ladder_rate_psnr(const std::filesystem::path& dir);

/// Bjontegaard delta rate (%) of `test` against `reference`: cubic fits of
/// log rate over PSNR, averaged over the overlapping PSNR range. Negative
/// means `test` needs less bitrate. Throws `Error` with fewer than 4 points
/// per curve or no overlap.
double bd_rate_percent(const std::vector<std::pair<double, double>>& reference_rate_psnr,
                       const std::vector<std::pair<double, double>>& test_rate_psnr);

/// A live encode's per-frame record.
struct LiveFrame {
  std::int64_t pts = 0;        ///< frame
  double target_bps = 0;       ///< target in force
  std::uint64_t bytes = 0;     ///< frame size
  KeyframeKind keyframe = KeyframeKind::none;  ///< kind
};

/// Encodes `source` in live mode, applying `schedule` (time_s, target_bps)
/// steps through `set_rates`, and returns per-frame sizes; `config` gives the
/// codec, backend, size (the source's when 0) and initial rate.
std::vector<LiveFrame> encode_live(VideoSource& source, EncoderConfig config,
                                   const std::vector<std::pair<double, double>>& schedule, std::int64_t max_frames = 0);

/// Reaction to a rate step from live frames: frames after the step until the
/// trailing 1 s rate is within `tolerance` of the new target (-1: never),
/// the overshoot (the highest trailing 1 s rate over windows made only of
/// frames encoded after the step, / new target - 1) and
/// the p99 frame size.
struct RateReaction {
  int frames_to_settle = -1;   ///< see above
  double overshoot = 0;        ///< see above
  double p99_frame_bytes = 0;  ///< see above
};
/// Measures the reaction to the step at `step_pts`.
RateReaction measure_reaction(const std::vector<LiveFrame>& frames, std::int64_t step_pts, int fps, double tolerance = 0.10);

/// A link-simulator `FrameSource` driven by a real encoder in live mode:
/// frames of the video `open_video` returns (re-opened when it ends, scaled
/// to the configured size when it differs) are encoded one per call, and
/// the encoder's rates follow the controller's target (`set_rates` whenever
/// it moves by more than 5 %). Throws `Error` as `make_encoder`.
std::unique_ptr<FrameSource> make_encoder_frame_source(EncoderConfig config,
                                                       std::function<std::unique_ptr<VideoSource>()> open_video);

}  // namespace streamopt
