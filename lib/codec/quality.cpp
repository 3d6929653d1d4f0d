// PSNR-Y and SSIM-Y as ffmpeg's psnr and ssim filters compute them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "streamopt/error.hpp"
#include "streamopt/video_io.hpp"

namespace streamopt {
namespace {

void check_same_size(const VideoFrame& a, const VideoFrame& b, const char* what) {
  if (a.width != b.width || a.height != b.height || a.y.size() != b.y.size() ||
      a.y.size() != static_cast<std::size_t>(a.width) * static_cast<std::size_t>(a.height)) {
    throw Error(fmt::format("{}: frames differ in size ({}x{} vs {}x{})", what, a.width, a.height, b.width, b.height));
  }
}

// Sums over one 4x4 block: a, b, a^2 + b^2, a b (x264's ssim_4x4x2_core).
struct BlockSums {
  std::int64_t s1 = 0, s2 = 0, ss = 0, s12 = 0;
};

BlockSums block_sums(const std::uint8_t* a, const std::uint8_t* b, int stride) {
  BlockSums s;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      const int pa = a[y * stride + x], pb = b[y * stride + x];
      s.s1 += pa;
      s.s2 += pb;
      s.ss += pa * pa + pb * pb;
      s.s12 += pa * pb;
    }
  }
  return s;
}

// SSIM of one 8x8 window from its 64-pixel sums (ffmpeg's ssim_end1, 8-bit).
double window_ssim(std::int64_t s1, std::int64_t s2, std::int64_t ss, std::int64_t s12) {
  constexpr std::int64_t c1 = static_cast<std::int64_t>(.01 * .01 * 255 * 255 * 64 + .5);
  constexpr std::int64_t c2 = static_cast<std::int64_t>(.03 * .03 * 255 * 255 * 64 * 63 + .5);
  const std::int64_t vars = ss * 64 - s1 * s1 - s2 * s2;
  const std::int64_t covar = s12 * 64 - s1 * s2;
  return static_cast<double>(2 * s1 * s2 + c1) * static_cast<double>(2 * covar + c2) /
         (static_cast<double>(s1 * s1 + s2 * s2 + c1) * static_cast<double>(vars + c2));
}

}  // namespace

double luma_mse(const VideoFrame& reference, const VideoFrame& test) {
  check_same_size(reference, test, "luma_mse");
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < reference.y.size(); ++i) {
    const int d = static_cast<int>(reference.y[i]) - static_cast<int>(test.y[i]);
    sum += static_cast<std::uint64_t>(d * d);
  }
  return static_cast<double>(sum) / static_cast<double>(reference.y.size());
}

double psnr_db(double mse) {
  if (mse <= 0) return 100.0;
  return std::min(100.0, 10.0 * std::log10(255.0 * 255.0 / mse));
}

double luma_ssim(const VideoFrame& reference, const VideoFrame& test) {
  check_same_size(reference, test, "luma_ssim");
  const int w4 = reference.width / 4, h4 = reference.height / 4;
  if (w4 < 2 || h4 < 2) throw Error("luma_ssim: frames smaller than 8x8");
  const int stride = reference.width;
  std::vector<BlockSums> above(static_cast<std::size_t>(w4)), row(static_cast<std::size_t>(w4));
  const auto fill = [&](std::vector<BlockSums>& out, int by) {
    for (int bx = 0; bx < w4; ++bx) {
      const std::size_t offset = static_cast<std::size_t>(by) * 4 * static_cast<std::size_t>(stride) + static_cast<std::size_t>(bx) * 4;
      out[static_cast<std::size_t>(bx)] = block_sums(reference.y.data() + offset, test.y.data() + offset, stride);
    }
  };
  fill(above, 0);
  double total = 0;
  for (int by = 1; by < h4; ++by) {
    fill(row, by);
    for (int bx = 0; bx + 1 < w4; ++bx) {
      const auto i = static_cast<std::size_t>(bx);
      const BlockSums& a = above[i];
      const BlockSums& b = above[i + 1];
      const BlockSums& c = row[i];
      const BlockSums& d = row[i + 1];
      total += window_ssim(a.s1 + b.s1 + c.s1 + d.s1, a.s2 + b.s2 + c.s2 + d.s2, a.ss + b.ss + c.ss + d.ss,
                           a.s12 + b.s12 + c.s12 + d.s12);
    }
    std::swap(above, row);
  }
  return total / (static_cast<double>(h4 - 1) * static_cast<double>(w4 - 1));
}

void QualityStats::add(const VideoFrame& reference, const VideoFrame& test) {
  const double mse = luma_mse(reference, test);
  mse_sum += mse;
  worst_psnr_db = std::min(worst_psnr_db, psnr_db(mse));
  ssim_sum += luma_ssim(reference, test);
  ++frames;
}

double QualityStats::mean_psnr_db() const { return frames ? psnr_db(mse_sum / static_cast<double>(frames)) : 0.0; }

double QualityStats::mean_ssim() const { return frames ? ssim_sum / static_cast<double>(frames) : 0.0; }

}  // namespace streamopt
